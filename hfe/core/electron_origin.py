"""How a decay electron is connected to its heavy-flavour parent hadron.

An electron counts as a heavy-flavour decay electron when every particle on its decay chain
back to the parent is a heavy-flavour hadron, a tau lepton, or a parton / string entry of the
event record (PYTHIA hadronises partonic B decays). Electrons whose chain passes through a
light hadron (pi0 and eta Dalitz decays, K -> e nu), a photon (conversions), or a muon are not
stored at all. Electrons whose last heavy hadron is a charmonium (J/psi -> e+e-, including
B -> J/psi X) are stored with their own origin code so that a user may include them; ALICE
subtracts them from its HFE. B -> psi(3770) -> D D-bar -> e is b -> c -> e.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class ElectronOrigin(IntEnum):
    """Origin code stored per electron in the decay library (branch ``electron_origin``)."""

    DIRECT = 0  # c -> e or b -> e: the electron comes from the parent's own weak decay
    VIA_CHARM = 1  # b -> c -> e (and b -> c -> tau -> e): through an open-charm hadron
    VIA_TAU = 2  # c -> tau -> e or b -> tau -> e, the tau from the parent's own decay
    CHARMONIUM = 3  # last heavy hadron above the electron is a charmonium (J/psi -> e+ e-)


HEAVY_FLAVOUR_ORIGINS = (ElectronOrigin.DIRECT, ElectronOrigin.VIA_CHARM, ElectronOrigin.VIA_TAU)


class EventElectronOrigin(IntEnum):
    """Truth origin of an electron in the pseudo-data event ntuples (branch ``electron_origin``)."""

    CHARM = 0  # c -> e (including c -> tau -> e)
    BEAUTY = 1  # b -> e, b -> tau -> e
    BEAUTY_VIA_CHARM = 2  # b -> c -> e
    BACKGROUND = 3  # photonic background (conversions, Dalitz decays), to be subtracted


def event_origin(flavour: str, library_origin: np.ndarray) -> np.ndarray:
    """Map decay-library origins of one parent flavour to :class:`EventElectronOrigin` codes."""
    if flavour == "charm":
        return np.full(len(library_origin), EventElectronOrigin.CHARM, dtype=np.int8)
    return np.where(
        library_origin == ElectronOrigin.VIA_CHARM, EventElectronOrigin.BEAUTY_VIA_CHARM, EventElectronOrigin.BEAUTY
    ).astype(np.int8)
