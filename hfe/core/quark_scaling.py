"""Number-of-constituent-quark (NCQ) scaling of v2 between hadron species.

v2/n_q is one function of KE_T/n_q for every species, KE_T = m_T - m (GeV):
v2_t(pT) = (n_t/n_r) v2_r(pT_r) with KE_T,r(pT_r)/n_r = KE_T,t(pT)/n_t, each species with its own
mass and quark number n_q (2 for mesons, 3 for baryons; :attr:`HadronSpecies.quarks`). Used by the
v2 analysis (the NCQ hypothesis for beauty, the Lambda_c v2) and by the pseudo-data truth.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hfe.core.species import HadronSpecies


def transverse_kinetic_energy(pt, mass):
    """KE_T = m_T - m (GeV)."""
    return np.sqrt(np.asarray(pt, dtype=float) ** 2 + mass**2) - mass


def pt_at_kinetic_energy(ket, mass):
    """Inverse of :func:`transverse_kinetic_energy`."""
    ket = np.asarray(ket, dtype=float)
    return np.sqrt((ket + mass) ** 2 - mass**2)


def ncq_scaled_v2(v2_reference: Callable, reference_mass: float, target_mass: float, quarks_reference: int = 2, quarks_target: int = 2):
    """v2 of a hadron of ``target_mass`` predicted by NCQ scaling from a reference hadron:
    v2_t(pT)/n_t = v2_r(pT_r)/n_r at KE_T,r/n_r = KE_T,t/n_t."""

    def v2(pt):
        ket_per_quark = transverse_kinetic_energy(pt, target_mass) / quarks_target
        reference_pt = pt_at_kinetic_energy(ket_per_quark * quarks_reference, reference_mass)
        return quarks_target / quarks_reference * v2_reference(reference_pt)

    return v2


def species_v2(v2_reference: Callable, reference: HadronSpecies, target: HadronSpecies) -> Callable:
    """NCQ scaling between two species with their own masses and quark numbers n_q (2 for
    mesons, 3 for baryons)."""
    return ncq_scaled_v2(v2_reference, reference.mass, target.mass, reference.quarks, target.quarks)
