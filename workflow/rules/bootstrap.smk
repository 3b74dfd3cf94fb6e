# Bootstrap replicas of the full chain, fanned out in batches ({batch} wildcard) and merged.
import math

from analysis.bootstrap_chain import observables

BOOTSTRAP = config["bootstrap"]
BATCHES = list(range(math.ceil(BOOTSTRAP["replicas"] / BOOTSTRAP["batch_size"])))


def batch_replicas(batch):
    """(first replica, number of replicas) of a batch; more replicas only add or fill batches."""
    first = int(batch) * BOOTSTRAP["batch_size"]
    return first, min(BOOTSTRAP["batch_size"], BOOTSTRAP["replicas"] - first)


def measured_systems():
    """Systems whose HFE comes from the pseudo-data measurement (event-level replicas)."""
    return [s for s in SYSTEMS if s not in config["decomposition"]["hfe_tables"]]


def bootstrap_outputs():
    if not BATCHES:
        return []
    return ["results/bootstrap/summary.json"] + [f"results/bootstrap/{name}.csv" for name in observables(config)]


rule bootstrap_measure:
    """Event-level Poisson replicas of one system's HFE spectrum and v2, for one batch."""
    input:
        lambda wc: event_chunk_files(wc.system),
    output:
        "results/bootstrap/measurement/{system}/batch_{batch}.npz",
    params:
        replicas=lambda wc: batch_replicas(wc.batch),
        backend=BOOTSTRAP["backend"],
    wildcard_constraints:
        batch=r"\d+",
    log:
        "results/logs/bootstrap_measure/{system}_{batch}.log",
    threads: 1
    resources:
        mem_mb=measurement_resource("mem_mb"),
        runtime=measurement_resource("runtime", replicas=BOOTSTRAP["batch_size"]),
        **({"gpu": 1} if BOOTSTRAP["backend"] == "cuda" else {}),  # the cuda backend needs a GPU on the node
    script:
        "../scripts/bootstrap_measure.py"


rule bootstrap_fit:
    """The full chain (fits, R_AA, v2) on every replica of one batch."""
    input:
        measured=expand("results/bootstrap/measurement/{system}/batch_{{batch}}.npz", system=measured_systems()),
        hfe=[hfe_table(s) for s in SYSTEMS],
        hfe_v2=[f"results/measurement/{s}/hfe_v2.csv" for s in PBPB_SYSTEMS if s != "<none>"],
        responses=all_responses() + expand("results/responses/{species}_flow.npz", species=SPECIES),
        nominal=decomposition_outputs() + flow_outputs(),  # replica results go on the nominal bins
    output:
        "results/bootstrap/fits/batch_{batch}.npz",
    params:
        replicas=lambda wc: batch_replicas(wc.batch),
        systems=SYSTEMS,
        measured=measured_systems(),
    wildcard_constraints:
        batch=r"\d+",
    log:
        "results/logs/bootstrap_fit/{batch}.log",
    threads: 1
    resources:
        mem_mb=fit_resource("mem_mb"),
        runtime=fit_resource("runtime", n_fits=BOOTSTRAP["batch_size"] * (2 * len(SYSTEMS))),
    script:
        "../scripts/bootstrap_fit.py"


rule bootstrap_merge:
    """Percentile bands and covariance of every result over all replicas."""
    input:
        batches=expand("results/bootstrap/fits/batch_{batch}.npz", batch=BATCHES),
        nominal=decomposition_outputs() + flow_outputs(),
    output:
        summary="results/bootstrap/summary.json",
        tables=[f"results/bootstrap/{name}.csv" for name in observables(config)],
        covariance="results/bootstrap/covariance.npz",
    params:
        max_failed_fraction=BOOTSTRAP["max_failed_fraction"],
    log:
        "results/logs/bootstrap_merge.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/bootstrap_merge.py"
