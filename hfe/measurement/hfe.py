"""HFE measurement from event ntuples: spectra and v2 of heavy-flavour decay electrons.

Works on any ntuple with the branches of :mod:`hfe.measurement.event_ntuple` (TTree ``events``).
Files are read with ``uproot.iterate`` in steps of ``step_size`` events, and sums are
accumulated exactly (:mod:`hfe.stats.exact_sums`), so memory does not grow with the number of
events and the tables do not depend on chunking.

* Measured HFE: reconstructed electrons, photonic background removed with the truth flag
  (``origin == background_origin``: an idealised photonic-electron tagging), each weighted by
  1/efficiency(pT). No unfolding of the momentum resolution.
* Spectrum: charge-averaged ``(e+ + e-)/2`` yield per event ``dN/dpT dy`` (|y| ~ |eta| < 0.8)
  for Pb-Pb, the cross section ``dsigma/dpT dy = sigma_inel dN/dpT dy`` (microbarn/(GeV/c)) for pp.
  Statistical errors from the event-level second moments.
* v2{EP}: ``<cos 2(phi - Psi_A)> / R_A`` with R_A from the three-sub-event method; the
  statistical error includes the resolution's.
* Truth tables per origin (c -> e; b -> e including b -> c -> e) at the true pT, all electrons in
  acceptance (before efficiency), v2 with respect to the true reaction plane.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np
import uproot

from hfe.core.electron_origin import EventElectronOrigin
from hfe.core.errors import NtupleError
from hfe.fitting.shapes import Curve
from hfe.measurement.event_ntuple import TREE_NAME
from hfe.measurement.columns import batch_columns
from hfe.measurement.event_plane import three_subevent_resolution
from hfe.stats.exact_sums import EventBinGroups, EventSums, MomentSums
from hfe.stats.replica_sums import SCALE as REPLICA_SCALE
from hfe.stats.replica_sums import ReplicaSums
from hfe.stats.reproducible_math import TabulatedCurve, cos_sin, unit_vector

ELECTRON_BRANCHES = (
    "electron_pt",
    "electron_true_pt",
    "electron_eta",
    "electron_phi",
    "electron_origin",
    "electron_reconstructed",
)
EVENT_BRANCHES = ("event_id", "psi_rp", "qa_x", "qa_y", "qb_x", "qb_y", "qc_x", "qc_y")
READ_BRANCHES = EVENT_BRANCHES + ELECTRON_BRANCHES
# what each branch must hold: a float read as an integer (or the reverse) is a silent wrong number
BRANCH_KINDS = {
    **{name: "floating" for name in ("psi_rp", "qa_x", "qa_y", "qb_x", "qb_y", "qc_x", "qc_y", "electron_pt",
                                     "electron_true_pt", "electron_eta", "electron_phi")},
    "event_id": "integer",
    "electron_origin": "integer",
    "electron_reconstructed": "boolean",  # bool, or an integer flag (non-zero = reconstructed)
}
CATEGORIES = ("hfe", "truth_ctoe", "truth_btoe")
WEIGHT_SLACK = 1.0 + 1e-6  # covers the rounding of 1/efficiency and of |cos| computed from tables


@dataclass
class MeasurementSettings:
    pt_edges: np.ndarray  # GeV/c
    eta_max: float
    efficiency: Curve
    kind: str  # pp | PbPb
    sigma_inel_mb: float | None = None
    background_origin: int = int(EventElectronOrigin.BACKGROUND)
    step_size: int = 100_000
    expected_events: int | None = None  # generated events the files must add up to (config), None: unchecked
    where: str = "the system"  # the config key of the system (systems.<name>), for error messages


def branch_dtype(branch) -> np.dtype | None:
    """The stored dtype of a flat or jagged branch (None where uproot does not say)."""
    interpretation = branch.interpretation
    interpretation = getattr(interpretation, "content", interpretation)
    dtype = getattr(interpretation, "to_dtype", None)
    return None if dtype is None else np.dtype(dtype)


def _check_branch_kind(path: Path, name: str, dtype: np.dtype | None) -> None:
    kind = BRANCH_KINDS[name]
    allowed = {"floating": (np.floating,), "integer": (np.integer,), "boolean": (np.bool_, np.integer)}[kind]
    if dtype is None or not any(np.issubdtype(dtype, a) for a in allowed):
        wanted = {"floating": "floating point", "integer": "an integer type", "boolean": "bool or an integer flag"}[kind]
        raise NtupleError(f"{path}: branch '{name}' is stored as {dtype}; it must be {wanted}")


def check_event_file(path: str | Path) -> tuple[int, int]:
    """(entries, generated events from the provenance); errors name the file and branch."""
    path = Path(path)
    if not path.exists():
        raise NtupleError(f"{path}: event ntuple does not exist")
    try:
        with uproot.open(path) as f:
            keys = f.keys(cycle=False)
            if TREE_NAME not in keys:
                raise NtupleError(f"{path}: no TTree '{TREE_NAME}' (keys: {keys})")
            tree = f[TREE_NAME]
            for branch in READ_BRANCHES:
                if branch not in tree:
                    raise NtupleError(f"{path}: tree '{TREE_NAME}' has no branch '{branch}'")
            for branch in ELECTRON_BRANCHES:
                if not isinstance(tree[branch].interpretation, uproot.interpretation.jagged.AsJagged):
                    raise NtupleError(f"{path}: branch '{branch}' is not a jagged (per-electron) array")
            for branch in READ_BRANCHES:
                _check_branch_kind(path, branch, branch_dtype(tree[branch]))
            return tree.num_entries, generated_events(f, keys, path, tree.num_entries)
    except NtupleError:
        raise
    except Exception as exc:
        raise NtupleError(f"{path}: corrupt or truncated ROOT file ({type(exc).__name__}: {exc})") from exc


def generated_events(file, keys, path: Path, entries: int) -> int:
    """The ``n_events`` of the file's JSON ``provenance``: the events generated, which normalise
    the spectra (events without electrons need not be stored). Required: the stored entries are
    not a substitute."""
    if "provenance" not in keys:
        raise NtupleError(f"{path}: no 'provenance' string with the generated-event count 'n_events' "
                          "(needed to normalise the spectra; hfe.measurement.event_ntuple)")
    try:
        provenance = json.loads(str(file["provenance"]))
    except ValueError as exc:
        raise NtupleError(f"{path}: 'provenance' is not JSON ({exc})") from None
    generated = provenance.get("n_events") if isinstance(provenance, dict) else None
    if isinstance(generated, bool) or not isinstance(generated, int):
        raise NtupleError(f"{path}: 'provenance' has no integer 'n_events' (the generated events that normalise "
                          f"the spectra; found {generated!r})")
    if generated < entries:
        raise NtupleError(f"{path}: 'provenance' n_events = {generated} is smaller than the {entries} stored events")
    return generated


class HfeAccumulator:
    """Exact sums of one set of files (add accumulators of several jobs with ``+=``), computed
    on the array backend ``xp`` (numpy or cupy; that of ``replicas`` when given) with the same
    bits on both (:mod:`hfe.stats.reproducible_math`)."""

    def __init__(self, settings: MeasurementSettings, replicas: ReplicaSums | None = None, xp=None):
        """``replicas``: bootstrap replica sums of the measured HFE (event-plane correlations
        in ``event_values``), filled alongside the nominal sums."""
        self.settings = settings
        self.replicas = replicas
        self.xp = replicas.xp if replicas is not None else (xp or np)
        n_bins = len(settings.pt_edges) - 1
        self.moments = {name: MomentSums(n_bins) for name in CATEGORIES}
        self.plane = EventSums(("ab", "ac", "bc"))
        self.entries = 0
        self.generated_events = 0
        self.efficiency = efficiency_table(settings)
        # bounds on |weight| and |weight x cos|, known on the host (the exact sums check their range with them)
        self._bounds = {"hfe": WEIGHT_SLACK / float(self.efficiency.values.min()), "truth": WEIGHT_SLACK}
        self._edges = {}

    def fill(self, path: str | Path, batch: ak.Array) -> None:
        s, xp = self.settings, self.xp
        columns = batch_columns(path, batch, EVENT_BRANCHES, ELECTRON_BRANCHES, xp)
        n_events, electron, event = columns.n_events, columns.electrons, columns.events
        self.entries += n_events
        checked = ("electron_pt", "electron_true_pt", "electron_phi")
        # NaN or inf poison a branch's sum: one pass per branch, one transfer for all
        finite = xp.isfinite(xp.stack([electron[name].sum(dtype=xp.float64) for name in checked])).tolist()
        if not all(finite):
            raise NtupleError(f"{path}: branch '{checked[finite.index(False)]}' contains NaN or infinite values")
        event_ids = event["event_id"].astype(xp.int64)
        planes = correlations = None
        if s.kind == "PbPb":
            # cos and sin of 2 Psi: sub-event planes from their flow vectors, the true reaction plane
            sub_events = {k: unit_vector(event[f"q{k}_x"], event[f"q{k}_y"], xp) for k in "abc"}
            planes = {"a": sub_events["a"], "rp": cos_sin(2.0 * event["psi_rp"].astype(xp.float64), xp)}
            self.plane.n_events += n_events
            correlations = {k: _cos_difference(sub_events[k[0]], sub_events[k[1]]) for k in ("ab", "ac", "bc")}
            self.plane.add(**correlations)
            # cos 2(phi - Psi) = cos 2phi cos 2Psi + sin 2phi sin 2Psi: trigonometry once per electron
            electron_angle = cos_sin(2.0 * electron["electron_phi"].astype(xp.float64), xp)

        def flow(index, owner, plane: str):
            if planes is None:
                return None
            return _cos_difference((electron_angle[0][index], electron_angle[1][index]), (planes[plane][0][owner], planes[plane][1][owner]))

        origin = electron["electron_origin"]
        in_acceptance = xp.abs(electron["electron_eta"].astype(xp.float64)) < s.eta_max
        reconstructed = electron["electron_reconstructed"].astype(bool)
        index = xp.flatnonzero(in_acceptance & reconstructed & (origin != s.background_origin))
        owner = columns.electron_event[index]
        pt = electron["electron_pt"][index]
        bins, weight = self._bins(pt), 1.0 / self.efficiency(pt, xp)
        hfe_flow = flow(index, owner, "a")
        groups = EventBinGroups(owner, bins, len(s.pt_edges) - 1)
        self.moments["hfe"].add(owner, bins, weight, hfe_flow, groups, self._bounds["hfe"], columns.most_electrons)
        if self.replicas is not None:
            n = groups.sums(weight, REPLICA_SCALE)
            flows = None if hfe_flow is None else groups.sums(weight * hfe_flow, REPLICA_SCALE)
            per_event = None if correlations is None else xp.stack([correlations[k] for k in ("ab", "ac", "bc")], axis=1)
            self.replicas.add(event_ids, groups, n, flows, per_event)
        for name, codes in (
            ("truth_ctoe", (EventElectronOrigin.CHARM,)),
            ("truth_btoe", (EventElectronOrigin.BEAUTY, EventElectronOrigin.BEAUTY_VIA_CHARM)),
        ):
            of_origin = origin == int(codes[0])
            for code in codes[1:]:
                of_origin |= origin == int(code)
            index = xp.flatnonzero(in_acceptance & of_origin)
            owner = columns.electron_event[index]
            self.moments[name].add(owner, self._bins(electron["electron_true_pt"][index]), None, flow(index, owner, "rp"),
                                   weight_bound=self._bounds["truth"], electrons_per_event=columns.most_electrons)

    def _bins(self, pt):
        """pT bin of each value (-1, n_bins: outside), the edges in the values' precision."""
        if pt.dtype not in self._edges:
            self._edges[pt.dtype] = self.xp.asarray(self.settings.pt_edges.astype(pt.dtype))
        return self.xp.searchsorted(self._edges[pt.dtype], pt, side="right") - 1

    def __iadd__(self, other: "HfeAccumulator") -> "HfeAccumulator":
        for name in CATEGORIES:
            self.moments[name] += other.moments[name]
        self.plane.n_events += other.plane.n_events
        for key in self.plane.sums:
            self.plane.sums[key][0] += other.plane.sums[key][0]
            self.plane.sums[key][1] += other.plane.sums[key][1]
        if self.replicas is not None:
            self.replicas += other.replicas
        self.entries += other.entries
        self.generated_events += other.generated_events
        return self


def _cos_difference(first, second):
    """cos(a - b) from (cos a, sin a) and (cos b, sin b)."""
    return first[0] * second[0] + first[1] * second[1]


def efficiency_table(settings: MeasurementSettings) -> TabulatedCurve:
    """The efficiency over the pT binning as a fine table (the same bits on CPU and GPU); an
    efficiency that is not positive somewhere in the binning is an error."""
    edges = settings.pt_edges
    table = TabulatedCurve(settings.efficiency, edges[0], edges[-1])
    bad = np.flatnonzero(~(table.values > 0))
    if len(bad):
        raise ValueError(f"{settings.where}: efficiency is {table.values[bad[0]]:.3g} at pT = {table.grid[bad[0]]:.3f} GeV/c "
                         "(inside the pT binning): cannot correct")
    return table


def accumulate(paths: Sequence[str | Path], settings: MeasurementSettings, replicas: ReplicaSums | None = None, xp=None) -> HfeAccumulator:
    """Read the files in bounded steps and return their exact sums (and replica sums), computed
    on ``xp`` (numpy by default; that of ``replicas`` when given)."""
    accumulator = HfeAccumulator(settings, replicas, xp)
    for path in paths:
        entries, generated = check_event_file(path)
        accumulator.generated_events += generated
        if entries == 0:
            continue  # an empty chunk is not an error
        try:
            for batch in uproot.iterate({str(path): TREE_NAME}, list(READ_BRANCHES), step_size=settings.step_size, library="ak"):
                accumulator.fill(path, batch)
        except (NtupleError, ValueError):
            raise
        except Exception as exc:
            raise NtupleError(f"{path}: failed while reading ({type(exc).__name__}: {exc})") from exc
    expected = settings.expected_events
    if expected is not None and accumulator.generated_events != expected:
        raise NtupleError(
            f"event ntuples of {settings.where}: their provenance adds up to {accumulator.generated_events} generated events, "
            f"but {settings.where}.n_events = {expected} ({', '.join(map(str, paths))})"
        )
    return accumulator


def results(accumulator: HfeAccumulator) -> dict:
    """Spectra, v2 and resolution from the sums (see module docstring for normalisations)."""
    s = accumulator.settings
    n_events = accumulator.generated_events
    norm = spectrum_normalisation(accumulator)
    out: dict = {"n_events": n_events, "entries": accumulator.entries, "pt_edges": s.pt_edges.tolist()}
    for name in CATEGORIES:
        m = accumulator.moments[name].values()
        # (e+ + e-)/2: the charge-averaged yield
        out[f"{name}_spectrum"] = (0.5 * m["n"] * norm, 0.5 * np.sqrt(m["nn"]) * norm)
        out[f"{name}_weighted_electrons"] = m["n"]  # per bin: for judging where errors are Gaussian
    if s.kind == "PbPb":
        correlations = {k: accumulator.plane.mean(k) for k in ("ab", "ac", "bc")}
        resolution = three_subevent_resolution(*(correlations[k][0] for k in ("ab", "ac", "bc")))
        relative = 0.5 * np.sqrt(sum((correlations[k][1] / correlations[k][0]) ** 2 for k in ("ab", "ac", "bc")))
        out["resolution"] = {"value": resolution, "error": resolution * relative, "correlations": correlations}
        v2_obs, error_obs = accumulator.moments["hfe"].ratio()
        v2 = v2_obs / resolution
        out["hfe_v2"] = (v2, np.sqrt((error_obs / resolution) ** 2 + (v2 * relative) ** 2))
        for name in ("truth_ctoe", "truth_btoe"):
            out[f"{name}_v2"] = accumulator.moments[name].ratio()
    return out


def spectrum_normalisation(accumulator: HfeAccumulator) -> np.ndarray:
    """Per bin: 1 / (N_events dpT deta), times sigma_inel in microbarn for pp."""
    s = accumulator.settings
    if accumulator.generated_events <= 0:
        raise ValueError("no events: cannot normalise the spectra")
    norm = 1.0 / (accumulator.generated_events * np.diff(s.pt_edges) * 2.0 * s.eta_max)
    return norm * s.sigma_inel_mb * 1000.0 if s.kind == "pp" else norm


def replica_results(accumulator: HfeAccumulator) -> dict[str, np.ndarray]:
    """Bootstrap replicas (replicas x bins) of the HFE spectrum and, for Pb-Pb, of v2{EP}
    (each replica with its own three-sub-event resolution)."""
    sums = accumulator.replicas.values()
    out = {"hfe_spectrum": (0.5 * sums["n"] * spectrum_normalisation(accumulator)[:, None]).T}
    if accumulator.settings.kind == "PbPb":
        ab, ac, bc = sums["event_values"] / sums["events"]
        product = ab * ac / bc
        if not np.all(product > 0):
            bad = np.flatnonzero(~(product > 0)) + accumulator.replicas.first_replica
            raise ValueError(f"replicas {bad.tolist()}: three-sub-event correlations give no resolution")
        resolution = np.sqrt(product)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["hfe_v2"] = (sums["s"] / sums["n"] / resolution).T
        out["resolution"] = resolution
    return out
