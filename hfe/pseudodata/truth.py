"""The truth model of the pseudo-data: hadron spectra and v2 per collision system, anchored to data.

Each curve of the ``truth`` config section is ``{form, parameters, fit}``: with ``fit`` (a
published table) the form is fitted to it, ``parameters`` giving starting values and fixed
values; without ``fit`` the parameters are used as they are. A ``scale`` parameter multiplies
any curve. The curves (see docs/pseudo-data.md, "Truth model"):

* ``charm_pp``: prompt D0 dsigma/dpTdy in pp (microbarn/(GeV/c)), default a Levy fit to ALICE
  arXiv:1901.07979; ``charm_ratios``: D+, Ds+, Lambda_c+ to D0 (D+ and Ds+ fitted to the
  measured ratios of the same paper, Lambda_c+ a configured constant);
* ``beauty_pp``: b-hadron dsigma/dpTdy (all species, particle + antiparticle averaged) whose
  decays through the non-prompt D0 responses reproduce ALICE's pp non-prompt D0 cross section
  (arXiv:2102.13601); split into species by ``beauty_fractions``;
* ``charm_raa``, ``beauty_raa``, ``charm_v2``, ``beauty_v2``: per Pb-Pb system, fits of ALICE
  prompt D0 R_AA (arXiv:2110.09420), non-prompt D0 R_AA (arXiv:2202.00815), D-meson v2
  (arXiv:2005.11131) and non-prompt D0 v2 (arXiv:2307.14084). The B-hadron R_AA is a function
  of the B-hadron pT fitted *through the B -> D0 responses*: the non-prompt D0 R_AA it predicts
  is ``<fold(sigma_B R_B)> / <fold(sigma_B)>`` per D0 bin, so the truth agrees with the data it
  was fitted to (the R_AA measured vs the D0 pT is not applied at the B pT). Likewise the
  B-hadron v2, weighted by the system's B spectrum (the decay's smearing of the azimuth is
  neglected here: the D0 keeps the B direction to within the decay opening angle).

The truth lists, for every table it was fitted to, the chi2 of the truth folded to that table
(``tables``: chi2, ndf, p-value), with the covariance of the decomposition's statistical model
(``decomposition.systematic_correlation``, :mod:`hfe.stats.covariance`) — the same model
reads the same tables in the truth and in the fit.

Per-event hadron yields: pp ``dN/dpTdy = dsigma/dpTdy / sigma_inel``; Pb-Pb
``dN/dpTdy = <T_AA> dsigma_pp/dpTdy R_AA``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hfe.core.atomic_io import write_json_atomically
from hfe.core.binning import average_over_bins
from hfe.core.quark_scaling import species_v2
from hfe.core.species import BEAUTY_SPECIES, CHARM_SPECIES, MICROBARN_PER_MILLIBARN, SPECIES
from hfe.decays.folding import fold_spectrum
from hfe.decays.response import ResponseMatrix
from hfe.fitting.curve_fits import build_curve
from hfe.fitting.shapes import Curve
from hfe.stats.covariance import SystematicCorrelation


def nonprompt_d0_model(dzero_responses: Mapping[str, ResponseMatrix], fractions: Mapping[str, float]):
    """Model factory for the beauty fit: b-hadron spectrum -> non-prompt D0 bin averages."""

    def factory(table):
        return lambda curve: _folded_average(dzero_responses, fractions, curve, table)

    return factory


def _folded_average(dzero_responses, fractions, spectrum, table) -> np.ndarray:
    """Non-prompt D0 dN/dpTdy of a b-hadron ``spectrum`` averaged over the table's bins."""
    total = 0.0
    for name, response in dzero_responses.items():
        total = total + fractions[name] * fold_spectrum(response, spectrum)
    edges = next(iter(dzero_responses.values())).daughter_edges
    return average_over_bins(edges, total, table.pt_low, table.pt_high)


def nonprompt_ratio_model(dzero_responses: Mapping[str, ResponseMatrix], fractions: Mapping[str, float], weight):
    """Model factory for a B-hadron R_AA or v2 curve fitted to non-prompt D0 R_AA or v2: per D0
    bin, ``<fold(weight x curve)> / <fold(weight)>`` (``weight``: the b-hadron spectrum the
    ratio is taken against)."""

    def factory(table):
        reference = _folded_average(dzero_responses, fractions, weight, table)
        return lambda curve: _folded_average(dzero_responses, fractions, lambda pt: weight(pt) * curve(pt), table) / reference

    return factory


def _table_chi2(summary: dict, how: str) -> dict:
    return {"source": summary["source"], "chi2": summary["chi2"], "ndf": summary["ndf"], "p_value": summary["p_value"], "model": how}


def build_truth(config: dict, dzero_responses: Mapping[str, ResponseMatrix], root: Path = Path(".")) -> dict:
    """Fit/assemble every truth curve; returns the JSON-serialisable truth description."""
    truth = config["truth"]
    # the truth reads its tables with the statistical model of the decomposition (one model)
    correlation = SystematicCorrelation.from_config(config["decomposition"].get("systematic_correlation", {}))
    curves: dict[str, dict] = {}
    _, curves["charm_pp"] = build_curve(truth["charm_pp"], SPECIES["D0"].mass, root, correlation=correlation)
    for name, spec in truth["charm_ratios"].items():
        _, curves[f"charm_ratio_{name}"] = build_curve(spec, None, root, correlation=correlation)
    fractions = truth["beauty_fractions"]
    norm = sum(fractions[s] for s in dzero_responses)
    available = {s: fractions[s] / norm for s in dzero_responses}
    factory = nonprompt_d0_model(dzero_responses, available) if "fit" in truth["beauty_pp"] else None
    _, curves["beauty_pp"] = build_curve(truth["beauty_pp"], SPECIES["Bplus"].mass, root, factory, correlation=correlation)
    beauty_pp = Curve(curves["beauty_pp"]["form"], curves["beauty_pp"]["parameters"])
    dzero_edges = next(iter(dzero_responses.values())).daughter_edges
    dzero_range = (float(dzero_edges[0]), float(dzero_edges[-1]))  # the non-prompt D0 bins the responses reach
    for quantity in ("charm_raa", "charm_v2"):
        for system, spec in truth[quantity].items():
            _, curves[f"{quantity}_{system}"] = build_curve(spec, None, root, correlation=correlation)
    for system, spec in truth["beauty_raa"].items():
        factory = nonprompt_ratio_model(dzero_responses, available, beauty_pp) if "fit" in spec else None
        _, curves[f"beauty_raa_{system}"] = build_curve(spec, None, root, factory, dzero_range, correlation)
    for system, spec in truth["beauty_v2"].items():
        raa = curves.get(f"beauty_raa_{system}")
        weight = (lambda r: (lambda pt: beauty_pp(pt) * r(pt)))(Curve(raa["form"], raa["parameters"])) if raa else beauty_pp
        factory = nonprompt_ratio_model(dzero_responses, available, weight) if "fit" in spec else None
        _, curves[f"beauty_v2_{system}"] = build_curve(spec, None, root, factory, dzero_range, correlation)
    folded = {"beauty_pp", *(f"beauty_raa_{s}" for s in truth["beauty_raa"]), *(f"beauty_v2_{s}" for s in truth["beauty_v2"])}
    tables = {
        name: _table_chi2(summary, "folded through the B -> D0 responses" if name in folded else "bin average of the curve")
        for name, summary in curves.items()
        if "chi2" in summary
    }
    return {
        "description": "truth model of the pseudo-data (hfe/pseudodata/truth.py); spectra per event dN/dpTdy, "
        "particle + antiparticle averaged, pT in GeV/c",
        "curves": curves,
        "tables": tables,
        "beauty_fractions": {s: fractions[s] for s in BEAUTY_SPECIES},
        "lambda_c_v2": truth["lambda_c_v2"],
        "systems": config["systems"],
    }


@dataclass
class TruthModel:
    """Callable truth curves per system and species, from the JSON written by the truth rule."""

    description: dict

    @classmethod
    def load(cls, path: str | Path) -> "TruthModel":
        with open(path) as f:
            return cls(json.load(f))

    def curve(self, name: str) -> Curve:
        entry = self.description["curves"][name]
        return Curve(entry["form"], entry["parameters"])

    def _system(self, system: str) -> dict:
        try:
            return self.description["systems"][system]
        except KeyError:
            raise KeyError(f"unknown system {system!r}; known: {sorted(self.description['systems'])}") from None

    def per_event_factor(self, system: str) -> float:
        """Converts a pp cross section in microbarn into a per-event yield of this system."""
        setup = self._system(system)
        if setup["kind"] == "pp":
            return 1.0 / (setup["sigma_inel_mb"] * MICROBARN_PER_MILLIBARN)
        return setup["taa_per_mb"]["value"] / MICROBARN_PER_MILLIBARN

    def species_fraction(self, species: str):
        """pT-dependent factor of a species relative to its flavour's reference spectrum."""
        if species == "D0":
            return lambda pt: np.ones_like(np.asarray(pt, dtype=float))
        if species in CHARM_SPECIES:
            return self.curve(f"charm_ratio_{species}")
        fraction = self.description["beauty_fractions"][species]
        return lambda pt: np.full_like(np.asarray(pt, dtype=float), fraction)

    def hadron_dndptdy(self, system: str, species: str):
        """dN/dpTdy per event of one species (particle + antiparticle averaged) in ``system``."""
        flavour = SPECIES[species].flavour
        reference = self.curve(f"{flavour}_pp")
        fraction = self.species_fraction(species)
        factor = self.per_event_factor(system)
        if self._system(system)["kind"] == "pp":
            return lambda pt: factor * reference(pt) * fraction(pt)
        raa = self.curve(f"{flavour}_raa_{system}")
        return lambda pt: factor * reference(pt) * fraction(pt) * raa(pt)

    def hadron_v2(self, system: str, species: str):
        """v2(pT) of one species in ``system`` (zero in pp): the flavour's curve at the same pT,
        except the charm baryon with ``lambda_c_v2: ncq``: NCQ-scaled from the curve taken as
        the D0 v2 (n_q = 3, its own mass; :mod:`hfe.core.quark_scaling`)."""
        if self._system(system)["kind"] == "pp":
            return lambda pt: np.zeros_like(np.asarray(pt, dtype=float))
        target = SPECIES[species]
        curve = self.curve(f"{target.flavour}_v2_{system}")
        if target.flavour == "charm" and target.quarks == 3 and self.description.get("lambda_c_v2", "ncq") == "ncq":
            return species_v2(curve, SPECIES["D0"], target)
        return curve


def check_truth_curves(model: TruthModel, systems, species, pt_max: float) -> None:
    """Every spectrum finite and non-negative and every |v2| < 0.5 on [0, pt_max]."""
    pt = np.linspace(0.0, pt_max, 4001)
    for system in systems:
        for name in species:
            spectrum = model.hadron_dndptdy(system, name)(pt)
            v2 = model.hadron_v2(system, name)(pt)
            if not np.all(np.isfinite(spectrum)) or np.any(spectrum < 0):
                raise ValueError(f"truth spectrum of {name} in {system} is negative or not finite on [0, {pt_max}] GeV/c")
            if not np.all(np.isfinite(v2)) or np.any(np.abs(v2) >= 0.5):
                raise ValueError(f"truth v2 of {name} in {system} is outside (-0.5, 0.5) on [0, {pt_max}] GeV/c")


def write_truth(path: str | Path, description: dict) -> None:
    write_json_atomically(path, description)
