"""Pseudo-data: truth model, event generator and HFE measurement (closure and bad input)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import uproot

from hfe.core.config import load_config, validate_config
from hfe.core.errors import NtupleError
from hfe.decays.electron_yields import measure_electron_yields, origin_weights, scale_factors
from hfe.decays.folding import fold_spectrum, fold_spectrum_error
from hfe.decays.response import build_dzero_response, build_response
from hfe.measurement.event_ntuple import TREE_NAME
from hfe.measurement.hfe import accumulate, results
from hfe.measurement.output import settings_from_config
from hfe.pseudodata.chunk import build_system_setup, write_event_chunk
from hfe.pseudodata.events import sample_azimuth
from hfe.pseudodata.truth import TruthModel, build_truth

SYSTEM = "PbPb_0-10"
FLOW_SYSTEM = "PbPb_30-50"  # the v2 tests: a sizeable v2 (electrons ~0.1 at 2-5 GeV/c)


@pytest.fixture(scope="module")
def base_config():
    config = load_config("config/config.yaml", "config/test.yaml")
    config["pseudo_data"]["efficiency"] = {"form": "constant", "parameters": {"value": 1.0}}
    return config


@pytest.fixture(scope="module")
def truth(decay_library, base_config):
    dzero = {s: build_dzero_response(s, decay_library[s], base_config["response"], 40.0) for s in ("B0", "Bplus", "Bs", "Lb")}
    return TruthModel(build_truth(base_config, dzero))


def variant(config, **changes):
    """A validated copy of ``config`` with dotted-key changes."""
    changed = copy.deepcopy(config)
    for key, value in changes.items():
        node = changed
        *parents, last = key.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    return validate_config(changed)


def generate(tmp_path, config, truth, library, system=SYSTEM, n_events=4000, chunks=1, name="run", factors=None):
    config = variant(config, **{f"systems.{system}.n_events": n_events, f"systems.{system}.chunks": chunks})
    truth = TruthModel({**truth.description, "curves": dict(truth.description["curves"]), "systems": config["systems"]})
    setup = build_system_setup(system, config, truth, library, factors)
    paths = []
    for chunk in range(chunks):
        path = tmp_path / f"{name}_{system}_{chunk}.root"
        write_event_chunk(path, system, chunk, config, setup)
        paths.append(path)
    return config, paths


def measure(config, paths, system=SYSTEM, **settings):
    s = settings_from_config(config, system)
    for key, value in settings.items():
        setattr(s, key, value)
    return results(accumulate(paths, s))


def test_azimuth_sampling_reproduces_v2():
    rng = np.random.default_rng(3)
    psi = rng.uniform(0, 2 * np.pi, 200_000)
    phi = sample_azimuth(rng, psi, np.full(len(psi), 0.15))
    assert np.mean(np.cos(2 * (phi - psi))) == pytest.approx(0.15, abs=3 * np.sqrt(0.5 / len(psi)))


def test_truth_curves_are_anchored_and_replaceable(truth, base_config, decay_library):
    charm = truth.curve("charm_pp")
    assert charm.parameters["dndy"] == pytest.approx(447, abs=36)  # ALICE 447 +- 20 +- 30 ub (HEPData 89326 t18)
    assert truth.description["curves"]["beauty_pp"]["p_value"] > 0.05  # reproduces non-prompt D0 (arXiv:2102.13601)
    config = variant(base_config, **{"truth.beauty_raa": copy.deepcopy(base_config["truth"]["charm_raa"])})
    dzero = {s: build_dzero_response(s, decay_library[s], config["response"], 40.0) for s in ("B0", "Bplus", "Bs", "Lb")}
    replaced = TruthModel(build_truth(config, dzero))
    # the B-hadron R_AA is fitted through the B -> D0 responses to the table it names (here the
    # prompt D0 R_AA): it reproduces that table once folded, and is not the D-meson curve itself
    tables = replaced.description["tables"]
    beauty, charm = tables[f"beauty_raa_{SYSTEM}"], tables[f"charm_raa_{SYSTEM}"]
    assert beauty["source"] == charm["source"] and beauty["model"] == "folded through the B -> D0 responses"
    assert beauty["p_value"] > 0.01, beauty
    assert replaced.curve(f"beauty_raa_{SYSTEM}").parameters != replaced.curve(f"charm_raa_{SYSTEM}").parameters


def test_measured_hfe_equals_sum_of_truth_origins(tmp_path, base_config, truth, decay_library):
    """Efficiency 1 and no smearing: after removing the photonic background the measured
    spectrum is exactly c -> e plus b -> e; the background was there to be removed."""
    config, paths = generate(tmp_path, base_config, truth, decay_library)
    result = measure(config, paths)
    np.testing.assert_allclose(
        result["hfe_spectrum"][0], result["truth_ctoe_spectrum"][0] + result["truth_btoe_spectrum"][0], rtol=1e-12
    )
    with_background = measure(config, paths, background_origin=-1)
    assert np.all(with_background["hfe_spectrum"][0][:3] > 1.2 * result["hfe_spectrum"][0][:3])


def test_efficiency_is_corrected(tmp_path, base_config, truth, decay_library):
    config = variant(base_config, **{"pseudo_data.efficiency": {"form": "constant", "parameters": {"value": 0.6}}})
    config, paths = generate(tmp_path, config, truth, decay_library, n_events=8000)
    result = measure(config, paths)
    truth_sum = result["truth_ctoe_spectrum"][0] + result["truth_btoe_spectrum"][0]
    value, error = result["hfe_spectrum"]
    populated = error > 0
    chi2 = np.sum(((value - truth_sum)[populated] / error[populated]) ** 2)
    assert chi2 < populated.sum() + 3 * np.sqrt(2 * populated.sum()), chi2


@pytest.mark.parametrize("scaling", ["pythia", "pdg"])
def test_truth_spectra_match_folded_truth_hadrons(tmp_path, base_config, truth, decay_library, scaling):
    """Normalisation of the whole chain: the c -> e and b -> e spectra of the events equal the
    truth hadron spectra folded through the responses with the same branching-ratio scaling,
    within the statistics of the events and the MC statistics of the responses (large for
    steep spectra: few library parents at low pT)."""
    yields = {name: measure_electron_yields(p) for name, p in decay_library.items()}
    factors = scale_factors(yields, scaling)
    config, paths = generate(tmp_path, base_config, truth, decay_library, n_events=8000, factors=factors, name=scaling)
    result = measure(config, paths)
    edges = np.asarray(config["measurement"]["pt_edges"])
    for flavour, species in (("ctoe", ("D0", "Dplus", "Ds", "Lc")), ("btoe", ("B0", "Bplus", "Bs", "Lb"))):
        expected, variance = 0.0, 0.0
        for name in species:
            response = build_response(decay_library[name], edges, np.linspace(0, 40, 401), origin_weights(factors[name], False), 0.8)
            expected = expected + fold_spectrum(response, truth.hadron_dndptdy(SYSTEM, name))
            variance = variance + fold_spectrum_error(response, truth.hadron_dndptdy(SYSTEM, name)) ** 2
        value, error = result[f"truth_{flavour}_spectrum"]
        populated = error > 0
        pulls = (value - expected)[populated] / np.sqrt(error**2 + variance)[populated]
        assert np.sum(pulls**2) < populated.sum() + 3 * np.sqrt(2 * populated.sum()), (flavour, pulls)


@pytest.mark.parametrize("resolutions", [[0.70, 0.45, 0.50], [0.995, 0.995, 0.995]], ids=["smeared-plane", "exact-plane"])
@pytest.mark.parametrize("v2", ["flat", "pt-dependent"])
def test_injected_v2_recovered(tmp_path, base_config, truth, decay_library, resolutions, v2):
    """v2{EP} with the three-sub-event correction equals the electrons' v2 relative to the true
    reaction plane; the measured resolution equals the generated one."""
    config = variant(base_config, **{f"systems.{FLOW_SYSTEM}.event_plane_resolution": resolutions})
    model = truth
    if v2 == "flat":
        flat = {"form": "constant", "parameters": {"value": 0.1}}
        curves = dict(truth.description["curves"])
        curves[f"charm_v2_{FLOW_SYSTEM}"] = curves[f"beauty_v2_{FLOW_SYSTEM}"] = flat
        model = TruthModel({**truth.description, "curves": curves})
    config, paths = generate(tmp_path, config, model, decay_library, system=FLOW_SYSTEM, n_events=100_000, name=v2)
    result = measure(config, paths, system=FLOW_SYSTEM)
    resolution = result["resolution"]
    assert abs(resolution["value"] - resolutions[0]) < 3 * resolution["error"] + 1e-3
    n_c, n_b = result["truth_ctoe_spectrum"][0], result["truth_btoe_spectrum"][0]
    with np.errstate(invalid="ignore"):
        truth_v2 = (n_c * np.nan_to_num(result["truth_ctoe_v2"][0]) + n_b * np.nan_to_num(result["truth_btoe_v2"][0])) / (n_c + n_b)
    value, error = result["hfe_v2"]
    # the event-level error of a ratio is Gaussian only with enough electrons per bin
    populated = result["hfe_weighted_electrons"] >= 100
    chi2 = np.sum(((value - truth_v2)[populated] / error[populated]) ** 2)
    assert chi2 < populated.sum() + 3 * np.sqrt(2 * populated.sum()), chi2
    # the test has power: the electrons' true v2 at 2-5 GeV/c is significantly positive (inverse-variance
    # mean of the bins; 20000 events gave 2-3 sigma: in 0-10 % (v2 ~0.03) and in 30-50 % (fewer electrons))
    with np.errstate(invalid="ignore", divide="ignore"):
        truth_error = np.hypot(n_c * np.nan_to_num(result["truth_ctoe_v2"][1]), n_b * np.nan_to_num(result["truth_btoe_v2"][1])) / (n_c + n_b)
    window = slice(3, 8)
    weight = 1.0 / truth_error[window] ** 2
    mean, mean_error = np.sum(weight * truth_v2[window]) / np.sum(weight), 1.0 / np.sqrt(np.sum(weight))
    assert mean > 3 * mean_error, (mean, mean_error)


def test_chunking_and_step_size_do_not_change_the_tables(tmp_path, base_config, truth, decay_library):
    config_one, one = generate(tmp_path, base_config, truth, decay_library, n_events=4000, chunks=1, name="one")
    config_four, four = generate(tmp_path, base_config, truth, decay_library, n_events=4000, chunks=4, name="four")
    a = measure(config_one, one)
    b = measure(config_four, four, step_size=333)
    for key in ("hfe_spectrum", "hfe_v2", "truth_ctoe_spectrum", "truth_btoe_v2"):
        assert np.array_equal(a[key][0], b[key][0], equal_nan=True) and np.array_equal(a[key][1], b[key][1], equal_nan=True), key
    assert a["resolution"] == b["resolution"]


def test_pseudo_data_samples_are_independent_and_sample_0_keeps_its_seeds(tmp_path, base_config, truth, decay_library):
    """Sample 0 is the nominal events (blocks seeded by (seed, "events", system, block) as before
    the sample key existed); sample 1 draws other events of the same truth."""
    from hfe.core.seeds import derive_seed
    from hfe.pseudodata.events import generate_block

    setup = build_system_setup(SYSTEM, base_config, truth, decay_library)
    nominal, again, other = (generate_block(setup, 7, 3, 50, **sample) for sample in ({}, {"sample": 0}, {"sample": 1}))
    first_draw = {k: np.random.default_rng(derive_seed(7, "events", SYSTEM, 3, *keys)).uniform(0.0, 2.0 * np.pi, 50)
                  for k, keys in ((0, ()), (1, ("sample", 1)))}  # the reaction planes are each block's first draw
    np.testing.assert_array_equal(nominal["events"]["psi_rp"], first_draw[0])
    np.testing.assert_array_equal(other["events"]["psi_rp"], first_draw[1])
    for part in ("events", "electrons"):
        assert all(np.array_equal(nominal[part][k], again[part][k]) for k in nominal[part])
    assert len(other["electrons"]["pt"]) > 0 and not np.array_equal(nominal["electrons"]["pt"][:5], other["electrons"]["pt"][:5])
    config, (path,) = generate(tmp_path, variant(base_config, **{"pseudo_data.sample": 2}), truth, decay_library, n_events=1000)
    with uproot.open(path) as f:
        assert json.loads(f["provenance"])["sample"] == 2


def test_pp_cross_section_and_stored_events(tmp_path, base_config, truth, decay_library):
    config, paths = generate(tmp_path, base_config, truth, decay_library, system="pp", n_events=200_000)
    with uproot.open(paths[0]) as f:
        entries = f[TREE_NAME].num_entries
    assert 0 < entries < 200_000  # only events with an electron are stored
    result = measure(config, paths, system="pp")
    assert result["n_events"] == 200_000
    assert "hfe_v2" not in result and result["hfe_spectrum"][0][0] > 0


def write_bad_tree(path, columns, provenance="entries"):
    """An event tree of ``columns`` with a provenance string (``"entries"``: n_events = the stored
    events; a dict: that provenance; None: none)."""
    with uproot.recreate(path) as f:
        f.mktree(TREE_NAME, {k: v.dtype if isinstance(v, np.ndarray) else v.type.content for k, v in columns.items()})
        f[TREE_NAME].extend(columns)
        if provenance == "entries":
            provenance = {"n_events": len(columns["event_id"])}
        if provenance is not None:
            f["provenance"] = json.dumps(provenance)


def test_bad_ntuples_name_file_and_branch(tmp_path, base_config, truth, decay_library):
    config, paths = generate(tmp_path, base_config, truth, decay_library, n_events=1000)
    settings = settings_from_config(config, SYSTEM)
    with pytest.raises(NtupleError, match="nothere.root"):
        accumulate([tmp_path / "nothere.root"], settings)
    truncated = tmp_path / "truncated.root"
    truncated.write_bytes(paths[0].read_bytes()[:3000])
    with pytest.raises(NtupleError, match="truncated.root"):
        accumulate([truncated], settings)
    with uproot.open(paths[0]) as f:
        arrays = f[TREE_NAME].arrays()
    import awkward as ak

    events = {k: ak.to_numpy(arrays[k]) for k in ("event_id", "centrality", "psi_rp", "qa_x", "qa_y", "qb_x", "qb_y", "qc_x", "qc_y")}
    electrons = {k: arrays[f"electron_{k}"] for k in ("pt", "true_pt", "eta", "phi", "charge", "origin", "reconstructed")}
    no_phi = tmp_path / "no_phi.root"
    write_bad_tree(no_phi, {**events, "electron": ak.zip({k: v for k, v in electrons.items() if k != "phi"})})
    with pytest.raises(NtupleError, match=r"no_phi.root.*'electron_phi'"):
        accumulate([no_phi], settings)
    flat = tmp_path / "flat_pt.root"
    flat_events = {**events, "electron_pt": np.ones(len(events["event_id"]), np.float32)}
    write_bad_tree(flat, {**flat_events, "electron": ak.zip({k: v for k, v in electrons.items() if k != "pt"})})
    with pytest.raises(NtupleError, match=r"flat_pt.root: branch 'electron_pt' is not a jagged"):
        accumulate([flat], settings)
    nan = tmp_path / "nan.root"
    bad_pt = ak.where(ak.local_index(electrons["pt"]) == 0, np.nan, electrons["pt"])
    write_bad_tree(nan, {**events, "electron": ak.zip({**electrons, "pt": bad_pt})})
    with pytest.raises(NtupleError, match=r"nan.root: branch 'electron_pt' contains NaN"):
        accumulate([nan], settings)
    empty = tmp_path / "empty.root"
    write_bad_tree(empty, {**{k: v[:0] for k, v in events.items()}, "electron": ak.zip(electrons)[:0]})
    assert accumulate([empty, paths[0]], settings).entries == 1000  # an empty chunk is fine
    # ... but not one that claims events the config never generated (it would dilute the spectrum)
    write_bad_tree(empty, {**{k: v[:0] for k, v in events.items()}, "electron": ak.zip(electrons)[:0]}, {"n_events": 10**6})
    with pytest.raises(NtupleError, match=r"systems.PbPb_0-10: their provenance adds up to 1001000 generated events, but systems.PbPb_0-10.n_events = 1000 \(.*empty.root"):
        accumulate([empty, paths[0]], settings)
    # dtypes: a float read as an integer (or the reverse) is a silent wrong number
    for name, bad, message in (("pt", "int32", "'electron_pt' is stored as int32; it must be floating point"),
                               ("reconstructed", "float32", "'electron_reconstructed' is stored as float32; it must be bool or an integer flag"),
                               ("origin", "float32", "'electron_origin' is stored as float32; it must be an integer type")):
        path = tmp_path / f"{name}_{bad}.root"
        write_bad_tree(path, {**events, "electron": ak.zip({**electrons, name: ak.values_astype(electrons[name], bad)})})
        with pytest.raises(NtupleError, match=f"{path.name}: branch {message}"):
            accumulate([path], settings)
    flag = tmp_path / "reconstructed_int8.root"  # an integer flag is a legitimate encoding
    write_bad_tree(flag, {**events, "electron": ak.zip({**electrons, "reconstructed": ak.values_astype(electrons["reconstructed"], "int8")})})
    nominal, flagged = results(accumulate(paths, settings)), results(accumulate([flag], settings))
    assert np.array_equal(nominal["hfe_spectrum"][0], flagged["hfe_spectrum"][0])
    # the generated-event count normalises the spectra: it must be stated
    for provenance, message in ((None, "no 'provenance' string"), ({"system": SYSTEM}, "'provenance' has no integer 'n_events'"),
                                ({"n_events": 10}, "'provenance' n_events = 10 is smaller than the 1000 stored events")):
        path = tmp_path / "provenance.root"
        write_bad_tree(path, {**events, "electron": ak.zip(electrons)}, provenance)
        with pytest.raises(NtupleError, match=f"provenance.root: {message}"):
            accumulate([path], settings)


def test_bootstrap_replicas_of_the_measurement(tmp_path, base_config, truth, decay_library):
    """Event-level replicas: identical for 1 or 4 chunks and any step size; their spread equals
    the analytic event-level errors of the spectrum and of v2 (incl. resolution)."""
    from hfe.measurement.hfe import replica_results
    from hfe.stats.replica_sums import ReplicaSums
    from hfe.stats.replica_weights import stream_key

    config_one, one = generate(tmp_path, base_config, truth, decay_library, n_events=4000, chunks=1, name="one")
    config_four, four = generate(tmp_path, base_config, truth, decay_library, n_events=4000, chunks=4, name="four")
    replicas = {}
    for name, config, paths, step in (("one", config_one, one, 100_000), ("four", config_four, four, 333)):
        settings = settings_from_config(config, SYSTEM)
        settings.step_size = step
        sums = ReplicaSums(len(settings.pt_edges) - 1, stream_key(99), 0, 300, n_event_values=3)
        accumulator = accumulate(paths, settings, sums)
        replicas[name] = replica_results(accumulator)
    assert all(np.array_equal(replicas["one"][k], replicas["four"][k], equal_nan=True) for k in ("hfe_spectrum", "hfe_v2"))
    nominal = measure(config_one, one)
    value, error = nominal["hfe_spectrum"]
    populated = (value > 0) & (error < 0.2 * value)  # bins with more than ~25 electrons
    spread = replicas["one"]["hfe_spectrum"].std(axis=0)
    assert np.allclose(spread[populated] / error[populated], 1, atol=0.2)
    v2_spread = replicas["one"]["hfe_v2"][:, populated].std(axis=0)
    assert populated.sum() >= 6 and np.allclose(v2_spread / nominal["hfe_v2"][1][populated], 1, atol=0.2)
