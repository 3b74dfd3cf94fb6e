"""Decays per second: the library generator against a plain one-parent-per-event PYTHIA loop.

Run: python benchmarks/bench_decay_generator.py [--parents N]
All methods run side by side in one process on the same machine; the ratio is what counts.

* plain loop      : what one writes first: default PYTHIA, one parent per event, scan the whole
                    event record for final electrons, climb each electron's mother chain
* library, unforced: hfe.decays.generator.generate_decays with ForcedDecays(enabled=False):
                    200 parents per Pythia.next(), light-hadron decays off, downward walk
* library         : the default: forced and stratified decays (hfe.decays.forced_decays)

Two rates per method: parents/s (PYTHIA decays per second) and the *unforced-equivalent*
rate, the number of unforced decays per second that would give the same statistical precision
on the heavy-flavour electron yield: n_eff / (electrons per parent), with the Kish effective
count n_eff = (sum w)^2 / sum w^2 over the electrons (n_eff = number of electrons for unit
weights, so both rates coincide for unforced methods). The speed-up is taken on the
unforced-equivalent rate. PYTHIA's initialisation (a fixed cost per job) is not timed.
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import awkward as ak
import numpy as np

from hfe.core import pdg_codes
from hfe.core.electron_origin import ElectronOrigin
from hfe.core.species import SPECIES
from hfe.decays.forced_decays import ForcedDecays
from hfe.decays.generator import DecayKinematics, generate_decays, library_decayers, make_decayer


def plain_loop(species, n_parents: int, seed: int, pythia) -> int:
    """Baseline: one parent per event; returns the number of heavy-flavour electrons."""
    event = pythia.event
    rng = np.random.default_rng(seed)
    n_electrons = 0
    for _ in range(n_parents):
        pt, y, phi = rng.uniform(0, 40), rng.uniform(-1, 1), rng.uniform(-math.pi, math.pi)
        mt = math.hypot(pt, species.mass)
        pdg = species.pdg if rng.random() < 0.5 else -species.pdg
        event.reset()
        event.append(pdg, 81, 0, 0, pt * math.cos(phi), pt * math.sin(phi), mt * math.sinh(y), mt * math.cosh(y), species.mass)
        pythia.next()
        for i in range(event.size()):
            particle = event[i]
            if particle.idAbs() != 11 or not particle.isFinal():
                continue
            mother, heavy = particle.mother1(), True
            while mother > 1:
                code = event[mother].id()
                if not (pdg_codes.is_heavy_flavour_hadron(code) or abs(code) == 15 or pdg_codes.is_parton_or_special(code)):
                    heavy = False
                    break
                mother = event[mother].mother1()
            n_electrons += heavy
    return n_electrons


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def weighted_electrons(decays: ak.Array) -> tuple[float, float]:
    """(sum w, sum w^2) over the heavy-flavour electrons (charmonium excluded)."""
    electrons = decays.electron[decays.electron.origin < int(ElectronOrigin.CHARMONIUM)]
    weight = ak.to_numpy(ak.flatten(electrons.weight))
    return float(weight.sum()), float((weight**2).sum())


def library(species, n_parents: int, forcing: ForcedDecays):
    decayers = library_decayers(species, 1, forcing)  # initialisation kept out of the timing
    seconds, decays = timed(generate_decays, species, n_parents, 1, 0, DecayKinematics(), 200, decayers)
    return seconds, weighted_electrons(decays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=50_000, help="parents per species and method")
    parser.add_argument("--species", nargs="+", default=list(SPECIES))
    args = parser.parse_args()
    n = args.parents
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"{'species':8s} {'method':18s} {'parents/s':>10s} {'e/parent':>9s} {'equiv. parents/s':>17s} {'speed-up':>9s}")
    for name in args.species:
        species = SPECIES[name]
        t_plain, n_plain = timed(plain_loop, species, n, 1, make_decayer(1))
        rows = [("plain loop", t_plain, (float(n_plain), float(n_plain)))]
        rows.append(("library, unforced", *library(species, n, ForcedDecays(enabled=False))))
        rows.append(("library", *library(species, n, ForcedDecays())))
        for label, seconds, (sum_w, sum_w2) in rows:
            per_parent = sum_w / n
            equivalent = (sum_w**2 / sum_w2) / per_parent / seconds
            print(f"{name:8s} {label:18s} {n / seconds:10.0f} {per_parent:9.4f} {equivalent:17.0f} {equivalent * t_plain / n:8.2f}x")


if __name__ == "__main__":
    main()
