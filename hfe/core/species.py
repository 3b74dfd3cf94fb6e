"""Heavy-flavour hadron species known to the decay library.

Masses are the PDG 2024 values (R.L. Workman et al. (Particle Data Group), PTEP 2022 083C01
and 2024 update), in GeV/c^2. Charge conjugates are always included: a species named
``Dplus`` means D+ and D-.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HadronSpecies:
    """One ground-state heavy-flavour hadron and its charge conjugate."""

    name: str  # config name, also the {species} wildcard
    pdg: int  # PDG Monte Carlo code of the particle (the antiparticle is -pdg)
    flavour: str  # "charm" or "beauty"
    mass: float  # GeV/c^2 (PDG 2024)
    label: str  # LaTeX label for figures

    @property
    def quarks(self) -> int:
        """Number of constituent quarks n_q: 3 for the baryons (PDG codes of four digits), 2 for
        the mesons; the n_q of quark-number (NCQ) scaling."""
        return 3 if abs(self.pdg) >= 1000 else 2


SPECIES: dict[str, HadronSpecies] = {
    s.name: s
    for s in (
        HadronSpecies("D0", 421, "charm", 1.86484, r"$\mathrm{D^0}$"),
        HadronSpecies("Dplus", 411, "charm", 1.86966, r"$\mathrm{D^+}$"),
        HadronSpecies("Ds", 431, "charm", 1.96835, r"$\mathrm{D_s^+}$"),
        HadronSpecies("Lc", 4122, "charm", 2.28646, r"$\Lambda_\mathrm{c}^+$"),
        HadronSpecies("B0", 511, "beauty", 5.27966, r"$\mathrm{B^0}$"),
        HadronSpecies("Bplus", 521, "beauty", 5.27934, r"$\mathrm{B^+}$"),
        HadronSpecies("Bs", 531, "beauty", 5.36692, r"$\mathrm{B_s^0}$"),
        HadronSpecies("Lb", 5122, "beauty", 5.61960, r"$\Lambda_\mathrm{b}^0$"),
    )
}

CHARM_SPECIES = tuple(name for name, s in SPECIES.items() if s.flavour == "charm")  # D0, Dplus, Ds, Lc
BEAUTY_SPECIES = tuple(name for name, s in SPECIES.items() if s.flavour == "beauty")  # B0, Bplus, Bs, Lb
MICROBARN_PER_MILLIBARN = 1000.0  # cross sections: pp spectra in microbarn/(GeV/c), sigma_inel and T_AA in mb


def species_by_name(name: str) -> HadronSpecies:
    """Return the species called ``name``; raise KeyError listing the known names."""
    try:
        return SPECIES[name]
    except KeyError:
        raise KeyError(f"unknown hadron species {name!r}; known: {sorted(SPECIES)}") from None
