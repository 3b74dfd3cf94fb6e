"""Result tables written for another analysis to read: the b -> e v2 of a system with its
combined uncertainties, the RHIC side of the RHIC-LHC test of the 5.02 TeV analysis
(``flow.rhic_btoe_v2.table``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hfe.core.catalogue import ResultsLayout
from hfe.tables.published import load_table, write_measurement_table


def export_btoe_v2(config: dict, results: ResultsLayout, system: str, path: str | Path) -> None:
    """``<system>/btoe_v2_global_fit`` with its statistical and per-source systematic columns
    (``results/systematics/``) and a header saying what it is and where it comes from."""
    table = load_table(results.systematics_table(f"{system}/btoe_v2_global_fit"))
    setup = config["systems"][system]
    sources = sorted({Path(p).name for p in (config["decomposition"]["hfe_tables"].get(system), config["flow"]["hfe_v2_tables"].get(system),
                                               config["flow"]["dmeson_v2"][system].get("fit")) if p})
    header = {
        "observable": "v2 of electrons from beauty-hadron decays (b -> e), B-hadron v2 of the global fit to the HFE v2 with the D-meson v2",
        "experiment": "this analysis (hfe-charm-beauty) of published data",
        "system": f"{setup.get('label', system)}, sqrt(s_NN) = {setup.get('sqrt_s_nn_gev', 5020):g} GeV",
        "rapidity": f"|eta| < {config['response']['electron_eta_max']:g} (electrons)",
        "units": "pT [GeV/c]; v2 dimensionless",
        "inputs": "; ".join(sources),
        "source": str(results.systematics_table(f"{system}/btoe_v2_global_fit")),
        "error_columns": "stat: bootstrap of the event-level HFE statistics (or the fit uncertainty without replicas); sys_fit_inputs: "
                         "bootstrap of the fitted tables and responses; sys_<source>: combined systematic variations, one column per source "
                         "(docs/systematics.md); read with load_table: stat diagonal, systematics correlated in pT as the reader's "
                         "systematic_correlation says",
    }
    metadata = {key: [text] for key, text in header.items()}
    write_measurement_table(path, replace(table, metadata=metadata))
