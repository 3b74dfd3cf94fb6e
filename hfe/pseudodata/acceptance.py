"""Is the decay library acceptance-complete? The share of the electrons in |eta| < eta_max that
come from parents inside the generated |y| < y_max.

Parents are decayed over a wider rapidity range (``y_wide``), flat in pT and y (boost-invariant
plateau) and weighted by a Levy-Tsallis spectrum per flavour; per electron pT bin the share of
the (weighted) electrons in |eta| < eta_max whose parent has |y| < y_max is returned. A library
generated over |y| < y_max misses the rest: 1 - share is the loss of yield its responses would
have at that electron pT.

``python -m hfe.pseudodata.acceptance`` prints the table of the README ("Acceptance"); the slow test
``tests/test_acceptance.py`` checks the configured y_max against 99.5 %.
"""

from __future__ import annotations

import argparse

import awkward as ak
import numpy as np

from hfe.core.species import SPECIES, species_by_name
from hfe.decays.generator import DecayKinematics, generate_decays
from hfe.fitting.shapes import Curve

ELECTRON_PT_EDGES = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0])  # GeV/c
# representative pp spectra (Levy-Tsallis, T in GeV): near the fits to ALICE D0 (arXiv:1901.07979)
# and non-prompt D0 (arXiv:2102.13601); softer spectra put more electrons at low pT
SPECTRA = {
    "charm": {"form": "levy", "parameters": {"dndy": 1.0, "T": 0.5, "n": 6.0}},
    "beauty": {"form": "levy", "parameters": {"dndy": 1.0, "T": 1.3, "n": 6.8}},
}


def inside_share(
    species: str, y_max_values, n_parents: int = 100_000, y_wide: float = 4.0, eta_max: float = 0.8, seed: int = 1,
    pt_edges: np.ndarray = ELECTRON_PT_EDGES,
) -> dict[float, np.ndarray]:
    """{y_max: share per electron pT bin} for one species (see module docstring)."""
    hadron = species_by_name(species)
    decays = generate_decays(hadron, n_parents, seed, 0, DecayKinematics(40.0, y_wide), 200)
    spec = SPECTRA[hadron.flavour]
    spectrum = Curve(spec["form"], {**spec["parameters"], "mass": hadron.mass})
    counts = ak.num(decays.electron)
    parent_y = np.repeat(np.abs(np.asarray(decays.y)), counts)
    weight = np.repeat(spectrum(np.asarray(decays.pt)), counts) * np.asarray(ak.flatten(decays.electron.weight))
    pt, eta = np.asarray(ak.flatten(decays.electron.pt)), np.asarray(ak.flatten(decays.electron.eta))
    accepted = np.abs(eta) < eta_max
    total, _ = np.histogram(pt[accepted], pt_edges, weights=weight[accepted])
    shares = {}
    for y_max in y_max_values:
        inside = accepted & (parent_y < y_max)
        kept, _ = np.histogram(pt[inside], pt_edges, weights=weight[inside])
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[float(y_max)] = kept / total
    return shares


def flavour_shares(species_list, y_max_values, **options) -> dict[str, dict[float, np.ndarray]]:
    """Per flavour, the smallest share over its species (conservative), per y_max and pT bin."""
    out: dict[str, dict[float, np.ndarray]] = {}
    for species in species_list:
        flavour = SPECIES[species].flavour
        for y_max, share in inside_share(species, y_max_values, **options).items():
            current = out.setdefault(flavour, {}).get(y_max)
            out[flavour][y_max] = share if current is None else np.fmin(current, share)
    return out


def markdown_table(shares: dict[str, dict[float, np.ndarray]], pt_edges: np.ndarray = ELECTRON_PT_EDGES) -> str:
    header = "| flavour | parents \\|y\\| < | " + " | ".join(f"{a:g}–{b:g}" for a, b in zip(pt_edges[:-1], pt_edges[1:])) + " |"
    lines = [header, "|" + "---|" * (len(pt_edges) + 1)]
    for flavour, by_y in shares.items():
        for y_max, share in by_y.items():
            lines.append(f"| {flavour} → e | {y_max:g} | " + " | ".join(f"{100 * s:.1f}" for s in share) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=100_000, help="parents per species")
    parser.add_argument("--y-max", type=float, nargs="+", default=[1.0, 1.5, 2.0, 2.5])
    parser.add_argument("--species", nargs="+", default=list(SPECIES))
    parser.add_argument("--eta-max", type=float, default=0.8, help="electron acceptance |eta| < eta_max (PHENIX: 0.35)")
    args = parser.parse_args()
    shares = flavour_shares(args.species, args.y_max, n_parents=args.parents, eta_max=args.eta_max)
    print(f"Share (%) of the electrons in |eta| < {args.eta_max:g} per electron pT bin (GeV/c) from parents inside |y| < y_max")
    print(markdown_table(shares))


if __name__ == "__main__":
    main()
