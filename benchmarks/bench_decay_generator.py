"""Decays per second: the library generator against a plain one-parent-per-event PYTHIA loop.

Run: python benchmarks/bench_decay_generator.py [--parents N]
All methods run side by side in one process on the same machine; the ratio is what counts.

* library         : analysis.decay_generator.generate_decays (200 parents per Pythia.next(),
                    downward walk from each parent through heavy-flavour hadrons only)
* library, 1/event: the same code with one parent per event (isolates the batching gain)
* plain loop      : what one writes first: one parent per event, scan the whole event record
                    for final electrons, climb each electron's mother chain to classify it
* PYTHIA alone    : the floor: PYTHIA decaying 200 parents per event, nothing extracted
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import awkward as ak
import numpy as np

from analysis import pdg_codes
from analysis.decay_generator import DecayKinematics, generate_decays, make_decayer
from analysis.electron_origin import ElectronOrigin
from analysis.species import SPECIES


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


def pythia_floor(species, n_parents: int, pythia, parents_per_event: int = 200) -> int:
    """PYTHIA's own cost: fill events with parents and decay them, extract nothing. No
    generator can beat this; the gap to it is the Python-side work."""
    event = pythia.event
    energy = math.hypot(10.0, species.mass)
    for start in range(0, n_parents, parents_per_event):
        event.reset()
        for _ in range(min(parents_per_event, n_parents - start)):
            event.append(species.pdg, 81, 0, 0, 10.0, 0.0, 0.0, energy, species.mass)
        pythia.next()
    return 0


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def heavy_flavour_count(decays: ak.Array) -> int:
    return int(ak.sum(decays.electron.origin < int(ElectronOrigin.CHARMONIUM)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=50_000, help="parents per species and method")
    parser.add_argument("--species", nargs="+", default=list(SPECIES))
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"{'species':8s} {'method':18s} {'parents/s':>10s} {'e/parent':>9s} {'speed-up':>9s}")
    for name in args.species:
        species = SPECIES[name]
        # PYTHIA's initialisation (~0.15 s) is a fixed cost per job: kept out of the timing
        t_plain, n_plain = timed(plain_loop, species, args.parents, 1, make_decayer(1))
        t_single, single = timed(generate_decays, species, args.parents, 1, 0, DecayKinematics(), 1, make_decayer(1))
        t_library, library = timed(generate_decays, species, args.parents, 1, 0, DecayKinematics(), 200, make_decayer(1))
        t_floor, _ = timed(pythia_floor, species, args.parents, make_decayer(1))
        for label, seconds, n_electrons in (
            ("plain loop", t_plain, n_plain),
            ("library, 1/event", t_single, heavy_flavour_count(single)),
            ("library", t_library, heavy_flavour_count(library)),
            ("PYTHIA alone", t_floor, 0),
        ):
            print(
                f"{name:8s} {label:18s} {args.parents / seconds:10.0f} {n_electrons / args.parents:9.4f}"
                f" {t_plain / seconds:8.2f}x"
            )


if __name__ == "__main__":
    main()
