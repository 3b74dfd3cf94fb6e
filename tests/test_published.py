"""Published tables: every shipped file loads; bad tables fail naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hfe.core.errors import TableError
from hfe.tables.published import load_csv_table, load_hepdata_yaml, load_table

DATA = Path(__file__).resolve().parent.parent / "data" / "published"
UNSIGNED_MINUS = {"STAR_AuAu200GeV_btoe_RAA_0-80_2111.14615.csv": ("syst",), "STAR_AuAu200GeV_ctoe_RAA_0-80_2111.14615.csv": ("syst",)}

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
