"""Classification of PDG Monte Carlo particle codes (PDG review 'Monte Carlo particle numbering').

A hadron code is ``±n nr nL nq1 nq2 nq3 nJ``: mesons have nq1 = 0 and quarks nq2, nq3;
baryons have three quarks nq1 nq2 nq3. Codes up to 100 are elementary particles, partons
and PYTHIA's special codes (strings 92, clusters 91, ...).
"""

from __future__ import annotations

from functools import lru_cache

ELECTRON = 11
TAU = 15
PHOTON = 22


def _quark_digits(pdg: int) -> tuple[int, int, int]:
    code = abs(pdg)
    return (code // 1000) % 10, (code // 100) % 10, (code // 10) % 10


def is_hadron(pdg: int) -> bool:
    """True for meson and baryon codes (|code| > 100, excluding diquarks and nuclei)."""
    code = abs(pdg)
    if code <= 100 or code >= 1_000_000_000:
        return False
    nq1, nq2, nq3 = _quark_digits(code)
    if code % 10 == 0 or nq3 == 0:  # diquarks (e.g. 2101) and special codes end in 0 / have nq3 = 0
        return False
    return nq2 != 0


def is_parton_or_special(pdg: int) -> bool:
    """Quarks, gluons, diquarks and PYTHIA's internal codes (strings, clusters): not particles
    that decay into electrons themselves, only carriers of the decay history."""
    code = abs(pdg)
    if code <= 8 or code == 21 or 81 <= code <= 100:
        return True
    return 1000 < code < 10000 and (code // 10) % 10 == 0  # diquark codes nq1 nq2 0 nJ


def heavy_quark_content(pdg: int) -> set[int]:
    """Heavy quark flavours (4 = c, 5 = b) among a hadron's constituent quarks."""
    if not is_hadron(pdg):
        return set()
    return {q for q in _quark_digits(pdg) if q in (4, 5)}


def is_heavy_flavour_hadron(pdg: int) -> bool:
    """Hadrons with at least one c or b quark, open or hidden flavour."""
    return bool(heavy_quark_content(pdg))


def is_charmonium(pdg: int) -> bool:
    """Hidden-charm mesons (J/psi 443, psi(2S) 100443, chi_c, eta_c, ...)."""
    if not is_hadron(pdg):
        return False
    nq1, nq2, nq3 = _quark_digits(pdg)
    return nq1 == 0 and nq2 == 4 and nq3 == 4


def is_open_charm_hadron(pdg: int) -> bool:
    """Hadrons with a c quark and no b quark, excluding charmonium."""
    return heavy_quark_content(pdg) == {4} and not is_charmonium(pdg)


@lru_cache(maxsize=None)
def decay_chain_role(pdg: int) -> str:
    """Role of a particle on the decay chain from a heavy-flavour parent to an electron
    (cached: the decay walk asks this for every daughter).

    ``electron``; ``tau``; ``transparent`` (partons, strings: carry the history only);
    ``open_charm``; ``charmonium``; ``heavy`` (other heavy-flavour hadrons: beauty);
    ``stop`` (light hadrons, photons, muons, neutrinos: nothing below them counts).
    """
    code = abs(pdg)
    if code == ELECTRON:
        return "electron"
    if code == TAU:
        return "tau"
    if is_parton_or_special(code):
        return "transparent"
    if is_charmonium(code):
        return "charmonium"
    if is_open_charm_hadron(code):
        return "open_charm"
    if is_heavy_flavour_hadron(code):
        return "heavy"
    return "stop"
