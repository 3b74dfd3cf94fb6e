"""File-level steps of the bootstrap: measure replicas of a batch, run the chain on them, merge.

Files: ``results/bootstrap/measurement/<system>/batch_<b>.npz`` (replica indices, pT edges,
HFE spectrum and v2 replicas), ``results/bootstrap/fits/<family>/batch_<b>.npz`` (per
observable: lower bin edges of the nominal result and the replica values, NaN rows for failed
replicas; the list of failed replicas), and per family the merged bands
``results/bootstrap/<family>/<system>/<observable>.csv``, ``covariance.npz`` and ``summary.json``
(families: :data:`hfe.core.catalogue.BOOTSTRAP_FAMILIES`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from hfe.bootstrap.bands import MIN_VALID_REPLICAS, align, band_precision, check_failures, summarize
from hfe.bootstrap.chain import ChainSettings, run_replica
from hfe.core.atomic_io import write_json_atomically, write_npz_reproducibly, write_text_atomically
from hfe.core.backend import array_module, resolve
from hfe.core.catalogue import FIT_INPUTS, STATISTICAL, ResultsLayout, observables
from hfe.core.config import config_fingerprint, flow_systems
from hfe.core.errors import ConfigError
from hfe.core.seeds import derive_seed
from hfe.decays.response import ResponseMatrix
from hfe.decomposition.inputs import FitInputs, load_system_hfe
from hfe.measurement.hfe import accumulate, replica_results
from hfe.measurement.output import settings_from_config
from hfe.stats.replica_sums import ReplicaSums
from hfe.stats.replica_weights import stream_key
from hfe.tables.published import load_table

log = logging.getLogger(__name__)


def event_stream_key(config: dict, system: str):
    """Key of the event-level Poisson weights of a system (replica r is the same in every job)."""
    return stream_key(derive_seed(config["seed"], "bootstrap-events", system))


def batch_fingerprint(path: str | Path) -> str:
    """The configuration fingerprint a batch file was made with (:func:`hfe.core.config.config_fingerprint`)."""
    with np.load(path) as f:
        return str(f["config_fingerprint"]) if "config_fingerprint" in f else "none"


def check_batch_fingerprints(paths, expected: Mapping[str, str] | str, what: str) -> None:
    """Every batch file was made with the expected configuration (one fingerprint, or one per
    file path); a stale batch is an error naming it, never merged."""
    for path in paths:
        want = expected if isinstance(expected, str) else expected[str(path)]
        found = batch_fingerprint(path)
        if found != want:
            raise ConfigError(
                f"{path}: this {what} was made with another configuration (fingerprint {found}, the current "
                f"configuration gives {want}); delete it, or rerun with snakemake --forcerun bootstrap_measure bootstrap_fit"
            )


def measure_replicas(output: str, config: dict, system: str, paths: list[str], first: int, count: int, backend: str) -> None:
    """Event-level replicas ``first .. first + count - 1`` of one system's measurement; the file
    carries the fingerprint of ``config`` (the slice the measurement reads)."""
    settings = settings_from_config(config, system)
    start = time.perf_counter()
    sums = ReplicaSums(len(settings.pt_edges) - 1, event_stream_key(config, system), first, count, 3, array_module(backend))
    replicas = replica_results(accumulate(paths, settings, sums))
    log.info("%s: replicas %d-%d on %s in %.1f s", system, first, first + count - 1, resolve(backend), time.perf_counter() - start)
    arrays = {"replicas": np.arange(first, first + count), "pt_edges": settings.pt_edges, "hfe_spectrum": replicas["hfe_spectrum"],
              "config_fingerprint": np.asarray(config_fingerprint(config))}
    if "hfe_v2" in replicas:
        arrays["hfe_v2"] = replicas["hfe_v2"]
    write_npz_reproducibly(output, arrays)


def fit_replicas(output, config, results: ResultsLayout, first, count, measured_files, measured_systems, hfe_files, hfe_v2_files, systems, responses,
                 expected=None, measurement_fingerprints: Mapping[str, str] | None = None, family: str = STATISTICAL) -> None:
    """Run the chain on replicas ``first .. first + count - 1`` of ``family``; store results
    aligned to the nominal bins (nominal tables under ``results``; every fit starts at its
    nominal minimum); ``measured_files``: the event-level replicas of ``measured_systems``
    (statistical family only); ``expected``: the truth's expected tables where inputs are
    pseudo-data (:func:`hfe.decomposition.inputs.pseudo_data_tables`);
    ``measurement_fingerprints``: {system: fingerprint} the measurement batches must carry. The
    file carries the fingerprint of ``config`` (the slice the fit reads)."""
    if family == STATISTICAL and measurement_fingerprints is not None:
        check_batch_fingerprints(measured_files, {str(p): measurement_fingerprints[s] for s, p in zip(measured_systems, measured_files)},
                                 "measurement batch")
    measured = {system: {} for system in measured_systems}  # the fit-inputs family keeps the measurement nominal
    for system, path in zip(measured_systems, measured_files if family == STATISTICAL else []):
        with np.load(path) as f:
            measured[system] = {k: f[k] for k in ("hfe_spectrum", "hfe_v2") if k in f}
    starts = {system: json.loads(results.fit_summary(system).read_text())["parameters"] for system in systems}
    hfe_tables = {s: {"hfe_spectrum": load_system_hfe(config, s, p)} for s, p in zip(systems, hfe_files)}
    for system, path in zip(flow_systems(config), hfe_v2_files):  # the rule lists them in this order
        hfe_tables[system]["hfe_v2"] = load_system_hfe(config, system, path, v2=True)
    inputs = FitInputs.load(config, expected=expected)
    chain = ChainSettings.from_config(config)
    nominal_responses = {Path(path).name: ResponseMatrix.load(path) for path in responses}
    names = observables(config)
    nominal_low = {name: load_table(results.result_table(name)).pt_low for name in names}
    values = {name: np.full((count, len(nominal_low[name])), np.nan) for name in names}
    failed = []
    start = time.perf_counter()
    for i in range(count):
        replica = first + i
        rows = {s: {k: v[i] for k, v in m.items()} for s, m in measured.items()}
        result = run_replica(chain, inputs, replica, rows, hfe_tables, nominal_responses, family, starts)
        if result is None:
            failed.append(replica)
        else:
            for name, (low, v) in result.items():
                values[name][i] = align(np.asarray(low), v, nominal_low[name])
        log.info("%s replica %d done (%d/%d, %d failed, %.0f s elapsed)", family, replica, i + 1, count, len(failed), time.perf_counter() - start)
    arrays = {"replicas": np.arange(first, first + count), "failed": np.asarray(failed, dtype=np.int64),
              "config_fingerprint": np.asarray(config_fingerprint(config))}
    arrays.update({f"values/{name}": v for name, v in values.items()})
    write_npz_reproducibly(output, arrays)


def merge_replicas(outputs: dict, config: dict, results: ResultsLayout, batch_files: list[str], max_failed_fraction: float,
                   fit_fingerprint: str | None = None, family: str = STATISTICAL) -> None:
    """Bands and covariance over the replicas of all batches of one family;
    ``fit_fingerprint``: the fingerprint every batch must carry (that of the current fit
    configuration)."""
    if fit_fingerprint is not None:
        check_batch_fingerprints(batch_files, fit_fingerprint, "bootstrap batch")
    names = observables(config)
    replicas, failed, values = [], [], {name: [] for name in names}
    for path in batch_files:
        with np.load(path) as f:
            replicas += f["replicas"].tolist()
            failed += f["failed"].tolist()
            for name in names:
                values[name].append(f[f"values/{name}"])
    expected = list(range(config["bootstrap"]["replicas"]))
    if sorted(replicas) != expected:
        raise ValueError(f"bootstrap batches hold replicas {sorted(replicas)[:5]}..., expected 0..{expected[-1]}")
    check_failures(len(failed), len(replicas), max_failed_fraction)
    covariance, summary = {}, {"family": family, "draws": FAMILY_DRAWS[family], "replicas": len(replicas), "failed": sorted(failed), "observables": {}}
    for name, path in zip(names, outputs["tables"]):
        nominal = load_table(results.result_table(name))
        replica_values = np.concatenate(values[name])
        bands = summarize(replica_values, nominal.value)
        covariance[f"{name}/covariance"] = bands["covariance"]
        covariance[f"{name}/correlation"] = bands["correlation"]
        without = write_band_table(path, name, nominal, bands, len(replicas) - len(failed), family)
        precision = band_precision(replica_values)
        summary["observables"][name] = {
            "pt_low": nominal.pt_low.tolist(), "std": bands["std"].tolist(), "bins_without_band": without,
            "halfwidth_precision": _finite_or_none(precision["halfwidth"]), "edge_precision": _finite_or_none(precision["edge"]),
        }
    summary["band_precision"] = precision_summary(summary["observables"], len(replicas) - len(failed))
    write_npz_reproducibly(outputs["covariance"], covariance)
    write_json_atomically(outputs["summary"], summary)


def _finite_or_none(values: np.ndarray) -> list:
    return [float(v) if np.isfinite(v) else None for v in values]


PRECISION_TARGET = 0.05  # relative: the 68 % band edges stable to 5 % (issue 14)
PRECISION_PT_RANGE = (1.0, 8.0)  # GeV/c: the bins of the paper's results (as the closure test)


def precision_summary(observables: dict, n_replicas: int, pt_range=PRECISION_PT_RANGE) -> dict:
    """Mean and worst Monte Carlo precision of the band half-width and edges over the bins in
    ``pt_range`` (GeV/c) of every observable, and the replicas that would reach
    :data:`PRECISION_TARGET` (precision scales as 1/sqrt(replicas)). The edge precision of the
    v2 observables is left out of the worst edge: an edge near v2 = 0 has no relative precision."""
    halfwidth, edge = [], []
    for name, entry in observables.items():
        inside = [lo is not None and pt_range[0] <= lo < pt_range[1] for lo in entry["pt_low"]]
        halfwidth += [v for v, ok in zip(entry["halfwidth_precision"], inside) if ok and v is not None]
        if "_v2" not in name:
            edge += [v for v, ok in zip(entry["edge_precision"], inside) if ok and v is not None]
    if not halfwidth:
        return {}

    def needed(precision: float) -> int:
        return int(np.ceil(n_replicas * (precision / PRECISION_TARGET) ** 2))

    return {
        "replicas": n_replicas, "pt_range": list(pt_range), "target": PRECISION_TARGET,
        "halfwidth_mean": float(np.mean(halfwidth)), "halfwidth_max": float(np.max(halfwidth)),
        "edge_mean": float(np.mean(edge)) if edge else None, "edge_max": float(np.max(edge)) if edge else None,
        "replicas_for_target_halfwidth": needed(float(np.max(halfwidth))),
        "replicas_for_target_edge": needed(float(np.max(edge))) if edge else None,
    }


FAMILY_DRAWS = {
    STATISTICAL: "event-level Poisson weights of the HFE measurement (a user HFE table: its statistical components)",
    FIT_INPUTS: "the published tables the fits read and a user HFE table's systematic components, within their uncertainties; "
                "the responses within their MC statistics",
}


def write_band_table(path: str, name: str, nominal, bands: dict, n_good: int, family: str = STATISTICAL) -> list[float]:
    """Nominal value with the 68 % percentile band as stat_err_plus/minus; the 95 % band,
    replica median and standard deviation as extra columns. Bins filled by fewer than
    MIN_VALID_REPLICAS replicas keep the nominal (fit) uncertainty, with the band columns set to
    nominal -/+ 1 and 2 of it; their lower edges are listed in a comment and returned."""
    without = [float(low) for low, n in zip(nominal.pt_low, bands["n_valid"]) if n < MIN_VALID_REPLICAS]
    lines = [
        f"# observable: {name}, nominal result with the bootstrap band of the {family} family",
        f"# source: {nominal.source}",
        f"# bootstrap: {n_good} successful replicas drawing {FAMILY_DRAWS[family]}",
        "# error_columns: stat_err_plus/_minus = 84th/16th percentile minus nominal (clipped at 0 if the nominal lies outside);"
        " ci68/ci95 = 16th-84th / 2.5th-97.5th percentiles",
        f"# bins without a band (fewer than {MIN_VALID_REPLICAS} replicas fill them; fit uncertainty kept), pt_low: {without}",
        "pt_low,pt_high,pt_center,value,stat_err_plus,stat_err_minus,ci68_low,ci68_high,ci95_low,ci95_high,replica_median,replica_std",
    ]
    for i in range(len(nominal)):
        v = nominal.value[i]
        if nominal.pt_low[i] in without:
            up, down = nominal.stat[0][i], nominal.stat[1][i]
            fields = [nominal.pt_low[i], nominal.pt_high[i], nominal.pt_center[i], v, up, -down]
            fields += [v - down, v + up, v - 2 * down, v + 2 * up, v, 0.5 * (up + down)]
        else:
            fields = [nominal.pt_low[i], nominal.pt_high[i], nominal.pt_center[i], v, max(bands["p84"][i] - v, 0.0), min(bands["p16"][i] - v, 0.0)]
            fields += [bands[k][i] for k in ("p16", "p84", "p02.5", "p97.5", "p50", "std")]
        lines.append(",".join(f"{x:.10g}" for x in fields))
    write_text_atomically(path, "\n".join(lines) + "\n")
    return without
