"""What every fitted table and every result would be if the truth of the pseudo-data were nature.

The truth (:class:`hfe.pseudodata.truth.TruthModel`) folded through the decomposition's own
responses (``decomposition.semileptonic_scale`` applied, as in the fit):

* expected tables, at the bins of the tables the fits read: D0 pp cross section (bin average of
  the truth's prompt D0 curve, microbarn/(GeV/c)); non-prompt D0 pp (b hadrons folded through the
  B -> D0 responses); prompt D0 R_AA ``<sigma_pp R> / <sigma_pp>`` per bin; non-prompt D0 R_AA
  ``<fold(sigma_B R_B)> / <fold(sigma_B)>``; HFE ``c -> e + b -> e`` (pp: microbarn/(GeV/c);
  Pb-Pb: per event). These are the centres of the fit-level toys (:mod:`hfe.coverage.toys`).
* true results in any bins: c -> e, b -> e, f_b and, in Pb-Pb, R_AA of both flavours and their
  ratio, R_AA = <Y_PbPb> / (<T_AA> <sigma_pp>) with the system's T_AA.

Conventions as in :mod:`hfe.decays.folding`: particle + antiparticle averaged, electrons per
unit pseudorapidity in |eta| < 0.8, hadrons per unit rapidity; pT in GeV/c.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hfe.core.binning import average_over_bins, error_of_average_over_bins
from hfe.core.species import MICROBARN_PER_MILLIBARN, SPECIES
from hfe.decays.folding import fold_spectrum, fold_spectrum_error
from hfe.decays.response import ResponseMatrix
from hfe.fitting.curve_fits import bin_average
from hfe.pseudodata.truth import TruthModel
from hfe.tables.published import MeasurementTable

FLAVOURS = ("charm", "beauty")


def _averages(edges: np.ndarray, fine: np.ndarray, low, high) -> np.ndarray:
    """Bin averages of a fine-binned spectrum; NaN for bins beyond the responses (the fits
    never read them)."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    inside = (low >= edges[0] - 1e-9) & (high <= edges[-1] + 1e-9)
    out = np.full(len(low), np.nan)
    out[inside] = average_over_bins(edges, fine, low[inside], high[inside])
    return out


@dataclass(frozen=True)
class TruthExpectation:
    """The truth seen through the fit's responses: ``electrons`` and ``dzero`` responses by
    species (the electron ones already scaled as the fit scales them)."""

    truth: TruthModel
    electrons: Mapping[str, ResponseMatrix]
    dzero: Mapping[str, ResponseMatrix]

    def is_pp(self, system: str) -> bool:
        return self.truth.description["systems"][system]["kind"] == "pp"

    def hadron(self, system: str, species: str):
        """dN/dpTdy of one species in the units of the system's fit: pp microbarn/(GeV/c)
        (cross section), Pb-Pb per event."""
        if not self.is_pp(system):
            return self.truth.hadron_dndptdy(system, species)
        reference = self.truth.curve(f"{SPECIES[species].flavour}_pp")
        fraction = self.truth.species_fraction(species)
        return lambda pt: reference(pt) * fraction(pt)

    def electrons_fine(self, system: str, flavour: str) -> np.ndarray:
        """Electrons of one flavour on the responses' fine electron bins."""
        return sum(fold_spectrum(r, self.hadron(system, s)) for s, r in self.electrons.items() if SPECIES[s].flavour == flavour)

    def electrons_in(self, system: str, flavour: str, low, high) -> np.ndarray:
        edges = next(iter(self.electrons.values())).daughter_edges
        return _averages(edges, self.electrons_fine(system, flavour), low, high)

    def electrons_error_in(self, system: str, flavour: str, low, high) -> np.ndarray:
        """MC statistical error of :meth:`electrons_in` (independent response cells; the fine
        bins of a wide bin added in quadrature). Toys reuse the responses, so their pulls do not
        need it; a comparison with another MC truth does."""
        edges = next(iter(self.electrons.values())).daughter_edges
        fine2 = sum(fold_spectrum_error(r, self.hadron(system, s)) ** 2 for s, r in self.electrons.items() if SPECIES[s].flavour == flavour)
        return error_of_average_over_bins(edges, np.sqrt(fine2), low, high)

    def _nonprompt(self, system: str, low, high) -> np.ndarray:
        edges = next(iter(self.dzero.values())).daughter_edges
        fine = sum(fold_spectrum(r, self.hadron(system, s)) for s, r in self.dzero.items())
        return _averages(edges, fine, low, high)

    def observables(self, system: str, pp_system: str | None, low, high) -> dict[str, np.ndarray]:
        """True c -> e, b -> e, f_b in the bins [low, high]; in Pb-Pb also R_AA of both
        flavours (against ``pp_system``) and their ratio."""
        charm, beauty = (self.electrons_in(system, f, low, high) for f in FLAVOURS)
        out = {"ctoe_spectrum": charm, "btoe_spectrum": beauty, "beauty_fraction": beauty / (charm + beauty)}
        if not self.is_pp(system):
            taa = self.truth.description["systems"][system]["taa_per_mb"]["value"] / MICROBARN_PER_MILLIBARN
            out["raa_ctoe"] = charm / (taa * self.electrons_in(pp_system, "charm", low, high))
            out["raa_btoe"] = beauty / (taa * self.electrons_in(pp_system, "beauty", low, high))
            out["raa_ratio"] = out["raa_btoe"] / out["raa_ctoe"]
        return out

    def table(self, kind: str, table: MeasurementTable, system: str, pp_system: str | None = None) -> np.ndarray:
        """Expected values of a table of ``kind`` (``d0``, ``nonprompt``, ``d0_raa``,
        ``nonprompt_raa``, ``hfe``, ``dmeson_v2``) at its bins. The D-meson v2 is the truth's D0
        v2 averaged over each bin in pT, as the flow fit compares its curve to the table."""
        low, high = table.pt_low, table.pt_high
        if kind == "hfe":
            return sum(self.electrons_in(system, f, low, high) for f in FLAVOURS)
        if kind == "d0":
            return bin_average(self.hadron(system, "D0"), low, high)
        if kind == "nonprompt":
            return self._nonprompt(system, low, high)
        if kind == "d0_raa":
            return bin_average(self.hadron(system, "D0"), low, high) / bin_average(self.hadron(pp_system, "D0"), low, high) / self._taa(system)
        if kind == "nonprompt_raa":
            return self._nonprompt(system, low, high) / self._nonprompt(pp_system, low, high) / self._taa(system)
        if kind == "dmeson_v2":
            return bin_average(self.truth.hadron_v2(system, "D0"), low, high)
        raise ValueError(f"unknown table kind {kind!r}")

    def _taa(self, system: str) -> float:
        """<T_AA> of the truth (per microbarn): per-event Pb-Pb yields over pp cross sections."""
        return self.truth.per_event_factor(system)


def _json_values(values) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)]


def expectation_record(tables: Mapping[str, np.ndarray], sources: Mapping[str, MeasurementTable], observables: Mapping[str, dict]) -> dict:
    """The JSON of the expectation rule: expected tables by label (bins, values; null where the
    responses do not reach) and true results per system (bins and one list per observable)."""
    return {
        "description": "truth of the pseudo-data folded through the fit's responses (hfe/coverage/expectation.py): "
        "expected values of every fitted table and true results",
        "tables": {
            label: {"source": sources[label].source, "pt_low": sources[label].pt_low.tolist(), "pt_high": sources[label].pt_high.tolist(),
                    "value": _json_values(values)}
            for label, values in tables.items()
        },
        "observables": {
            system: {"pt_low": list(map(float, entry["pt_low"])), "pt_high": list(map(float, entry["pt_high"])),
                     **{name: _json_values(v) for name, v in entry.items() if name not in ("pt_low", "pt_high")}}
            for system, entry in observables.items()
        },
    }


def read_true_observables(record: Mapping, system: str) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(pt_low, pt_high, {observable: true values}) of one system."""
    entry = record["observables"][system]
    values = {name: np.asarray(v, dtype=float) for name, v in entry.items() if name not in ("pt_low", "pt_high")}
    return np.asarray(entry["pt_low"], float), np.asarray(entry["pt_high"], float), values
