"""Throughput and peak memory of the HFE measurement on event ntuples.

Run: python benchmarks/bench_measurement.py [--events N]
Writes a Pb-Pb 0-10 % pseudo-data file (from a small decay library), then measures it as 1 file
and as 10 files (the same events ten times) in fresh subprocesses, printing electrons per
second (all electrons read, per core: the measurement is single-threaded; a first warm-up
pass over one file, the one-time initialisation of the readers, is not timed), the peak of
tracemalloc-tracked memory and the peak resident memory. Targets (issue 3): at least 5 million
electrons per second per core; the same peak memory for 1x and 10x input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hfe.core.config import load_config
from hfe.core.species import SPECIES
from hfe.decays.library import write_decay_chunk
from hfe.decays.response import build_dzero_response
from hfe.pseudodata.chunk import build_system_setup, write_event_chunk
from hfe.pseudodata.truth import TruthModel, build_truth

CHILD = """
import dataclasses, json, resource, sys, time, tracemalloc
import uproot, awkward as ak
from hfe.core.config import load_config
from hfe.measurement.hfe import accumulate, results
from hfe.measurement.output import settings_from_config
config = load_config("config/config.yaml")
# the files are the benchmark's own (1x or 10x the configured events): no event-count check
settings = dataclasses.replace(settings_from_config(config, "PbPb_0-10"), expected_events=None)
paths = sys.argv[1:]
electrons = sum(int(ak.sum(uproot.open(p)["events"]["nelectron"].array())) for p in paths)
accumulate(paths[:1], settings)  # warm-up: one-time initialisation of uproot/awkward readers, not timed
tracemalloc.start()
start = time.perf_counter()
results(accumulate(paths, settings))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "electrons": electrons, "traced_peak_mb": tracemalloc.get_traced_memory()[1] / 1e6,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="Pb-Pb 0-10 %% events in the 1x file")
    args = parser.parse_args()
    config = load_config("config/config.yaml")
    config["systems"]["PbPb_0-10"]["n_events"] = args.events
    config["systems"]["PbPb_0-10"]["chunks"] = 1
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        library = {}
        for name in SPECIES:
            path = directory / f"{name}.root"
            write_decay_chunk(path, name, 0, 20_000, 1)
            library[name] = [path]
        dzero = {s: build_dzero_response(s, library[s], config["response"], 40.0) for s in ("B0", "Bplus", "Bs", "Lb")}
        truth = TruthModel(build_truth(config, dzero))
        start = time.perf_counter()
        events = directory / "events_0.root"
        write_event_chunk(events, "PbPb_0-10", 0, config, build_system_setup("PbPb_0-10", config, truth, library))
        print(f"generated {args.events} Pb-Pb 0-10 % events in {time.perf_counter() - start:.1f} s ({events.stat().st_size / 1e6:.0f} MB)")
        copies = [events] + [shutil.copy(events, directory / f"events_{i}.root") for i in range(1, 10)]
        print(f"{'input':>5s} {'electrons':>10s} {'seconds':>8s} {'electrons/s':>12s} {'traced peak MB':>15s} {'max RSS MB':>11s}")
        for label, paths in (("1x", copies[:1]), ("10x", copies)):
            out = subprocess.run([sys.executable, "-c", CHILD, *map(str, paths)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            print(
                f"{label:>5s} {r['electrons']:10d} {r['seconds']:8.2f} {r['electrons'] / r['seconds']:12.3g} "
                f"{r['traced_peak_mb']:15.1f} {r['maxrss_mb']:11.1f}"
            )


if __name__ == "__main__":
    main()
