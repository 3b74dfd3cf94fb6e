"""All results as a HEPData submission (hepdata_lib): one table per system and observable, with
the statistical uncertainty (bootstrap 68 % band, or the fit's without replicas) and every
systematic source that applies as its own asymmetric uncertainty; standard keywords
(observables DSIG/DPT, DN/DPT, RAA, V2, RATIO; reactions; cmenergies) and qualifiers (RE,
SQRT(S) or SQRT(S_NN), CENTRALITY, ABS(ETA)); values to 10 significant digits, so that
:func:`hfe.tables.published.load_hepdata_yaml` reads the submission back to the project tables."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from hepdata_lib import Submission, Table, Uncertainty, Variable

from hfe.core.catalogue import ResultsLayout, observables
from hfe.tables.published import load_table

# observable: (column header, HEPData observable keyword, description, figure that shows it, table title)
DESCRIPTIONS = {
    "ctoe_spectrum": ("$c \\rightarrow e$", "DN/DPT", "electrons from charm-hadron decays, (e+ + e-)/2", "hfe_components", "c to e spectrum"),
    "btoe_spectrum": ("$b \\rightarrow e$", "DN/DPT", "electrons from beauty-hadron decays (incl. b -> c -> e), (e+ + e-)/2", "hfe_components",
                      "b to e spectrum"),
    "beauty_fraction": ("$f_b$", "RATIO", "beauty fraction (b -> e)/(c -> e + b -> e)", "beauty_fraction", "Beauty fraction"),
    "raa_ctoe": ("$R_{AA}$ ($c \\rightarrow e$)", "RAA", "nuclear modification factor of c -> e electrons", "raa", "R_AA c to e"),
    "raa_btoe": ("$R_{AA}$ ($b \\rightarrow e$)", "RAA", "nuclear modification factor of b -> e electrons", "raa", "R_AA b to e"),
    "raa_ratio": ("$R_{AA}(b \\rightarrow e) / R_{AA}(c \\rightarrow e)$", "RAA",
                  "ratio of the nuclear modification factors of b -> e and c -> e electrons (T_AA cancels)", "raa", "R_AA ratio b over c"),
    "ctoe_v2": ("$v_2$ ($c \\rightarrow e$)", "V2", "elliptic flow of c -> e electrons", "v2", "v2 c to e"),
    "btoe_v2_global_fit": ("$v_2$ ($b \\rightarrow e$)", "V2", "elliptic flow of b -> e electrons, global fit", "v2", "v2 b to e"),
    "btoe_v2_bin_by_bin": ("$v_2$ ($b \\rightarrow e$), bin by bin", "V2", "elliptic flow of b -> e electrons, bin-by-bin subtraction", "v2",
                           "v2 b to e bin by bin"),
}
DIGITS = 10  # significant digits written: those of the project CSV tables, so that the submission reads back to the same numbers
SPECTRUM_KEYWORD = {"pp": "DSIG/DPT", "PbPb": "DN/DPT"}  # a pp spectrum is a cross section, a Pb-Pb one a yield per event
SPECTRUM_UNITS = {"pp": "MUB/GEV", "PbPb": "1/GEV"}  # d(sigma)/dpT dy in microbarn/(GeV/c); dN/dpT dy per event in (GeV/c)^-1


def _units(observable: str, kind: str) -> str:
    return SPECTRUM_UNITS[kind] if observable.endswith("_spectrum") else ""


def reaction(setup: dict) -> str:
    """The HEPData reaction, e.g. ``P P --> E X``, ``PB PB --> E X``, ``AU AU --> E X`` (from the system's label)."""
    if setup["kind"] == "pp":
        return "P P --> E X"
    nucleus = setup.get("label", "Pb-Pb").split()[0].split("-")[0].upper()
    return f"{nucleus} {nucleus} --> E X"


def collisions(setup: dict) -> str:
    """``pp``, ``Pb-Pb``, ``Au-Au``: the colliding species in words."""
    nucleus = reaction(setup).split()[0]
    return "pp" if nucleus == "P" else f"{nucleus.title()}-{nucleus.title()}"


def energy_text(setup: dict) -> str:
    """``sqrt(s) = 5.02 TeV`` (pp) or ``sqrt(s_NN) = 200 GeV``."""
    energy = setup.get("sqrt_s_nn_gev", 5020)
    value = f"{energy / 1000:g} TeV" if energy >= 1000 else f"{energy:g} GeV"
    return f"{'sqrt(s)' if setup['kind'] == 'pp' else 'sqrt(s_NN)'} = {value}"


def observable_table(name: str, config: dict, results: ResultsLayout) -> Table:
    """One result (``<system>/<observable>``) as a HEPData table: pT bins, the value with its
    statistical uncertainty and the systematic sources that apply to it (non-zero somewhere)."""
    system, observable = name.split("/")
    setup = config["systems"][system]
    kind, energy = setup["kind"], setup.get("sqrt_s_nn_gev", 5020)
    eta = config.get("response", {}).get("electron_eta_max", 0.8)
    source = load_table(results.systematics_table(name))
    header, keyword, text, figure, title = DESCRIPTIONS[observable]
    if observable.endswith("_spectrum"):
        keyword = SPECTRUM_KEYWORD[kind]
    energy_name = "SQRT(S)" if kind == "pp" else "SQRT(S_NN)"
    centrality = setup.get("centrality")
    table = Table(f"{title} {system}")
    phase_space = f"{energy_text(setup)}, |eta| < {eta:g}" + (f", centrality {centrality[0]:g}-{centrality[1]:g}%" if centrality else "")
    applied = [c for c, u in source.uncertainties.items() if c == "stat" or u.up.any() or u.down.any()]
    sources = ", ".join(c.removeprefix("sys_") for c in applied if c != "stat") or "none"
    errors = re.sub(r"systematics: [^(]*\(", f"systematics: {sources} (", source.metadata.get("stat", [""])[0])
    table.description = f"{text} in {collisions(setup)} collisions at {phase_space}; {errors}"
    figure_name = figure if figure == "beauty_fraction" else f"{figure}_{system}"
    table.location = f"Data from figure {figure_name}"
    table.keywords["observables"] = [keyword]
    table.keywords["reactions"] = [reaction(setup)]
    table.keywords["cmenergies"] = [energy]
    table.keywords["phrases"] = ["Heavy flavour", "Charm", "Beauty", "Electron"] + (["Nuclear modification factor", "Elliptic flow"] if kind == "PbPb" else [])
    pt = Variable("$p_T$", is_independent=True, is_binned=True, units="GEV")
    pt.values = list(zip(source.pt_low.tolist(), source.pt_high.tolist()))
    value = Variable(header, is_independent=False, is_binned=False, units=_units(observable, kind))
    value.values = source.value.tolist()
    pt.digits = value.digits = DIGITS
    value.add_qualifier("RE", reaction(setup))
    value.add_qualifier(energy_name, energy, "GEV")
    if centrality:
        value.add_qualifier("CENTRALITY", f"{centrality[0]:g}-{centrality[1]:g}%")
    value.add_qualifier("ABS(ETA)", f"< {eta:g}")
    for component in applied:  # a source that does not move this result does not apply to it
        u = source.uncertainties[component]
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
    systems = ", ".join(f"{collisions(setup)} ({name}, {energy_text(setup)})" for name, setup in config["systems"].items())
    statistical = ("bootstrap replicas of the full chain with event-level weights of the HFE measurement; the published tables "
                   "the fits read and the decay responses, drawn in replicas of their own, are the systematic source sys,fit_inputs"
                   if config["bootstrap"]["replicas"] > 0
                   else "the global fit's uncertainty, HFE statistics and the fitted tables together (no bootstrap replicas)")
    submission.comment = (
        f"Charm and beauty contributions to heavy-flavour decay electrons in {systems}, separated with the method of "
        "arXiv:2110.08769 (global fit of D-meson, HFE and non-prompt D0 data through PYTHIA 8 decay kinematics). "
        f"Statistical uncertainties: {statistical}; systematic: one entry per source that applies (largest deviation of "
        "its config variations)."
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
