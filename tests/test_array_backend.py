"""The measurement's array code on the CPU backend: the basic-operation elementary functions,
batch columns from awkward layouts, and the accumulator against a direct float64 computation.
The same code on a GPU is compared bit for bit in tests/test_gpu.py."""

import dataclasses
import types

import awkward as ak
import numpy as np
import pytest

from hfe.core.errors import NtupleError
from hfe.fitting.shapes import Curve
from hfe.measurement.columns import batch_columns
from hfe.measurement.event_ntuple import write_event_file
from hfe.measurement.hfe import ELECTRON_BRANCHES, EVENT_BRANCHES, MeasurementSettings, accumulate, efficiency_table, results
from hfe.measurement.synthetic import block_batch, synthetic_block
from hfe.stats.exact_sums import EventBinGroups, MomentSums
from hfe.stats.replica_sums import SCALE, ReplicaSums
from hfe.stats.replica_weights import stream_key
from hfe.stats.reproducible_math import TabulatedCurve, cos_sin, unit_vector


def test_cos_sin_agree_with_numpy():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-4 * np.pi, 4 * np.pi, 200_000), [0.0, np.pi / 2, -np.pi, 2 * np.pi / 4096 * 17, 1e-300]])
    c, s = cos_sin(x)
    assert np.abs(c - np.cos(x)).max() < 2e-15
    assert np.abs(s - np.sin(x)).max() < 2e-15
    assert c[-5] == 1.0 and s[-5] == 0.0


def test_unit_vector_is_the_angle_without_trigonometry():
    rng = np.random.default_rng(2)
    qx, qy = rng.normal(size=(2, 100_000))
    c, s = unit_vector(qx.astype(np.float32), qy.astype(np.float32))
    angle = np.arctan2(qy.astype(np.float32).astype(np.float64), qx.astype(np.float32).astype(np.float64))
    assert np.abs(c - np.cos(angle)).max() < 1e-15 and np.abs(s - np.sin(angle)).max() < 1e-15
    assert unit_vector(np.zeros(1), np.zeros(1)) == (1.0, 0.0)  # atan2(0, 0) = 0


def test_tabulated_curve_reproduces_the_curve():
    decay = Curve("exp_decay", {"a": 0.6, "b": 0.3, "c": 1.0})
    table = TabulatedCurve(decay, 0.5, 20.0)
    pt = np.random.default_rng(3).uniform(0.5, 20.0, 100_000).astype(np.float32)
    assert np.abs(table(pt) / decay(pt.astype(np.float64)) - 1).max() < 1e-9
    assert table(np.array([0.1, 50.0])).tolist() == [table.values[0], table.values[-1]]  # the ends outside the range
    constant = TabulatedCurve(Curve("constant", {"value": 0.8}), 0.5, 20.0)
    assert np.all(constant(pt) == 0.8)  # exact: the default efficiency is not approximated


def _settings(**changes):
    settings = MeasurementSettings(pt_edges=np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]), eta_max=0.8,
                                   efficiency=Curve("exp_decay", {"a": 0.8, "b": -0.3, "c": 1.0}), kind="PbPb", step_size=333,
                                   where="systems.test")
    return dataclasses.replace(settings, **changes)


def test_efficiency_without_a_value_in_the_binning_is_an_error():
    with pytest.raises(ValueError, match=r"systems.test: efficiency is 0 at pT = 0\.500 GeV/c"):
        efficiency_table(_settings(efficiency=Curve("constant", {"value": 0.0})))
    with pytest.raises(ValueError, match=r"systems.test: efficiency is -[0-9.e-]+ at pT = 1\.040 GeV/c"):  # 0 at 1.5 ln 2
        efficiency_table(_settings(efficiency=Curve("exp_decay", {"a": -0.5, "b": 1.0, "c": 1.5})))


def test_batch_columns_give_each_electron_its_event():
    block = synthetic_block(np.random.default_rng(4), 50)
    batch = block_batch(block)
    counts = ak.num(batch.electron_pt).to_numpy()
    assert counts[0] == 0 or counts[-1] == 0 or (counts == 0).any()  # the sample has empty events
    for view in (batch, batch[7:40]):  # a slice: jagged offsets not starting at zero
        columns = batch_columns("x.root", view, EVENT_BRANCHES, ELECTRON_BRANCHES)
        n = ak.num(view.electron_pt).to_numpy()
        assert columns.n_events == len(view)
        assert columns.most_electrons == n.max() > 0
        assert np.array_equal(columns.electron_event, np.repeat(np.arange(len(view)), n))
        assert np.array_equal(columns.electrons["electron_phi"], ak.flatten(view.electron_phi).to_numpy())
        assert np.array_equal(columns.events["qa_x"], view.qa_x.to_numpy())
    flat = ak.with_field(batch, batch.psi_rp, "electron_phi")
    with pytest.raises(NtupleError, match="x.root: branch 'electron_phi' is not a jagged"):
        batch_columns("x.root", flat, EVENT_BRANCHES, ELECTRON_BRANCHES)
    # the same electrons in all, but given to other events (counts rolled by one): no silent mix-up
    moved = ak.with_field(batch, ak.unflatten(ak.flatten(batch.electron_origin), np.roll(counts, 1)), "electron_origin")
    with pytest.raises(NtupleError, match="x.root: branch 'electron_origin' gives the events of a batch other electron counts"):
        batch_columns("x.root", moved, EVENT_BRANCHES, ELECTRON_BRANCHES)


def _ntuple(tmp_path, n_events=4000, seed=5):
    block = synthetic_block(np.random.default_rng(seed), n_events)
    path = tmp_path / "events.root"
    write_event_file(path, [block], 5.0, {"n_events": n_events}, store_empty_events=True)
    return path, block


def test_accumulator_equals_a_direct_float64_computation(tmp_path):
    """Spectra and v2 of the measured HFE against numpy's cos/atan2 per electron, summed per
    event in float64: the same to the fixed-point precision."""
    path, block = _ntuple(tmp_path)
    settings = _settings()
    out = results(accumulate([path], settings))
    e, events = block["electrons"], block["events"]
    f32 = {k: np.asarray(v, dtype=np.float32).astype(np.float64) for k, v in e.items() if k in ("pt", "eta", "phi")}
    psi_a = 0.5 * np.arctan2(events["qa_y"].astype(np.float32).astype(np.float64), events["qa_x"].astype(np.float32).astype(np.float64))
    owner = block["electron_event"]
    selected = (np.abs(f32["eta"]) < 0.8) & e["reconstructed"] & (e["origin"] != 3)
    bins = np.searchsorted(settings.pt_edges.astype(np.float32), e["pt"].astype(np.float32), side="right") - 1
    selected &= (bins >= 0) & (bins < 7)
    weight = 1.0 / settings.efficiency(f32["pt"])
    flow = np.cos(2 * (f32["phi"] - psi_a[owner]))
    n = np.zeros((len(psi_a), 7))
    s = np.zeros((len(psi_a), 7))
    np.add.at(n, (owner[selected], bins[selected]), weight[selected])
    np.add.at(s, (owner[selected], bins[selected]), (weight * flow)[selected])
    width = np.diff(settings.pt_edges) * 1.6 * len(psi_a)
    np.testing.assert_allclose(out["hfe_spectrum"][0], 0.5 * n.sum(0) / width, rtol=1e-8)
    np.testing.assert_allclose(out["hfe_spectrum"][1], 0.5 * np.sqrt((n**2).sum(0)) / width, rtol=1e-6)
    resolution = out["resolution"]["value"]
    np.testing.assert_allclose(out["hfe_v2"][0], s.sum(0) / n.sum(0) / resolution, rtol=1e-7, atol=1e-9)
    psi = {k: 0.5 * np.arctan2(events[f"q{k}_y"].astype(np.float32).astype(np.float64), events[f"q{k}_x"].astype(np.float32).astype(np.float64))
           for k in "abc"}
    direct = {k: np.mean(np.cos(2 * (psi[k[0]] - psi[k[1]]))) for k in ("ab", "ac", "bc")}
    assert resolution == pytest.approx(np.sqrt(direct["ab"] * direct["ac"] / direct["bc"]), rel=1e-9)


def test_accumulator_does_not_depend_on_the_step_size(tmp_path):
    path, _ = _ntuple(tmp_path)
    sums = []
    for step in (97, 1000, 100_000):
        replicas = ReplicaSums(7, stream_key(11), 0, 16, n_event_values=3)
        accumulator = accumulate([path], _settings(step_size=step), replicas)
        sums.append(({k: v.tolist() for k, v in accumulator.moments["hfe"].sums.items()}, accumulator.plane.sums,
                     {k: v.tolist() for k, v in replicas.totals().items()}))
    assert sums[0] == sums[1] == sums[2]


def test_one_replica_block_for_electrons_and_events_equals_separate_ones():
    rng = np.random.default_rng(6)
    ids = np.arange(500, 1500)
    event = np.repeat(np.arange(1000), rng.poisson(1.0, 1000))
    bins, weight, value = rng.integers(-1, 5, len(event)), rng.uniform(0.5, 2, len(event)), rng.uniform(-1, 1, len(event))
    per_event = rng.uniform(-1, 1, (1000, 3))
    groups = EventBinGroups(event, bins, 4)
    joint = ReplicaSums(4, stream_key(3), 5, 40, n_event_values=3, block_events=300)
    joint.add(ids, groups, groups.sums(weight, SCALE), groups.sums(weight * value, SCALE), per_event)
    apart = ReplicaSums(4, stream_key(3), 5, 40, n_event_values=3)
    apart.add_electrons(ids[event], bins, weight, value)
    apart.add_events(ids, per_event)
    for name, total in joint.totals().items():
        assert np.array_equal(total, apart.totals()[name]), name


def test_replica_blocks_check_their_own_exactness_when_the_whole_call_might_not_be_exact():
    """The exactness bound (row sums x the largest Poisson weight < 2^53) is checked once per
    call and, where the call's sums exceed it, per block: blocks that are exact still give the
    exact sums, a block that is not is an error."""
    from hfe.stats.replica_sums import EXACT_LIMIT, MAX_WEIGHT
    from hfe.stats.replica_weights import poisson_weights

    rng = np.random.default_rng(8)
    ids = np.arange(1000)
    large = EXACT_LIMIT / SCALE / MAX_WEIGHT / 400  # 1000 of them exceed the bound, 100 do not
    per_event = rng.uniform(0.5, 1.0, (1000, 1)) * large
    fixed = np.rint(per_event[:, 0] * SCALE).astype(np.int64)
    weights = poisson_weights(stream_key(4), ids, 0, 6, np).astype(np.int64)
    exact = [sum(int(f) * int(w) for f, w in zip(fixed, weights[:, r])) for r in range(6)]
    for block in (100, 37):
        sums = ReplicaSums(1, stream_key(4), 0, 6, n_event_values=1, block_events=block)
        sums.add_events(ids, per_event)
        assert sums.totals()["event_values"][0].tolist() == exact
    with pytest.raises(OverflowError, match="2\\^53"):
        ReplicaSums(1, stream_key(4), 0, 6, n_event_values=1, block_events=1000).add_events(ids, per_event)


def test_replica_totals_past_int64_stay_exact():
    """Each call's exact block products are bounded (row sums x the largest weight); before the
    bound on the int64 totals could pass 2^62 they move into Python integers on the host, so
    totals past 2^63 are exact. A single call that could pass it is an error."""
    from hfe.stats.exact_sums import INT64_BOUND
    from hfe.stats.replica_sums import EXACT_LIMIT, MAX_WEIGHT
    from hfe.stats.replica_weights import poisson_weights

    ids = np.arange(64)
    per_event = np.full((64, 1), 0.99 * EXACT_LIMIT / SCALE / MAX_WEIGHT / 64)  # each call adds 0.99 x 2^53 to the bound
    sums = ReplicaSums(1, stream_key(5), 0, 2, n_event_values=1)
    calls = 18 * int(INT64_BOUND / EXACT_LIMIT)  # the bound passes 2^62 17 times; the totals pass 2^63
    for _ in range(calls):
        sums.add_events(ids, per_event)
    weights = poisson_weights(stream_key(5), ids, 0, 2).astype(np.int64)
    fixed = int(np.rint(per_event[0, 0] * SCALE))
    exact = [calls * fixed * int(weights[:, r].sum()) for r in range(2)]
    assert sums.totals()["event_values"][0].tolist() == exact and max(exact) > 2**63
    assert sums.totals()["events"].tolist() == [calls * int(weights[:, r].sum()) for r in range(2)]
    assert sums.values()["event_values"][0].tolist() == [float(e) / SCALE for e in exact]
    one_event_blocks = ReplicaSums(1, stream_key(5), 0, 2, n_event_values=1, block_events=1)
    with pytest.raises(OverflowError, match="bootstrap replica sums bounded by .* in one step: their exact int64 sums could overflow; use smaller steps"):
        one_event_blocks.add_events(np.arange(2048), np.full((2048, 1), EXACT_LIMIT / SCALE / MAX_WEIGHT / 2))


def test_identifiers_outside_the_counter_range_are_an_error():
    """Identifiers key the weights' counters: one outside [0, 2^43) would alias another's."""
    from hfe.stats.replica_weights import poisson_weights

    for bad in (-1, 2**43):
        ids = np.array([3, bad, 5])
        with pytest.raises(ValueError, match=r"identifiers must lie in \[0, 2\^43\); got \[" + str(min(bad, 3))):
            ReplicaSums(1, stream_key(2), 0, 4, n_event_values=1).add_events(ids, np.ones((3, 1)))
        with pytest.raises(ValueError, match=r"identifiers must lie in \[0, 2\^43\)"):
            poisson_weights(stream_key(2), ids, 0, 4)


def test_batches_without_selected_electrons_add_nothing():
    empty = np.zeros(0, dtype=np.int64)
    sums = MomentSums(4)
    sums.add(empty, empty, np.zeros(0), np.zeros(0), EventBinGroups(empty, empty, 4))
    assert all(not v.any() for v in sums.sums.values())
    replicas = ReplicaSums(4, stream_key(3), 0, 8, n_event_values=3)
    groups = EventBinGroups(empty, empty, 4)
    replicas.add(np.arange(5), groups, groups.sums(None, SCALE), groups.sums(np.zeros(0), SCALE), np.ones((5, 3)))
    totals = replicas.totals()
    assert not totals["n"].any() and np.array_equal(totals["events"], totals["event_values"][0] / SCALE)


class _StandIn(types.ModuleType):
    """numpy under another name: drives the code's non-numpy (GPU) branches on the CPU."""

    def __getattr__(self, name):
        return getattr(np, name)


def test_the_gpu_branches_run_on_a_stand_in_and_give_the_same_bits(tmp_path, monkeypatch, caplog):
    """The accumulator with replicas through the branches taken for cupy (the batch moved with
    columns moved in one copy, tables copied to the backend, GPU block size, the fused-kernel
    build): with numpy standing in, the build fails and the array operations serve, with a warning."""
    import hfe.measurement.columns

    monkeypatch.setattr(hfe.measurement.columns, "move_to_backend", lambda arrays, xp: arrays)  # numpy arrays stay where they are
    stand_in = _StandIn("cupy")
    path, _ = _ntuple(tmp_path)
    sums = {}
    for name, xp in (("numpy", np), ("stand-in", stand_in)):
        replicas = ReplicaSums(7, stream_key(5), 3, 30, n_event_values=3, xp=xp)
        accumulator = accumulate([path], _settings(), replicas)
        sums[name] = ({k: v.tolist() for k, v in accumulator.moments["hfe"].sums.items()}, accumulator.plane.sums,
                      {k: v.tolist() for k, v in replicas.totals().items()})
    assert replicas.block_events == 2**20  # the GPU block: 30 replicas, at most 2^20 events
    assert sums["numpy"] == sums["stand-in"]
    assert "fused GPU kernel not used" in caplog.text


def test_gpu_weight_blocks_stay_within_their_memory_bound():
    """A GPU weight block holds at most 2^28 float64 weights (2 GiB) and 2^16 .. 2^20 events; the
    CPU's is cache-sized. The sums do not depend on it (tests/test_replicas.py)."""
    from hfe.stats.replica_sums import CPU_BLOCK_EVENTS, GPU_BLOCK_WEIGHTS, default_block_events

    gpu = _StandIn("cupy")
    assert default_block_events(np, 1000) == CPU_BLOCK_EVENTS
    for replicas, expected in ((1, 2**20), (200, 2**20), (1000, 268_435), (2000, 134_217), (100_000, 2**16)):
        assert default_block_events(gpu, replicas) == expected
        assert expected * replicas <= GPU_BLOCK_WEIGHTS or expected == 2**16
