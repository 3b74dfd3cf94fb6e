"""The real-data path: published RHIC tables (PHENIX HFE, STAR D0) read with their units and
conventions, centrality classes transferred, and the reduced RHIC analysis end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hfe.core.binning import average_over_bins
from hfe.core.config import flow_systems, load_config, pseudo_systems
from hfe.core.errors import ConfigError, TableError
from hfe.decomposition.inputs import FitInputs, read_table
from hfe.tables.centrality import combine_classes
from hfe.tables.published import load_table
from hfe.tables.units import bin_centre_conversion_bias
from workflow_helpers import copy_workflow

DATA = Path("data/published")
RHIC = ("config/rhic_auau200.yaml",)
PHENIX_PP = DATA / "PHENIX_pp200GeV_HFE_invxsec_1005.1627.csv"
STAR_PP = DATA / "STAR_pp200GeV_D0_invyield_1812.10224.csv"
STAR_RAA = {c: DATA / f"STAR_AuAu200GeV_D0_RAA_{c}_1812.10224.csv" for c in ("0-10", "10-40", "40-80")}
STAR_PP_OPTIONS = {"invariant": True, "per_event_cross_section_mb": 30.0, "unsigned_minus": ["syst"]}


def test_invariant_cross_section_is_read_as_dsigma_dpt_in_microbarn():
    # PHENIX p+p: E d3sigma/dp3 in mb GeV^-2 c^3 (header); first bin 0.3-0.4 GeV/c holds 1.36e-2
    table = read_table(PHENIX_PP, "cross_section", "test", {"invariant": True})
    assert table.value[0] == pytest.approx(1.36e-2 * 2 * np.pi * 0.35 * 1e3)
    assert table.symmetric_stat[0] == pytest.approx(4.45e-3 * 2 * np.pi * 0.35 * 1e3)
    assert "microbarn" in table.units


def test_invariant_table_without_the_option_and_option_without_invariant_units_are_errors(tmp_path):
    with pytest.raises(TableError, match="PHENIX_pp200GeV.*invariant"):
        read_table(PHENIX_PP, "cross_section", "decomposition.hfe_tables.pp200")
    plain = tmp_path / "dndpt.csv"
    plain.write_text("# units: pT [GeV/c]; dN/dpT dy [(GeV/c)^-1]\npt_low,pt_high,value,stat_err\n1,2,0.5,0.1\n")
    with pytest.raises(TableError, match="dndpt.csv.*invariant: true is set"):
        read_table(plain, "yield", "test", {"invariant": True})


def test_bin_centre_conversion_bias_is_small_for_the_phenix_bins():
    # local power law pT^-n of the electron spectrum: n <= 6 above 1 GeV/c; the widest PHENIX
    # bins are 0.5-1 GeV/c wide from 4 GeV/c
    table = load_table(PHENIX_PP)
    fitted = table.pt_low >= 0.5
    bias = bin_centre_conversion_bias(table.pt_low[fitted], table.pt_high[fitted], 6.0)
    assert np.max(np.abs(bias)) < 0.025
    assert bias[-1] > 0  # the centre conversion overestimates a falling spectrum


def test_star_pp_reference_units_follow_from_the_auau_yields():
    """The STAR p+p D0 points are a yield per event of 30 mb: the Au+Au yields over N_bin x R_AA
    (a per-event reference of sigma_inel = 42 mb) are 30/42 of them (docs/rhic.md, 'Units')."""
    n_bin = {"0-10": 938.80, "10-40": 386.08, "40-80": 56.99}  # STAR, arXiv:1812.10224 submission (CSV headers)
    pp = load_table(STAR_PP, unsigned_minus=("syst",))
    ratios = []
    for centrality, nbin in n_bin.items():
        yields = load_table(DATA / f"STAR_AuAu200GeV_D0_invyield_{centrality}_1812.10224.csv")
        reference = yields.value / (nbin * load_table(STAR_RAA[centrality]).value)
        measured = (yields.pt_center > 0.8) & (yields.pt_center < 5.6)  # the p+p points' range
        smooth = np.polyfit(np.log(yields.pt_center[measured]), np.log(reference[measured]), 3)
        ratios.append(pp.value / np.exp(np.polyval(smooth, np.log(pp.pt_center))))
    ratio = np.mean(ratios, axis=0)  # the three classes imply the same reference to 0.2 %
    # the reference is STAR's fit to these very points: they scatter about it far less than
    # their 30 % statistical errors, so the scatter measures the factor's uncertainty
    mean, error = ratio.mean(), ratio.std(ddof=1) / np.sqrt(len(ratio))
    assert error < 0.06
    assert abs(mean - 42.0 / 30.0) < 2 * error
    assert abs(mean - 1.0) > 5 * error and abs(mean - 2.0) > 5 * error


def test_star_pp_d0_is_a_cross_section_after_the_declared_units():
    table = read_table(STAR_PP, "cross_section", "decomposition.d0_pp", STAR_PP_OPTIONS)
    assert table.value[0] == pytest.approx(2.84e-4 * 2 * np.pi * 0.908 * 30.0 * 1e3)
    assert np.allclose(table.pt_low, table.pt_high)  # points: the fit evaluates the curve there


def test_header_centrality_ranges_are_not_normalisations():
    """'0-10% 938.80+-26.28' in a header is a centrality and an N_bin, not a 10 % normalisation."""
    for path in STAR_RAA.values():
        assert load_table(path).normalisation() == {}


def test_a_total_column_next_to_its_parts_is_not_counted_twice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pt_low,pt_high,value,stat_err,syst_err,total_err\n1,2,1.0,0.3,0.4,0.5\n")
    table = load_table(path)
    assert set(table.uncertainties) == {"stat", "syst"}
    assert "total" in table.metadata["ignored_columns"][0]


def test_empty_pt_center_column_takes_the_bin_centres():
    table = load_table(PHENIX_PP)
    assert np.allclose(table.pt_center, 0.5 * (table.pt_low + table.pt_high))


def test_point_bins_take_the_fine_bin_that_holds_them():
    edges = np.linspace(0.0, 2.0, 21)
    values = edges[:-1] ** 2
    assert average_over_bins(edges, values, [0.95, 0.5], [0.95, 1.0]) == pytest.approx([0.81, 0.51])


def test_classes_are_combined_with_their_weights():
    tables = [read_table(STAR_RAA[c], "ratio", "test") for c in ("0-10", "10-40")]
    combined = combine_classes(tables, [93.88, 115.824], "test", [0.028, 0.0773])
    w = np.array([93.88, 115.824]) / (93.88 + 115.824)
    assert combined.value == pytest.approx(w[0] * tables[0].value + w[1] * tables[1].value)
    assert combined.uncertainties["stat"].up == pytest.approx(np.hypot(w[0] * tables[0].stat[0], w[1] * tables[1].stat[0]))
    assert combined.uncertainties["syst"].up == pytest.approx(w[0] * tables[0].syst[0] + w[1] * tables[1].syst[0])
    assert combined.uncertainties["class_normalisation"].up == pytest.approx(
        w[0] * 0.028 * tables[0].value + w[1] * 0.0773 * tables[1].value)


def test_classes_with_other_bins_cannot_be_combined(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("pt_low,pt_high,value,stat_err,syst_err\n0,1,0.5,0.1,0.1\n")
    with pytest.raises(TableError, match="other.csv.*pT bins differ"):
        combine_classes([read_table(STAR_RAA["0-10"], "ratio", "x"), read_table(other, "ratio", "x")], [1, 1], "test")


def test_rhic_configuration_is_standalone_and_published():
    config = load_config(*RHIC)
    assert config["standalone"] and config["results_dir"] == "results/rhic_auau200"
    assert pseudo_systems(config) == []
    assert flow_systems(config) == ["AuAu_MB"]
    assert "PbPb_0-10" not in config["systems"]


def test_transferred_raa_carries_the_taa_of_the_hfe_class():
    config = load_config(*RHIC)
    inputs = FitInputs.published(config)
    mb = inputs.d0_raa["AuAu_MB"]
    taa = 0.5 / 6.14  # PHENIX <T_AA> of 0-92 %
    classes = inputs.d0_raa["AuAu_MB"].uncertainties["norm_with_taa"].up / mb.value
    assert np.all(classes > taa) and np.all(classes < np.hypot(taa, 0.2606))
    # the same class (0-10 %): STAR's N_bin cancels, the table states no normalisation
    assert inputs.d0_raa["AuAu_0-10"].normalisation() == {"norm_without_taa": 0.0}


def test_export_of_a_system_without_v2_is_a_config_error(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text("export: {btoe_v2: [AuAu_0-10]}\n")
    with pytest.raises(ConfigError, match="export.btoe_v2.*AuAu_0-10"):
        load_config(*RHIC, extra)


def test_a_table_in_the_wrong_units_names_file_and_key(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(f"decomposition: {{d0_pp: {PHENIX_PP}, input_options: {{d0_pp: {{invariant: false, unsigned_minus: []}}}}}}\n")
    config = load_config(*RHIC, extra)
    with pytest.raises(TableError, match="PHENIX_pp200GeV_HFE_invxsec.*decomposition.d0_pp.*invariant"):
        FitInputs.published(config)


def test_a_table_without_its_value_column_names_file_and_column(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("pt_low,pt_high,yield,stat_err\n1,2,0.5,0.1\n")
    with pytest.raises(TableError, match="broken.csv: missing column 'value'"):
        read_table(broken, "yield", "decomposition.hfe_tables.AuAu_MB")


@pytest.fixture(scope="module")
def rhic_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("rhic"))
    command = [sys.executable, "-m", "snakemake", "--configfile", "config/rhic_auau200.yaml", "config/rhic_test.yaml", "--cores", "2"]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir / "results/rhic_test"


@pytest.mark.slow
def test_rhic_analysis_runs_from_published_tables(rhic_run):
    assert not (rhic_run / "truth").exists() and not (rhic_run / "measurement").exists() and not (rhic_run / "closure").exists()
    for system in ("pp200", "AuAu_MB", "AuAu_0-10", "AuAu_20-40"):
        fit = json.loads((rhic_run / "nominal/decomposition" / system / "fit.json").read_text())
        assert 0.01 < fit["p_value"] <= 1.0, (system, fit["chi2"], fit["ndf"])
        assert "PHENIX" in fit["datasets"]["HFE"]
    summary = (rhic_run / "summary.md").read_text()
    assert "Analysis of published data" in summary and "pseudo" not in summary.lower()
    # bootstrap.replicas: 0 -> the quoted statistical error is the fit's (issue 19: it said "bootstrap")
    assert "statistical: fit uncertainty, HFE statistics and fitted tables together (no bootstrap replicas were run)" in summary
    assert "bootstrap 68 %" not in summary
    assert "PHENIX b->e R_AA MB" in summary and "STAR c->e R_AA 0-80%" in summary
    comparisons = json.loads((rhic_run / "nominal/decomposition/AuAu_MB/fit.json").read_text())["comparisons"]
    assert {c["quantity"] for c in comparisons} == {"beauty_fraction", "raa_btoe", "raa_ctoe", "raa_ratio"}
    assert all(c["ndf"] > 0 and 0.0 <= c["p_value"] <= 1.0 for c in comparisons)
    assert (rhic_run / "figures/v2_AuAu_MB.png").stat().st_size > 0
    assert not list((rhic_run / "figures").glob("closure_*"))


@pytest.mark.slow
def test_exported_rhic_btoe_v2_is_what_the_lhc_test_reads(rhic_run):
    path = rhic_run / "export/btoe_v2_AuAu_MB.csv"
    table = load_table(path)
    nominal = load_table(rhic_run / "nominal/flow/AuAu_MB/btoe_v2_global_fit.csv")
    assert np.allclose(table.value, nominal.value)
    assert {u.kind for u in table.uncertainties.values()} >= {"stat", "syst"}
    assert "PHENIX_AuAu200GeV_HFE_v2_MB" in " ".join(table.metadata["inputs"])
    config = load_config("config/config.yaml")  # the LHC analysis accepts it as its RHIC table
    config["flow"]["rhic_btoe_v2"] = {"name": "this analysis, RHIC MB", "table": str(path), "system": "PbPb_30-50"}
    from hfe.core.config import validate_config
    validate_config(config)


def test_a_table_of_another_centrality_names_file_and_key(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text("decomposition: {hfe_tables: {AuAu_0-10: data/published/PHENIX_AuAu200GeV_HFE_invyield_20-40_1005.1627.csv}}\n")
    config = load_config(*RHIC, extra)
    from hfe.decomposition.inputs import load_system_hfe
    with pytest.raises(TableError, match="invyield_20-40.*decomposition.hfe_tables.AuAu_0-10.*20-40%.*0-10%"):
        load_system_hfe(config, "AuAu_0-10", config["decomposition"]["hfe_tables"]["AuAu_0-10"])
    extra.write_text("decomposition: {d0_raa: {AuAu_0-10: data/published/STAR_AuAu200GeV_D0_RAA_10-40_1812.10224.csv}}\n")
    with pytest.raises(TableError, match="RAA_10-40.*decomposition.d0_raa.AuAu_0-10.*from_classes"):
        FitInputs.published(load_config(*RHIC, extra))


@pytest.mark.slow
def test_shipped_rhic_btoe_v2_has_the_form_of_the_export(rhic_run):
    """data/derived/ holds the export of the full RHIC run: same bins and uncertainty sources as
    the export of the reduced run (the numbers differ: the reduced decay library)."""
    shipped = load_table("data/derived/RHIC_AuAu200GeV_btoe_v2_MB_this-analysis.csv")
    exported = load_table(rhic_run / "export/btoe_v2_AuAu_MB.csv")
    assert np.allclose(shipped.pt_low, exported.pt_low) and np.allclose(shipped.pt_high, exported.pt_high)
    assert "rhic_auau200" in " ".join(shipped.metadata["produced_by"])
    assert set(exported.uncertainties) <= set(shipped.uncertainties)
