"""All results as a HEPData submission (hepdata_lib): one table per system and observable, with
the statistical uncertainty (bootstrap 68 % band) and every systematic source as its own
asymmetric uncertainty, keywords (observables, reactions, centre-of-mass energy) and the
phase space as qualifiers."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from hepdata_lib import Submission, Table, Uncertainty, Variable

from hfe.core.catalogue import ResultsLayout, observables
from hfe.tables.published import load_table

DESCRIPTIONS = {
    "ctoe_spectrum": ("c -> e", "DSIG/DPT", "electrons from charm-hadron decays, (e+ + e-)/2"),
    "btoe_spectrum": ("b -> e", "DSIG/DPT", "electrons from beauty-hadron decays (incl. b -> c -> e), (e+ + e-)/2"),
    "beauty_fraction": ("f_b", "RATIO", "beauty fraction (b -> e)/(c -> e + b -> e)"),
    "raa_ctoe": ("R_AA (c -> e)", "RAA", "nuclear modification factor of c -> e electrons"),
    "raa_btoe": ("R_AA (b -> e)", "RAA", "nuclear modification factor of b -> e electrons"),
    "raa_ratio": ("R_AA ratio (b -> e over c -> e)", "RAA", "ratio of the nuclear modification factors of b -> e and c -> e electrons (T_AA cancels)"),
    "ctoe_v2": ("v2 (c -> e)", "V2", "elliptic flow of c -> e electrons"),
    "btoe_v2_global_fit": ("v2 (b -> e)", "V2", "elliptic flow of b -> e electrons, global fit"),
    "btoe_v2_bin_by_bin": ("v2 (b -> e), bin by bin", "V2", "elliptic flow of b -> e electrons, bin-by-bin subtraction"),
}


def _units(observable: str, kind: str) -> str:
    if observable.endswith("_spectrum"):
        return "MUB/GEV" if kind == "pp" else "1/GEV"
    return ""


def observable_table(name: str, config: dict, results: ResultsLayout) -> Table:
    system, observable = name.split("/")
    setup = config["systems"][system]
    kind, energy = setup["kind"], setup.get("sqrt_s_nn_gev", 5020)
    eta = config.get("response", {}).get("electron_eta_max", 0.8)
    nucleus = setup.get("label", "PB PB").split()[0].replace("-", " ").upper() if kind != "pp" else "P P"
    source = load_table(results.systematics_table(name))
    label, keyword, text = DESCRIPTIONS[observable]
    table = Table(f"{label} {system}")
    table.description = f"{text} in {system} at sqrt(s_NN) = {energy:g} GeV, |eta| < {eta:g}; {source.metadata.get('stat', [''])[0]}"
    table.location = f"{results.root}/systematics/{name}.csv (figures in {results.root}/figures/)"
    table.keywords["observables"] = [keyword]
    table.keywords["reactions"] = [f"{nucleus} --> E X"]
    table.keywords["cmenergies"] = [energy]
    table.keywords["phrases"] = ["Heavy flavour", "Charm", "Beauty", "Electron"] + (["Nuclear modification factor", "Elliptic flow"] if kind == "PbPb" else [])
    pt = Variable("PT", is_independent=True, is_binned=True, units="GEV")
    pt.values = list(zip(source.pt_low.tolist(), source.pt_high.tolist()))
    value = Variable(label, is_independent=False, is_binned=False, units=_units(observable, kind))
    value.values = source.value.tolist()
    value.add_qualifier("SQRT(S)/NUCLEON", energy, "GEV")
    value.add_qualifier("ABS(ETA)", f"< {eta:g}")
    value.add_qualifier("SYSTEM", system)
    for component, u in source.uncertainties.items():
        uncertainty = Uncertainty(component.replace("sys_", "sys,"), is_symmetric=False)
        uncertainty.values = list(zip((-u.down).tolist(), u.up.tolist()))
        value.add_uncertainty(uncertainty)
    table.add_variable(pt)
    table.add_variable(value)
    return table


def write_submission(config: dict, results: ResultsLayout, directory: str | Path) -> Path:
    """Write the submission (YAML files and ``submission.tar.gz``) of the systematics tables
    under ``results`` into ``directory``."""
    directory = Path(directory)
    submission = Submission()
    submission.comment = (
        "Charm and beauty contributions to heavy-flavour decay electrons in pp and Pb-Pb collisions at 5.02 TeV, "
        "separated with the method of arXiv:2110.08769 (global fit of D-meson, HFE and non-prompt D0 data through "
        "PYTHIA 8 decay kinematics). Statistical uncertainties: bootstrap replicas of the full chain; systematic: one "
        "entry per source (largest deviation of its config variations)."
    )
    for name in observables(config):
        submission.add_table(observable_table(name, config, results))
    tmp = directory.with_name(directory.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with contextlib.chdir(tmp):  # hepdata_lib writes submission.tar.gz into the working directory
        submission.create_files(".", remove_old=False)
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
    return directory / "submission.tar.gz"
