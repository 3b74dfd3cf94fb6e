"""Closure over K pseudo-data samples of one truth: K ``snakemake closure`` runs, combined.

    python workflow/closure_ensemble.py --samples 3 --cores 2 \\
        --configfile config/config.yaml config/closure/beauty_hard.yaml [-- SNAKEMAKE OPTIONS]

Sample 0 is the configuration's own run (in its ``results_dir``). Sample k > 0 runs in
``<results_dir>/closure_samples/sample_<k>`` with ``pseudo_data.sample: k``: new events of the
same truth. The decay libraries, responses and truth do not depend on the sample, so sample 0's
are hard-linked there and only the events and what follows them are made. A sample already
complete is left as it is (Snakemake finds nothing to do). The ensemble
(:mod:`hfe.outputs.closure_ensemble`) is written to ``<results_dir>/closure/ensemble.{json,md}``.
Run from the repository root; the exit status is Snakemake's, or 1 if a summary cannot be combined.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

from hfe.core.catalogue import PSEUDO_DATA_LIBRARY, RESPONSE_LIBRARY
from hfe.core.config import ConfigError, check_config_files
from hfe.outputs.closure_ensemble import main as combine

SHARED_BY_SAMPLES = (RESPONSE_LIBRARY, PSEUDO_DATA_LIBRARY, "responses", "truth")


def sample_directory(results_dir: str, sample: int) -> Path:
    return Path(results_dir) if sample == 0 else Path(results_dir) / "closure_samples" / f"sample_{sample}"


def link_shared_outputs(source: Path, target: Path) -> int:
    """Hard-link every file of the sample-independent outputs of ``source`` into ``target``
    (replacing a file that is not the same one); the number of links made."""
    made = 0
    for name in SHARED_BY_SAMPLES:
        for path in sorted((source / name).rglob("*")):
            if not path.is_file() or path.name.endswith(".part"):
                continue
            destination = target / path.relative_to(source)
            if destination.exists() and os.path.samefile(path, destination):
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            temporary = destination.with_name(destination.name + ".link")
            temporary.unlink(missing_ok=True)
            os.link(path, temporary)
            os.replace(temporary, destination)
            made += 1
    return made


def snakemake_command(configfiles: list[str], extra_configfile: Path | None, cores: int, options: list[str]) -> list[str]:
    files = configfiles + ([str(extra_configfile)] if extra_configfile else [])
    return [sys.executable, "-m", "snakemake", "--cores", str(cores), *options, "--configfile", *files, "--", "closure"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, required=True, help="number of pseudo-data samples K (0 ... K-1), at least 2")
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--configfile", nargs="+", required=True, help="the config files of the truth, as given to snakemake")
    parser.add_argument("snakemake_options", nargs="*", help="after --: passed to every snakemake call")
    args = parser.parse_args(argv)
    if args.samples < 2:
        parser.error("--samples: an ensemble needs at least 2 samples")
    try:
        config = check_config_files(*args.configfile)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 1
    if config["pseudo_data"]["sample"] != 0:
        print("Configuration error: pseudo_data.sample is set by the ensemble; leave it out of the config files", file=sys.stderr)
        return 1
    results_dir = config["results_dir"].rstrip("/")
    summaries = []
    for sample in range(args.samples):
        directory = sample_directory(results_dir, sample)
        extra = None
        if sample > 0:
            directory.mkdir(parents=True, exist_ok=True)
            linked = link_shared_outputs(Path(results_dir), directory)
            extra = directory / "sample.yaml"
            extra.write_text(yaml.safe_dump({"results_dir": str(directory), "pseudo_data": {"sample": sample}}))
            print(f"sample {sample}: {directory} ({linked} files linked from {results_dir})", flush=True)
        status = subprocess.call(snakemake_command(args.configfile, extra, args.cores, args.snakemake_options))
        if status:
            print(f"sample {sample}: snakemake failed with status {status}", file=sys.stderr)
            return status
        summaries.append(directory / "closure" / "summary.json")
    closure = Path(results_dir) / "closure"
    return combine([str(closure / "ensemble.json"), str(closure / "ensemble.md"), *map(str, summaries)])


if __name__ == "__main__":
    raise SystemExit(main())
