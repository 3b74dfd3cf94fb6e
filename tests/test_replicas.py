"""Bootstrap replica weights and replica sums: distribution, counter-based reproducibility,
exactness, chunking independence, and agreement of the replica spread with analytic errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hfe.core.backend import array_module, cuda_available, resolve
from hfe.core.errors import ConfigError
from hfe.stats.replica_sums import ReplicaSums
from hfe.stats.replica_weights import poisson_weights, stream_key

KEY = stream_key(20261125)


def test_weights_are_poisson_one():
    w = poisson_weights(KEY, np.arange(50_000), 0, 40)
    assert w.shape == (50_000, 40) and w.dtype == np.float64
    n = w.size  # 2 x 10^6 draws: mean and variance to +- 0.0015 (2 sigma)
    assert abs(w.mean() - 1) < 0.0015 and abs(w.var() - 1) < 0.003
    for k in range(4):
        expected = math.exp(-1) / math.factorial(k)
        assert abs(np.mean(w == k) - expected) < 4 * math.sqrt(expected / n)
    # replicas and events are uncorrelated
    assert abs(np.corrcoef(w[:, 0], w[:, 1])[0, 1]) < 0.02 and abs(np.corrcoef(w[:-1, 0], w[1:, 0])[0, 1]) < 0.02


def test_kernel_threshold_count_is_the_table():
    """The GPU kernel counts the thresholds a 16-bit lane reaches instead of reading the table:
    the same count for every one of the 2^16 values (the kernel's source uses these terms)."""
    from hfe.stats.replica_weights import _COUNT, POISSON_TABLE, POISSON_THRESHOLDS

    u = np.arange(2**16, dtype=np.int64)
    terms = [t for t in POISSON_THRESHOLDS if t < 2**16]
    assert _COUNT == " + ".join(f"(u >= {t}u)" for t in terms)
    assert np.array_equal(sum((u >= t).astype(np.int64) for t in terms), POISSON_TABLE)


def test_weights_are_a_function_of_id_and_replica_only():
    ids = np.array([5, 17, 3, 2**40 + 11, 123_456_789])
    full = poisson_weights(KEY, ids, 0, 13)
    assert np.array_equal(poisson_weights(KEY, ids[::-1], 0, 13), full[::-1])  # order
    assert np.array_equal(poisson_weights(KEY, ids[2:], 0, 13), full[2:])  # chunking
    assert np.array_equal(poisson_weights(KEY, ids, 5, 7), full[:, 5:12])  # replica batches
    assert np.array_equal(poisson_weights(KEY, ids, 0, 30)[:, :13], full)  # more replicas
    assert not np.array_equal(poisson_weights(stream_key(1), ids, 0, 13), full)  # seed
    with pytest.raises(ValueError, match="identifiers"):
        poisson_weights(KEY, np.array([-1]), 0, 4)


def _electrons(rng, n_events):
    counts = rng.poisson(1.5, n_events)
    event = np.repeat(np.arange(n_events), counts)
    return event, rng.integers(-1, 11, len(event)), rng.uniform(0.8, 1.6, len(event)), rng.uniform(-1, 1, len(event))


def test_replica_sums_are_exact_and_chunking_independent():
    rng = np.random.default_rng(3)
    event, bins, weight, value = _electrons(rng, 20_000)
    ids = event * 7 + 1000  # identifiers need not be contiguous
    whole = ReplicaSums(10, KEY, 4, 24)
    whole.add_electrons(ids, bins, weight, value)
    # naive float reference: sum_i w_ir x_i over electrons inside the binning
    w = poisson_weights(KEY, ids, 4, 24)
    inside = (bins >= 0) & (bins < 10)
    reference = np.zeros((10, 24))
    np.add.at(reference, bins[inside], w[inside] * (np.rint(weight * 2**24) / 2**24)[inside, None])
    assert np.allclose(whole.values()["n"], reference, rtol=1e-12)
    # three chunks in another order give the identical integers
    parts = ReplicaSums(10, KEY, 4, 24)
    cuts = np.searchsorted(event, [0, 7000, 13000, 20000])
    for a, b in ((1, 2), (0, 1), (2, 3)):
        piece = ReplicaSums(10, KEY, 4, 24)
        sl = slice(cuts[a], cuts[b])
        piece.add_electrons(ids[sl], bins[sl], weight[sl], value[sl])
        parts += piece
    assert np.array_equal(parts.n, whole.n) and np.array_equal(parts.s, whole.s)


def test_replica_spread_matches_event_level_variance():
    """Poisson bootstrap: variance over replicas of N_b = sum_i n_ib^2 (the analytic error)."""
    rng = np.random.default_rng(5)
    event, bins, weight, value = _electrons(rng, 30_000)
    sums = ReplicaSums(10, KEY, 0, 400)
    sums.add_electrons(event, bins, weight, value)
    inside = (bins >= 0) & (bins < 10)
    per_event_bin = np.zeros((30_000, 10))
    np.add.at(per_event_bin, (event[inside], bins[inside]), weight[inside])
    analytic = np.sqrt((per_event_bin**2).sum(axis=0))
    spread = sums.values()["n"].std(axis=1)
    assert np.allclose(spread / analytic, 1, atol=0.15)  # 400 replicas: +-3.5 % (1 sigma)


def test_backend_selection():
    assert resolve("cpu") == "cpu" and array_module("cpu") is np
    assert resolve("auto") == ("cuda" if cuda_available() else "cpu")
    with pytest.raises(ConfigError, match="bootstrap.backend"):
        resolve("tpu")
    if not cuda_available():
        with pytest.raises(ConfigError, match="cuda"):
            resolve("cuda")


@pytest.mark.skipif(not cuda_available(), reason="needs cupy and a CUDA GPU (CI has none)")
def test_gpu_replicas_equal_cpu():
    cupy = array_module("cuda")
    rng = np.random.default_rng(9)
    event, bins, weight, value = _electrons(rng, 20_000)
    per_event = rng.uniform(-1, 1, (20_000, 3))
    sums = {}
    for name, xp in (("cpu", np), ("cuda", cupy)):
        sums[name] = ReplicaSums(10, KEY, 0, 64, n_event_values=3, xp=xp)
        sums[name].add_electrons(event, bins, weight, value)
        sums[name].add_events(np.arange(20_000), per_event)
    for field in ("n", "s", "event_values", "events"):
        assert np.array_equal(sums["cpu"].totals()[field], sums["cuda"].totals()[field]), field


def _response(daughter):
    from hfe.decays.response import ResponseMatrix

    rng = np.random.default_rng(4)
    counts = rng.poisson(30.0, (5, 8)).astype(float)
    parents = np.full(8, 1000.0)
    return ResponseMatrix(
        matrix=counts / parents, matrix_error=np.sqrt(counts) / parents, daughter_edges=np.arange(6.0),
        parent_edges=np.arange(9.0), parents_per_bin=parents, parent_y_max=1.0, daughter_acceptance=0.8,
        daughter=daughter, provenance={"species": "D0"},
    )


@pytest.mark.parametrize("daughter", ["electron", "electron_flow"])
def test_response_replicas_follow_mc_statistics(daughter):
    from hfe.bootstrap.response_replicas import draw_response

    nominal = _response(daughter)
    drawn = np.array([draw_response(nominal, 7, r).matrix for r in range(2000)])
    assert np.array_equal(draw_response(nominal, 7, 3).matrix, drawn[3])  # a function of (seed, replica)
    assert np.allclose(drawn.mean(axis=0), nominal.matrix, atol=4 * nominal.matrix_error.max() / np.sqrt(2000))
    assert np.allclose(drawn.std(axis=0) / nominal.matrix_error, 1, atol=0.1)


def test_bands_covariance_and_failed_replicas():
    from hfe.bootstrap.bands import BootstrapError, check_failures, summarize

    rng = np.random.default_rng(2)
    replicas = rng.normal(1.0, 0.1, (400, 3))
    replicas[:, 1] = 2 * replicas[:, 0]  # fully correlated bins
    replicas[5] = np.nan  # a failed replica
    bands = summarize(replicas, np.array([1.0, 2.0, 1.0]))
    assert int(bands["n_replicas"]) == 399
    assert abs(bands["p16"][0] - 0.9) < 0.02 and abs(bands["p84"][0] - 1.1) < 0.02 and bands["p02.5"][0] < bands["p16"][0]
    assert bands["correlation"][0, 1] == pytest.approx(1.0) and abs(bands["correlation"][0, 2]) < 0.15
    check_failures(1, 400, 0.01)
    with pytest.raises(BootstrapError, match="5 of 40 bootstrap replicas failed"):
        check_failures(5, 40, 0.1)


def test_bin_that_too_few_replicas_fill_keeps_the_fit_uncertainty(tmp_path):
    """A pT bin with one measured electron: most replicas lose it (NaN). No band can be formed
    from one replica, so the merged table keeps the nominal uncertainty there, lists the bin,
    and stays a valid table (no NaN)."""
    from hfe.bootstrap.bands import summarize
    from hfe.bootstrap.batches import write_band_table
    from hfe.tables.published import load_table, write_table_csv

    write_table_csv(tmp_path / "nominal.csv", {"source": "test", "units": "pt GeV/c; value 1"}, [1.0, 2.0], [2.0, 3.0], [0.5, 0.1], [0.02, 0.03])
    nominal = load_table(tmp_path / "nominal.csv")
    rng = np.random.default_rng(3)
    replicas = np.column_stack([rng.normal(0.5, 0.02, 10), np.r_[0.12, np.full(9, np.nan)]])
    bands = summarize(replicas, nominal.value)
    assert list(bands["n_valid"]) == [10, 1]
    without = write_band_table(str(tmp_path / "band.csv"), "x", nominal, bands, 10)
    assert without == [2.0]
    band = load_table(tmp_path / "band.csv")  # would reject a NaN
    assert band.stat[0][1] == pytest.approx(0.03) and band.stat[1][1] == pytest.approx(0.03)
    assert band.stat[0][0] != pytest.approx(0.02)  # the first bin has its replica band


def _user_table(tmp_path):
    """A user HFE table with statistical, systematic and normalisation components."""
    from dataclasses import replace

    from hfe.tables.published import Uncertainty, load_table, write_table_csv

    write_table_csv(tmp_path / "user.csv", {"source": "test", "units": "pt GeV/c; value 1"}, [1.0, 2.0, 3.0], [2.0, 3.0, 4.0],
                    [1.0, 0.5, 0.2], [0.01, 0.02, 0.03])
    table = load_table(tmp_path / "user.csv")
    return replace(table, uncertainties={**table.uncertainties, "sys": Uncertainty(np.full(3, 0.1), np.full(3, 0.1), "syst"),
                                         "sys_norm": Uncertainty(np.full(3, 0.05), np.full(3, 0.05), "norm")})


def test_the_two_replica_families_move_different_inputs(tmp_path):
    """Issue 14: the statistical family moves only the HFE measurement (event-level replicas, or
    a user table within its statistical components); the fit-inputs family only the published
    tables (a user HFE table within its systematic components) and the responses, and keeps
    the measured HFE table nominal. Same (seed, replica): the same random numbers either way."""
    from hfe.bootstrap.chain import replica_hfe_table
    from hfe.bootstrap.table_replicas import STATISTICAL_KINDS, SYSTEMATIC_KINDS, draw_table

    table = _user_table(tmp_path)
    stat = np.array([replica_hfe_table(table, None, 5, "hfe", r, family="stat").value - table.value for r in range(3000)])
    syst = np.array([replica_hfe_table(table, None, 5, "hfe", r, family="fit_inputs").value - table.value for r in range(3000)])
    np.testing.assert_allclose(stat.std(axis=0), [0.01, 0.02, 0.03], rtol=0.05)
    np.testing.assert_allclose(syst.std(axis=0), np.hypot(0.1, 0.05), rtol=0.05)  # absolute magnitudes per point
    both = draw_table(table, 5, "hfe", 11).value - table.value
    assert np.allclose(both, stat[11] + syst[11])  # the two families split one draw, component by component
    assert set(STATISTICAL_KINDS) | set(SYSTEMATIC_KINDS) == {"stat", "syst", "total", "norm"}
    measured = np.array([0.9, 0.6, np.nan])  # an event-level replica whose third bin lost its electrons
    assert np.array_equal(replica_hfe_table(table, measured, 5, "hfe", 0, family="stat").value, [0.9, 0.6])
    assert replica_hfe_table(table, None, 5, "hfe", 0, family="fit_inputs", measured=True) is table


def test_band_precision_scales_with_the_replicas():
    """The band's Monte Carlo precision from resamplings: for Gaussian replicas the half-width
    of the 16-84 % band has a relative spread of about 1.07/sqrt(N) (sample quantiles:
    sqrt(p(1-p)/N)/phi(z_p)/sqrt(2) for two nearly independent edges), so 4x the replicas halve it."""
    from hfe.bootstrap.bands import band_precision

    rng = np.random.default_rng(4)
    small = band_precision(rng.normal(10.0, 1.0, (100, 20)))["halfwidth"].mean()
    large = band_precision(rng.normal(10.0, 1.0, (400, 20)))["halfwidth"].mean()
    assert small == pytest.approx(1.07 / np.sqrt(100), rel=0.25) and large == pytest.approx(1.07 / np.sqrt(400), rel=0.25)
    edge = band_precision(rng.normal(10.0, 1.0, (100, 20)))["edge"].mean()
    assert edge == pytest.approx(1.515 / np.sqrt(100) / 9.0, rel=0.3)  # sigma_edge / edge value, edges at 9 and 11
