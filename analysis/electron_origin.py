"""How a decay electron is connected to its heavy-flavour parent hadron.

An electron counts as a heavy-flavour decay electron when every particle on its decay chain
back to the parent is a heavy-flavour hadron, a tau lepton, or a parton / string entry of the
event record (PYTHIA hadronises partonic B decays). Electrons whose chain passes through a
light hadron (pi0 and eta Dalitz decays, K -> e nu), a photon (conversions), or a muon are not
stored at all. Electrons from charmonium (J/psi -> e+e-, including B -> J/psi X) are stored
with their own origin code so that a user may include them; ALICE subtracts them from its HFE.
"""

from __future__ import annotations

from enum import IntEnum


class ElectronOrigin(IntEnum):
    """Origin code stored per electron in the decay library (branch ``electron_origin``)."""

    DIRECT = 0  # c -> e or b -> e: the electron comes from the parent's own weak decay
    VIA_CHARM = 1  # b -> c -> e: through an open-charm hadron from a beauty parent
    VIA_TAU = 2  # c -> tau -> e or b -> tau -> e (also b -> c -> tau -> e)
    CHARMONIUM = 3  # J/psi, psi(2S), ... -> e+ e- (excluded from HFE by default)


HEAVY_FLAVOUR_ORIGINS = (ElectronOrigin.DIRECT, ElectronOrigin.VIA_CHARM, ElectronOrigin.VIA_TAU)
