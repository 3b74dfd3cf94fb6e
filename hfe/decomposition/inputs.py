"""The published tables the decomposition and flow fits read, loaded once.

``FitInputs.load(config)`` reads the tables named in the ``decomposition`` (and ``flow``)
config of the systems present; the fits take the loaded tables, so a bootstrap replica is the
same fit on ``replace(inputs, d0_pp=draw_table(...), ...)`` held in memory.

A published R_AA is read back as a yield (R_AA x <T_AA> x sigma_pp) by the Pb-Pb fit, for which
the <T_AA> the publication divided by cancels: its part of the R_AA's normalisation uncertainty
is taken out here, once (:func:`without_taa`), so that neither the fit nor the bootstrap
counts it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from hfe.core.errors import ConfigError
from hfe.core.systems import CollisionSystem
from hfe.tables.centrality import check_centrality, combine_classes
from hfe.tables.published import MeasurementTable, Uncertainty, load_table
from hfe.tables.units import expect_units


def with_one_normalisation(table: MeasurementTable, relative: float, name: str, note: str) -> MeasurementTable:
    """``table`` with its normalisation components replaced by one, ``name``, of size
    ``relative`` x |value|; ``note`` says where it comes from (kept in the metadata)."""
    size = relative * np.abs(table.value)
    kept = {key: u for key, u in table.uncertainties.items() if u.kind != "norm"}
    kept[name] = Uncertainty(size, size.copy(), "norm")
    return replace(table, uncertainties=kept, metadata={**table.metadata, f"normalisation_{name}": [note]})


def without_taa(table: MeasurementTable, taa_relative_error: float) -> MeasurementTable:
    """``table`` (a published R_AA) with its normalisation components replaced by one,
    ``norm_without_taa``: their quadrature sum with the relative <T_AA> uncertainty taken out in
    quadrature (what remains: the pp reference and Pb-Pb event normalisation)."""
    total = float(np.sqrt(sum(v**2 for v in table.normalisation().values())))
    remaining = float(np.sqrt(max(total**2 - taa_relative_error**2, 0.0)))
    return with_one_normalisation(table, remaining, "norm_without_taa",
                                  f"{remaining:.4%} = sqrt({total:.4%}^2 - {taa_relative_error:.4%}^2): published normalisation without <T_AA>")


def with_taa(table: MeasurementTable, taa_relative_error: float) -> MeasurementTable:
    """``table`` (an R_AA transferred from other centrality classes, read back as R_AA x <T_AA of
    the HFE's class> x sigma_pp) with that <T_AA>'s relative uncertainty added in quadrature to
    its normalisation (one component ``norm_with_taa``): here T_AA does not cancel."""
    total = float(np.sqrt(sum(v**2 for v in table.normalisation().values()) + taa_relative_error**2))
    return with_one_normalisation(table, total, "norm_with_taa",
                                  f"{total:.4%}: the classes' normalisation with the <T_AA> of the HFE class ({taa_relative_error:.4%}) in quadrature")


@dataclass(frozen=True)
class FitInputs:
    """D0 and non-prompt D0 pp cross sections, their R_AA per Pb-Pb system (normalisation
    without <T_AA>, :func:`without_taa`) and the D-meson v2 per Pb-Pb system."""

    d0_pp: MeasurementTable | None = None
    nonprompt_pp: MeasurementTable | None = None
    d0_raa: Mapping[str, MeasurementTable] = field(default_factory=dict)
    nonprompt_raa: Mapping[str, MeasurementTable] = field(default_factory=dict)
    dmeson_v2: Mapping[str, MeasurementTable] = field(default_factory=dict)

    @classmethod
    def load(cls, config: Mapping, root: Path = Path("."), expected: Mapping[str, np.ndarray] | None = None) -> "FitInputs":
        """The tables of ``config`` (paths relative to ``root``, the workflow directory) for the
        systems in ``config['systems']``; reads ``decomposition.{d0_pp, nonprompt_pp, d0_raa,
        nonprompt_raa}`` and, where present, ``flow.dmeson_v2``. Tables that
        ``decomposition.input_tables`` marks ``pseudo`` take their ``expected`` values (the
        truth's, by label: :func:`pseudo_data_tables`)."""
        published = cls.published(config, root)
        return published.with_tables(pseudo_data_tables(published, config, expected))

    @classmethod
    def published(cls, config: Mapping, root: Path = Path(".")) -> "FitInputs":
        """The published tables of ``config`` as they are (see :meth:`load`)."""
        settings = config["decomposition"]
        pbpb = [s for s, setup in config["systems"].items() if setup["kind"] == "PbPb"]
        has_pp = any(setup["kind"] == "pp" for setup in config["systems"].values())

        options = settings["input_options"]
        use_nonprompt = settings["nonprompt_constraint"]

        def table(spec, quantity="ratio", where="", key=None):
            if spec is None:
                return None
            if isinstance(spec, Mapping):  # the R_AA of other centrality classes, transferred
                parts = [read_table(Path(root) / part["table"], quantity, where, options.get(key, {})) for part in spec["from_classes"]]
                return combine_classes(parts, [part["weight"] for part in spec["from_classes"]], where,
                                       [part.get("normalisation", 0.0) for part in spec["from_classes"]])
            return read_table(Path(root) / spec, quantity, where, options.get(key, {}))

        flow = config.get("flow", {}).get("dmeson_v2", {})

        def raa_table(spec, system, key):
            taa_error = CollisionSystem.from_config(config, system).inputs_taa_relative_error
            where = f"decomposition.{key}.{system}"
            loaded = table(spec, "ratio", where, key)
            if isinstance(spec, Mapping):  # transferred from other classes
                return with_taa(loaded, taa_error)
            return without_taa(check_centrality(loaded, config["systems"][system].get("centrality"), where), taa_error)

        return cls(
            d0_pp=table(settings["d0_pp"], "cross_section", "decomposition.d0_pp", "d0_pp") if has_pp else None,
            nonprompt_pp=table(settings["nonprompt_pp"], "cross_section", "decomposition.nonprompt_pp", "nonprompt_pp")
            if has_pp and use_nonprompt else None,
            d0_raa={s: raa_table(settings["d0_raa"][s], s, "d0_raa") for s in pbpb},
            nonprompt_raa={s: raa_table(settings["nonprompt_raa"][s], s, "nonprompt_raa") for s in pbpb if use_nonprompt},
            dmeson_v2={s: table(flow[s]["fit"], "ratio", f"flow.dmeson_v2.{s}") for s in pbpb if s in flow},
        )

    def with_tables(self, by_label: Mapping[str, MeasurementTable]) -> "FitInputs":
        """These inputs with the tables of ``by_label`` (labels of :meth:`labelled`) replaced."""
        unknown = set(by_label) - set(self.labelled())
        if unknown:
            raise KeyError(f"no input tables labelled {sorted(unknown)}")

        def pick(label, table):
            return by_label.get(label, table)

        return replace(
            self,
            d0_pp=pick("d0_pp", self.d0_pp),
            nonprompt_pp=pick("nonprompt_pp", self.nonprompt_pp),
            d0_raa={s: pick(f"d0_raa_{s}", t) for s, t in self.d0_raa.items()},
            nonprompt_raa={s: pick(f"nonprompt_raa_{s}", t) for s, t in self.nonprompt_raa.items()},
            dmeson_v2={s: pick(f"dmeson_v2_{s}", t) for s, t in self.dmeson_v2.items()},
        )

    def labelled(self) -> dict[str, MeasurementTable]:
        """Every table by a label unique within the inputs (the bootstrap's draw labels)."""
        out = {"d0_pp": self.d0_pp, "nonprompt_pp": self.nonprompt_pp}
        for system in self.d0_raa:
            out[f"d0_raa_{system}"] = self.d0_raa[system]
            out[f"nonprompt_raa_{system}"] = self.nonprompt_raa.get(system)
            if system in self.dmeson_v2:
                out[f"dmeson_v2_{system}"] = self.dmeson_v2[system]
        return {label: table for label, table in out.items() if table is not None}


UNITS_OPTIONS = ("invariant", "per_event_cross_section_mb")


def read_table(path: str | Path, quantity: str, where: str, options: Mapping | None = None) -> MeasurementTable:
    """A published table read with its loader options (``unsigned_minus``, ``dependent``,
    ``qualifiers``) and brought to ``quantity``'s units with its units options (``invariant``,
    ``per_event_cross_section_mb``: :func:`hfe.tables.units.expect_units`)."""
    options = dict(options or {})
    units = {k: options.pop(k) for k in UNITS_OPTIONS if k in options}
    if "unsigned_minus" in options:
        options["unsigned_minus"] = tuple(options["unsigned_minus"])
    return expect_units(load_table(path, **options), quantity, where, **units)


def raa_table_paths(spec) -> list[str]:
    """The files of a ``decomposition.d0_raa`` entry: one table, or the classes it combines."""
    if isinstance(spec, Mapping):
        return [part["table"] for part in spec["from_classes"]]
    return [spec] if spec else []


def load_hfe_table(path: str | Path, kind: str, where: str, **options) -> MeasurementTable:
    """An HFE spectrum (``kind`` pp: cross section in microbarn/(GeV/c), converted from pb, nb or
    mb; PbPb: per-event yield; an invariant table with ``invariant=True``) or, with ``kind`` 'v2',
    an HFE v2 table; units checked (:mod:`hfe.tables.units`), ``where`` naming the input in errors."""
    quantity = {"pp": "cross_section", "PbPb": "yield", "v2": "ratio"}[kind]
    return read_table(path, quantity, where, options)


def load_system_hfe(config: Mapping, system: str, path: str | Path, v2: bool = False) -> MeasurementTable:
    """The HFE spectrum (or, with ``v2``, the HFE v2) of ``system`` from ``path``: a published
    table with its loader options (``decomposition.hfe_table_options``,
    ``flow.hfe_v2_table_options``) or the pseudo-data measurement."""
    centrality = config["systems"][system].get("centrality")
    if v2:
        options, key = config["flow"]["hfe_v2_table_options"].get(system, {}), f"flow.hfe_v2_tables.{system}"
        return check_centrality(load_hfe_table(path, "v2", f"HFE v2 of {system} ({key})", **options), centrality, key)
    options, key = config["decomposition"]["hfe_table_options"].get(system, {}), f"decomposition.hfe_tables.{system}"
    table = load_hfe_table(path, config["systems"][system]["kind"], f"HFE table of {system} ({key})", **options)
    return check_centrality(table, centrality, key)


def pseudo_kinds(config: Mapping) -> list[str]:
    """The input kinds (``d0_pp``, ``nonprompt_pp``, ``d0_raa``, ``nonprompt_raa``) that
    ``decomposition.input_tables`` takes from the truth instead of the publication."""
    return [kind for kind, source in config["decomposition"]["input_tables"].items() if source == "pseudo"]


def input_kind(label: str) -> str:
    """``d0_raa_PbPb_0-10`` -> ``d0_raa``: the kind of a label of :meth:`FitInputs.labelled`."""
    return next(k for k in ("nonprompt_raa", "d0_raa", "dmeson_v2", "nonprompt_pp", "d0_pp") if label.startswith(k))


def pseudo_data_tables(inputs: FitInputs, config: Mapping, expected: Mapping[str, np.ndarray] | None) -> dict[str, MeasurementTable]:
    """Pseudo-data versions of the tables whose kind is ``pseudo``: the published bins and
    uncertainties with the truth's expected values (an Asimov table: not fluctuated, so that a
    closure measures the bias; the fit-level toys fluctuate them). A closure whose truth differs
    from the real D-meson data then has inputs that agree with its truth. Bins the truth does not
    reach (NaN) are never fitted."""
    kinds = pseudo_kinds(config)
    labels = [label for label in inputs.labelled() if input_kind(label) in kinds]
    if labels and expected is None:
        raise ConfigError(f"decomposition.input_tables: {kinds} are pseudo but no expected tables were given "
                          "(results/toys/expected.json, rule toy_expectation)")
    table = inputs.labelled()
    return {
        label: replace(table[label], value=np.asarray(expected[label], dtype=float), source=f"{table[label].source} (pseudo-data: the truth's expectation)")
        for label in labels
    }


def load_expected_tables(paths) -> dict[str, np.ndarray] | None:
    """Expected values by table label from the expectation rule's JSON (``results/toys/expected.json``,
    :mod:`hfe.coverage.expectation`; null -> NaN); None for an empty list of paths."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not paths:
        return None
    with open(paths[0]) as f:
        record = json.load(f)
    return {label: np.asarray(entry["value"], dtype=float) for label, entry in record["tables"].items()}
