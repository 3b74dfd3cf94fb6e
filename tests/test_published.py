"""Published tables: every shipped file loads; bad tables fail naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hfe.core.errors import TableError
from hfe.tables.published import load_csv_table, load_hepdata_yaml, load_table

DATA = Path(__file__).resolve().parent.parent / "data" / "published"
UNSIGNED_MINUS = {name: ("syst",) for name in (  # their headers say the minus-side systematic is stored as a magnitude
    "STAR_AuAu200GeV_btoe_RAA_0-80_2111.14615.csv", "STAR_AuAu200GeV_ctoe_RAA_0-80_2111.14615.csv",
    "STAR_AuAu200GeV_btoe_over_ctoe_RAAratio_0-80_2111.14615.csv", "STAR_pp200GeV_D0_invyield_1812.10224.csv")}

GOOD_HEADER = "# observable: test\n# units: pT [GeV/c]\npt_low,pt_high,pt_center,value,stat_err_plus,stat_err_minus,syst_err_plus,syst_err_minus\n"


def write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", sorted(DATA.glob("*.csv")), ids=lambda p: p.name)
def test_every_shipped_table_loads_with_provenance(path):
    table = load_csv_table(path, unsigned_minus=UNSIGNED_MINUS.get(path.name, ()))
    assert len(table) > 0 and np.all(np.isfinite(table.value))
    assert table.metadata.get("paper"), "provenance header lost"
    for u in table.uncertainties.values():
        assert np.all(u.up >= 0) and np.all(u.down >= 0)


def test_d0_cross_section_components():
    """ALICE pp prompt D0 (arXiv:1901.07979, HEPData 89326 t1), first bin 0-0.5 GeV/c:
    79.2 +- 19.8 (stat) +7.58 -7.57 (syst) ub/(GeV/c); BR 1 % and luminosity 2.1 % normalisation."""
    table = load_table(DATA / "ALICE_pp5TeV_D0_prompt_dsigmadpt_1901.07979.csv")
    assert table.value[0] == 79.2 and table.pt_low[0] == 0 and table.pt_high[0] == 0.5
    assert table.stat[0][0] == 19.8 and table.syst[0][0] == 7.58 and table.syst[1][0] == 7.57
    assert table.normalisation() == pytest.approx({"br": 0.01, "lumi": 0.021})
    assert len(table.pt_edges) == len(table) + 1


def test_header_global_normalisation_is_a_component():
    """ALICE D0 R_AA 0-10 % (arXiv:2110.09420): 2.60416 % global normalisation in the header."""
    table = load_table(DATA / "ALICE_PbPb5TeV_D0_RAA_0-10_2110.09420.csv")
    assert table.normalisation() == pytest.approx({"global": 0.0260416})


def test_star_unsigned_minus_needs_to_be_declared():
    path = DATA / "STAR_AuAu200GeV_btoe_RAA_0-80_2111.14615.csv"
    with pytest.raises(TableError, match=r"row 1 .*syst_err_minus"):
        load_csv_table(path)
    table = load_csv_table(path, unsigned_minus=("syst",))
    assert table.components("syst")["syst"].down[0] == 0.12


def test_phenix_points_without_edges():
    table = load_table(DATA / "PHENIX_AuAu200GeV_btoe_RAA_MB_1509.04662.csv")
    np.testing.assert_array_equal(table.pt_low, table.pt_center)


def test_missing_file(tmp_path):
    with pytest.raises(TableError, match="nothere.csv"):
        load_table(tmp_path / "nothere.csv")


def test_missing_column(tmp_path):
    path = write(tmp_path, "pt_low,pt_high,stat_err_plus,stat_err_minus\n0,1,0.1,-0.1\n")
    with pytest.raises(TableError, match=r"table.csv: missing column 'value'"):
        load_table(path)


def test_nan_names_row_and_column(tmp_path):
    path = write(tmp_path, GOOD_HEADER + "0,1,0.5,2,0.1,-0.1,0.1,-0.1\n1,2,1.5,nan,0.1,-0.1,0.1,-0.1\n")
    with pytest.raises(TableError, match=r"table.csv: row 2 \(line 5\), column 'value'"):
        load_table(path)


def test_negative_uncertainty(tmp_path):
    path = write(tmp_path, GOOD_HEADER + "0,1,0.5,2,-0.1,-0.1,0.1,-0.1\n")
    with pytest.raises(TableError, match=r"row 1 \(line 4\), column 'stat_err_plus': negative"):
        load_table(path)


@pytest.mark.parametrize(
    "rows, message",
    [
        ("0,1,0.5,2,0.1,-0.1,0.1,-0.1\n0.5,2,1.2,1,0.1,-0.1,0.1,-0.1\n", "row 2.*overlaps"),
        ("1,2,1.5,2,0.1,-0.1,0.1,-0.1\n0,1,0.5,1,0.1,-0.1,0.1,-0.1\n", "row 2.*sorted"),
        ("1,1,1,2,0.1,-0.1,0.1,-0.1\n", "row 1.*not below"),
    ],
)
def test_bad_binning(tmp_path, rows, message):
    with pytest.raises(TableError, match=message):
        load_table(write(tmp_path, GOOD_HEADER + rows))


HEPDATA = """\
independent_variables:
- header: {name: 'PT', units: 'GEV'}
  values:
  - {low: 0.5, high: 1.0}
  - {low: 1.0, high: 2.0}
dependent_variables:
- header: {name: 'DSIG/DPT', units: 'MUB/GEV'}
  qualifiers:
  - {name: 'RE', value: 'P P --> HF E X'}
  - {name: 'SQRT(S)', units: 'GEV', value: 5020}
  values:
  - value: 10.0
    errors:
    - {label: stat, symerror: 1.0}
    - {label: sys, asymerror: {plus: 2.0, minus: -1.5}}
    - {label: 'lumi', symerror: '2.1%'}
  - value: 4.0
    errors:
    - {label: stat, symerror: 0.5}
    - {label: sys, asymerror: {plus: 0.4, minus: -0.3}}
    - {label: 'lumi', symerror: '2.1%'}
"""


def test_hepdata_yaml(tmp_path):
    table = load_table(write(tmp_path, HEPDATA, "Table1.yaml"))
    np.testing.assert_array_equal(table.pt_edges, [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(table.value, [10.0, 4.0])
    assert table.stat[0][0] == 1.0
    assert table.syst[0][0] == 2.0 and table.syst[1][0] == 1.5
    assert table.normalisation() == pytest.approx({"lumi": 0.021})
    assert table.units == "MUB/GEV"


def test_hepdata_bad_value_names_row(tmp_path):
    path = write(tmp_path, HEPDATA.replace("value: 4.0", "value: '-'"), "bad.yaml")
    with pytest.raises(TableError, match=r"bad.yaml: row 2.*value"):
        load_hepdata_yaml(path)


def test_hepdata_inverted_asymmetric_error_is_refused(tmp_path):
    path = write(tmp_path, HEPDATA.replace("{plus: 0.4, minus: -0.3}", "{plus: -0.4, minus: 0.3}"), "inv.yaml")
    with pytest.raises(TableError, match="row 2, error 'sys'"):
        load_hepdata_yaml(path)


def test_unknown_format(tmp_path):
    with pytest.raises(TableError, match="unknown table format"):
        load_table(write(tmp_path, "x", "table.txt"))


# ------------------------------------------------------------------------------------------
# HEPData input done right: validator, column selection, points, units, normalisation labels

def test_hepdata_validator_rejects_a_malformed_table(tmp_path):
    path = write(tmp_path, HEPDATA.replace("{label: stat, symerror: 1.0}", "{label: stat, sym_error: 1.0}"), "typo.yaml")
    with pytest.raises(TableError, match=r"typo.yaml: not a valid HEPData table \(hepdata-validator\): .*'sym_error' was unexpected"):
        load_hepdata_yaml(path)


TWO_CENTRALITIES = """
independent_variables:
- header: {name: 'PT', units: 'GEV'}
  values: [{low: 1.0, high: 2.0}, {low: 2.0, high: 3.0}]
dependent_variables:
- header: {name: 'RAA'}
  qualifiers: [{name: CENTRALITY, value: 0-10%}]
  values: [{value: 0.5, errors: [{label: stat, symerror: 0.1}]}, {value: 0.4, errors: [{label: stat, symerror: 0.1}]}]
- header: {name: 'RAA'}
  qualifiers: [{name: CENTRALITY, value: 30-50%}]
  values: [{value: 0.8, errors: [{label: stat, symerror: 0.1}]}, {value: 0.7, errors: [{label: stat, symerror: 0.1}]}]
"""


def test_hepdata_column_is_selected_by_qualifier_or_index(tmp_path):
    path = write(tmp_path, TWO_CENTRALITIES, "raa.yaml")
    with pytest.raises(TableError, match=r"raa.yaml: 2 dependent variables; select one .*CENTRALITY=0-10%.*CENTRALITY=30-50%"):
        load_hepdata_yaml(path)
    assert load_table(path, qualifiers={"CENTRALITY": "30-50%"}).value.tolist() == [0.8, 0.7]
    assert load_table(path, dependent=0).value.tolist() == [0.5, 0.4]
    with pytest.raises(TableError, match=r"qualifiers \{'CENTRALITY': '60-80%'\} match 0 columns"):
        load_table(path, qualifiers={"CENTRALITY": "60-80%"})


def test_hepdata_points_are_read_like_the_csv_points(tmp_path):
    text = TWO_CENTRALITIES.replace("values: [{low: 1.0, high: 2.0}, {low: 2.0, high: 3.0}]", "values: [{value: 1.5}, {value: 2.5}]")
    table = load_table(write(tmp_path, text, "points.yaml"), dependent=1)
    assert table.pt_low.tolist() == table.pt_high.tolist() == [1.5, 2.5]


@pytest.mark.parametrize(
    ("label", "kind"),
    [("sys,BR", "norm"), ("sys,global", "norm"), ("syst. global normalization uncertainty", "norm"),
     ("sys, integrated luminosity unc.", "norm"), ("stat", "stat"), ("sys", "syst"), ("sys,feed-down", "syst"), ("T_AA", "norm")],
)
def test_normalisation_labels_of_hepdata(label, kind):
    from hfe.tables.published import uncertainty_kind

    assert uncertainty_kind(label) == kind


def test_header_normalisations_joined_by_and_add_in_quadrature():
    table = load_csv_table(DATA / "STAR_AuAu200GeV_btoe_RAA_0-80_2111.14615.csv", unsigned_minus=("syst",))
    # '8% (p+p reference) and 8% (N_coll)' (STAR, arXiv:2111.14615, HEPData description)
    assert table.normalisation()["global"] == pytest.approx(np.hypot(0.08, 0.08))


@pytest.mark.parametrize(
    ("units", "quantity", "factor", "error"),
    [
        ("MUB/GEV", "cross_section", 1.0, None),
        ("MB/GEV", "cross_section", 1e3, None),
        ("NB/GEV", "cross_section", 1e-3, None),
        ("PB/GEV", "cross_section", 1e-6, None),
        ("MB/GEV**2", "cross_section", None, None),
        ("1/(2*PI*PT) MB/GEV**2", "cross_section", None, "invariant"),
        ("MUB/GEV", "yield", None, "a cross section"),
        ("MUB/GEV", "ratio", None, "a cross section"),
        ("", "yield", 1.0, None),
        ("MB/MEV", "cross_section", None, "use MeV; this stage reads pT in GeV/c"),  # issue 19: was read as mb/GeV
        ("1/TEV", "yield", None, "use TeV"),
    ],
)
def test_units_are_checked_against_the_stage(tmp_path, units, quantity, factor, error):
    from hfe.tables.units import expect_units

    path = write(tmp_path, HEPDATA.replace("units: 'MUB/GEV'", f"units: '{units}'"), "units.yaml")
    table = load_table(path)
    if error:
        with pytest.raises(TableError, match=rf"units.yaml \(decomposition.hfe_tables.pp\): .*{error}"):
            expect_units(table, quantity, "decomposition.hfe_tables.pp")
        return
    converted = expect_units(table, quantity, "decomposition.hfe_tables.pp")
    if factor is not None:
        assert converted.value.tolist() == pytest.approx([10.0 * factor, 4.0 * factor])
        assert converted.stat[0][0] == pytest.approx(1.0 * factor)
