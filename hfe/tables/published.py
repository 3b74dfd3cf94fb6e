"""Published measurements as pT tables with their uncertainty components.

Two formats are read:

* the project's CSV files under ``data/published/`` (copied verbatim from
  ``shared/data/published``): a ``#`` header with provenance, then columns ``pt_low, pt_high,
  pt_center, value`` and uncertainty pairs ``<name>_err_plus, <name>_err_minus`` (minus side
  signed, i.e. negative) or a single symmetric ``<name>_err``;
* HEPData YAML tables as downloaded from a HEPData record (``independent_variables`` with
  ``low``/``high`` bin edges, ``dependent_variables`` with ``symerror``/``asymerror`` errors,
  absolute or in percent).

Uncertainties are stored as positive magnitudes (``up``, ``down``) per component, each of one
kind: ``stat``; ``syst`` (bin-to-bin uncorrelated or partially correlated systematics);
``norm`` (fully correlated normalisation: branching ratio, luminosity, T_AA, global
normalisation quoted in the header); ``total``. Asymmetric uncertainties are kept as given.

Bad tables raise :class:`hfe.core.errors.TableError` naming the file, the row (1-based data
row and the file's line number) and the column.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from hfe.core.errors import TableError

NORMALISATION_WORDS = frozenset(
    {"br", "branching", "lumi", "luminosity", "luminomisty", "norm", "normalisation", "normalization", "taa", "t_aa", "global"}
)
_WORD = re.compile(r"[a-z0-9]+")
_PERCENT = re.compile(r"(?<![-\d.])([0-9]*\.?[0-9]+)\s*%")  # not the end of a range (0-10%)
_PLUS_MINUS = re.compile(r"%\s*/\s*-")


def uncertainty_kind(name: str) -> str:
    """Kind of an uncertainty component from its name or HEPData label.

    ``stat`` if a word of the name starts with "stat"; ``total`` for "total"; ``norm`` (a fully
    correlated normalisation) if a word is one of :data:`NORMALISATION_WORDS` or starts with
    "lumi"/"normali"/"branching" (HEPData labels such as ``sys,BR``, ``sys,global``,
    ``syst. global normalization uncertainty``, ``sys, integrated luminosity unc.``); else ``syst``.
    """
    lowered = name.lower()
    words = _WORD.findall(lowered.replace("t_aa", "taa"))
    if any(w.startswith("stat") for w in words):
        return "stat"
    if words[:1] == ["total"]:  # 'total', 'total_hepdata_root' (a quadrature sum of the others)
        return "total"
    if any(w in NORMALISATION_WORDS or w.startswith(("lumi", "normali", "branching")) for w in words):
        return "norm"
    return "syst"


@dataclass
class Uncertainty:
    """One uncertainty component: positive magnitudes up and down, per bin."""

    up: np.ndarray
    down: np.ndarray
    kind: str  # stat | syst | norm | total

    @property
    def symmetric(self) -> np.ndarray:
        """Average of up and down: the symmetrisation rule used by fits."""
        return 0.5 * (self.up + self.down)


@dataclass
class MeasurementTable:
    """A pT-binned measurement with every uncertainty component kept separately."""

    source: str
    pt_low: np.ndarray  # GeV/c
    pt_high: np.ndarray  # GeV/c
    pt_center: np.ndarray  # GeV/c (as published; not a mean pT)
    value: np.ndarray
    uncertainties: dict[str, Uncertainty]
    units: str = ""
    metadata: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.value)

    @property
    def pt_edges(self) -> np.ndarray:
        """Bin edges (requires contiguous bins)."""
        if not np.allclose(self.pt_high[:-1], self.pt_low[1:]):
            raise TableError(f"{self.source}: bins are not contiguous; use pt_low/pt_high")
        return np.append(self.pt_low, self.pt_high[-1])

    def select(self, rows: np.ndarray) -> "MeasurementTable":
        """The rows picked by a boolean mask (or index array), every component kept."""
        return MeasurementTable(
            self.source,
            self.pt_low[rows],
            self.pt_high[rows],
            self.pt_center[rows],
            self.value[rows],
            {n: Uncertainty(u.up[rows], u.down[rows], u.kind) for n, u in self.uncertainties.items()},
            self.units,
            self.metadata,
        )

    def components(self, kind: str) -> dict[str, Uncertainty]:
        return {name: u for name, u in self.uncertainties.items() if u.kind == kind}

    def quadrature(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(up, down) of all components of one kind added in quadrature."""
        parts = list(self.components(kind).values())
        if not parts:
            zero = np.zeros_like(self.value)
            return zero, zero.copy()
        return (
            np.sqrt(sum(p.up**2 for p in parts)),
            np.sqrt(sum(p.down**2 for p in parts)),
        )

    @property
    def stat(self) -> tuple[np.ndarray, np.ndarray]:
        return self.quadrature("stat")

    @property
    def syst(self) -> tuple[np.ndarray, np.ndarray]:
        return self.quadrature("syst")

    @property
    def symmetric_stat(self) -> np.ndarray:
        """Statistical uncertainty symmetrised as the mean of up and down."""
        up, down = self.stat
        return 0.5 * (up + down)

    @property
    def symmetric_syst(self) -> np.ndarray:
        """Systematic uncertainty symmetrised as the mean of up and down."""
        up, down = self.syst
        return 0.5 * (up + down)

    def normalisation(self) -> dict[str, float]:
        """Relative size of each correlated normalisation component (largest of up/down)."""
        result = {}
        for name, u in self.components("norm").items():
            with np.errstate(divide="ignore", invalid="ignore"):
                relative = np.maximum(u.up, u.down) / np.abs(self.value)
            result[name] = float(np.nanmax(relative))
        return result


def _number(text: str, source: Path, row: int, line: int, column: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise TableError(f"{source}: row {row} (line {line}), column '{column}': not a number ({text!r})") from None
    if not math.isfinite(value):
        raise TableError(f"{source}: row {row} (line {line}), column '{column}': {text!r} is not finite")
    return value


def _header_normalisation(metadata: dict[str, list[str]], columns: list[str]) -> float | None:
    """A global normalisation quoted in the header as a percentage (not one that is a column):
    ``x% / -x%`` is one component; several percentages are independent components added in
    quadrature."""
    for text in metadata.get("global_normalisation", []):
        first = text.split()[0] if text.split() else ""
        if any(first.startswith(c.rsplit("_plus", 1)[0].rsplit("_minus", 1)[0]) for c in columns if "_err" in c):
            continue  # describes a column already read
        sizes = [float(m) / 100.0 for m in _PERCENT.findall(text)]
        if not sizes:
            continue
        if _PLUS_MINUS.search(text):  # 'x% / -x%': one component quoted up and down
            return max(sizes[:2])
        # several independent components ('8% (p+p reference) and 8% (N_coll)'): in quadrature
        return float(np.sqrt(sum(x**2 for x in sizes)))
    return None


def _check_bins(table: MeasurementTable, lines: list[int], points_only: bool = False) -> None:
    source = table.source
    for i in range(len(table)):
        if points_only:
            if i and table.pt_center[i] <= table.pt_center[i - 1]:
                raise TableError(f"{source}: row {i + 1} (line {lines[i]}): points are not sorted in pT")
            continue
        if not table.pt_low[i] < table.pt_high[i]:
            raise TableError(
                f"{source}: row {i + 1} (line {lines[i]}): pt_low {table.pt_low[i]} is not below pt_high {table.pt_high[i]}"
            )
        if i and table.pt_low[i] < table.pt_high[i - 1] - 1e-9:
            raise TableError(
                f"{source}: row {i + 1} (line {lines[i]}): bin [{table.pt_low[i]}, {table.pt_high[i]}] "
                f"overlaps or precedes the previous bin [{table.pt_low[i - 1]}, {table.pt_high[i - 1]}] (bins must be sorted)"
            )


def load_csv_table(path: str | Path, unsigned_minus: tuple[str, ...] = ()) -> MeasurementTable:
    """Read one of the project's published CSV tables (see module docstring).

    ``unsigned_minus`` names components whose ``_err_minus`` column the source stores as a
    positive magnitude (the file's header says so, e.g. STAR's 'Systematic -'); for every other
    component a positive minus-side entry is an error. A table whose ``pt_low``/``pt_high`` are
    empty in every row is a table of points (PHENIX HEPData files give positions only): its
    edges are set to ``pt_center``.
    """
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: table file does not exist")
    metadata: dict[str, list[str]] = {}
    rows, lines, header = [], [], None
    with open(path, newline="") as f:
        for number, raw in enumerate(f, start=1):
            if raw.startswith("#"):
                key, _, text = raw[1:].partition(":")
                metadata.setdefault(key.strip(), []).append(text.strip())
            elif raw.strip():
                fields = next(csv.reader([raw]))
                if header is None:
                    header = [c.strip() for c in fields]
                else:
                    rows.append(fields)
                    lines.append(number)
    if header is None or not rows:
        raise TableError(f"{path}: no data rows")
    for required in ("pt_low", "pt_high", "value"):
        if required not in header:
            raise TableError(f"{path}: missing column '{required}' (columns: {header})")
    edge_index = [header.index("pt_low"), header.index("pt_high")]
    points_only = all(not fields[i].strip() for fields in rows for i in edge_index if i < len(fields))
    if points_only and "pt_center" not in header:
        raise TableError(f"{path}: pt_low/pt_high are empty and there is no pt_center column")
    if not points_only and "pt_center" in header:
        # a pt_center column left empty in every row (PHENIX HEPData gives bin edges only): the
        # bin centres are used, as for a table without the column
        centre = header.index("pt_center")
        if all(centre < len(fields) and not fields[centre].strip() for fields in rows):
            header = header[:centre] + header[centre + 1:]
            rows = [fields[:centre] + fields[centre + 1:] for fields in rows]
    columns: dict[str, list[float]] = {name: [] for name in header}
    for row_index, (fields, line) in enumerate(zip(rows, lines), start=1):
        if len(fields) != len(header):
            raise TableError(f"{path}: row {row_index} (line {line}) has {len(fields)} fields, header has {len(header)}")
        for name, text in zip(header, fields):
            if points_only and name in ("pt_low", "pt_high"):
                text = fields[header.index("pt_center")]
            columns[name].append(_number(text, path, row_index, line, name))
    arrays = {name: np.asarray(values) for name, values in columns.items()}

    uncertainties: dict[str, Uncertainty] = {}
    for name in header:
        if name.endswith("_err_plus"):
            base = name[: -len("_err_plus")]
            minus_name = f"{base}_err_minus"
            if minus_name not in arrays:
                raise TableError(f"{path}: column '{name}' has no partner '{minus_name}'")
            up, minus = arrays[name], arrays[minus_name]
            if base in unsigned_minus:
                minus = -minus
            for i in range(len(up)):
                if up[i] < 0:
                    raise TableError(f"{path}: row {i + 1} (line {lines[i]}), column '{name}': negative uncertainty {up[i]}")
                if minus[i] > 0:
                    raise TableError(
                        f"{path}: row {i + 1} (line {lines[i]}), column '{minus_name}': minus-side uncertainty "
                        f"{minus[i]} must be signed negative (or zero)"
                    )
            uncertainties[base] = Uncertainty(up, -minus, uncertainty_kind(base))
        elif name.endswith("_err") and not name.endswith("_err_minus"):
            base = name[: -len("_err")]
            values = arrays[name]
            for i in range(len(values)):
                if values[i] < 0:
                    raise TableError(f"{path}: row {i + 1} (line {lines[i]}), column '{name}': negative uncertainty {values[i]}")
            uncertainties[base] = Uncertainty(values.copy(), values.copy(), uncertainty_kind(base))
    pt_center = arrays.get("pt_center", 0.5 * (arrays["pt_low"] + arrays["pt_high"]))
    table = MeasurementTable(
        source=str(path),
        pt_low=arrays["pt_low"],
        pt_high=arrays["pt_high"],
        pt_center=pt_center,
        value=arrays["value"],
        uncertainties=uncertainties,
        units=" ".join(metadata.get("units", [])),
        metadata=metadata,
    )
    redundant = [n for n, u in uncertainties.items() if u.kind == "total"] if any(
        u.kind in ("stat", "syst") for u in uncertainties.values()) else []
    for name in redundant:  # a total next to its parts (stat, syst) would count them twice
        del uncertainties[name]
        metadata.setdefault("ignored_columns", []).append(f"{name}: a total next to the stat and syst columns it sums")
    global_norm = _header_normalisation(metadata, header)
    if global_norm is not None and "global" not in uncertainties:
        size = global_norm * np.abs(table.value)
        uncertainties["global"] = Uncertainty(size, size.copy(), "norm")
    _check_bins(table, lines, points_only)
    return table


def _hepdata_error(entry: dict, value: float, source: Path, row: int, column: str) -> tuple[float, float]:
    def magnitude(x) -> float:
        if isinstance(x, str) and x.strip().endswith("%"):
            return _number(x.strip()[:-1], source, row, row, column) / 100.0 * abs(value)
        return _number(x, source, row, row, column)

    if "symerror" in entry:
        size = magnitude(entry["symerror"])
        if size < 0:
            raise TableError(f"{source}: row {row}, error '{column}': negative symmetric uncertainty {size}")
        return size, size
    if "asymerror" in entry:
        plus = magnitude(entry["asymerror"].get("plus", 0.0))
        minus = magnitude(entry["asymerror"].get("minus", 0.0))
        if plus < 0 or minus > 0:
            raise TableError(
                f"{source}: row {row}, error '{column}': asymmetric error plus={plus}, minus={minus} is not "
                "(plus >= 0, minus <= 0); sign-inverted HEPData errors are not supported"
            )
        return plus, -minus
    raise TableError(f"{source}: row {row}, error '{column}': neither symerror nor asymerror")


def validate_hepdata(path: Path) -> None:
    """Run the HEPData validator (hepdata-validator) on a YAML table; a :class:`TableError`
    naming the file lists what it rejects."""
    from hepdata_validator.data_file_validator import DataFileValidator

    validator = DataFileValidator()
    if not validator.validate(file_path=str(path)):
        messages = [str(m.message).split(" (expected:")[0] for m in validator.get_messages().get(str(path), [])]
        raise TableError(f"{path}: not a valid HEPData table (hepdata-validator): " + "; ".join(messages[:5]))


def _column_label(variable: dict, index: int) -> str:
    header = variable.get("header", {})
    qualifiers = ", ".join(f"{q.get('name')}={q.get('value')}" for q in variable.get("qualifiers", []))
    return f"[{index}] {header.get('name', '?')} ({header.get('units', 'no units')})" + (f" {{{qualifiers}}}" if qualifiers else "")


def select_dependent(document: dict, path: Path, dependent: int | None, qualifiers: dict | None) -> dict:
    """The dependent variable (column) of a HEPData table: by index ``dependent``, by
    ``qualifiers`` ({name: value}, all must match exactly one column), or the only one; an
    ambiguous or unmatched selection is an error listing the columns."""
    variables = document["dependent_variables"]
    columns = "; ".join(_column_label(v, i) for i, v in enumerate(variables))
    if dependent is not None:
        if not 0 <= dependent < len(variables):
            raise TableError(f"{path}: dependent variable {dependent} does not exist (columns: {columns})")
        return variables[dependent]
    if qualifiers:
        def matches(variable):
            given = {str(q.get("name")): str(q.get("value")) for q in variable.get("qualifiers", [])}
            return all(given.get(str(k)) == str(v) for k, v in qualifiers.items())

        chosen = [v for v in variables if matches(v)]
        if len(chosen) != 1:
            raise TableError(f"{path}: qualifiers {qualifiers} match {len(chosen)} columns, need exactly 1 (columns: {columns})")
        return chosen[0]
    if len(variables) != 1:
        raise TableError(f"{path}: {len(variables)} dependent variables; select one with 'dependent' or 'qualifiers' (columns: {columns})")
    return variables[0]


def load_hepdata_yaml(path: str | Path, dependent: int | None = None, qualifiers: dict | None = None) -> MeasurementTable:
    """Read a HEPData YAML table (validated with hepdata-validator first): the first independent
    variable is pT (bins with low/high), the dependent variable (column) is chosen by
    :func:`select_dependent`."""
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: table file does not exist")
    try:
        with open(path) as f:
            document = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise TableError(f"{path}: not valid YAML ({exc})") from None
    validate_hepdata(path)
    try:
        x_values = document["independent_variables"][0]["values"]
        y_variable = select_dependent(document, path, dependent, qualifiers)
    except (KeyError, IndexError, TypeError) as exc:
        raise TableError(f"{path}: not a HEPData table (missing {exc})") from None
    y_values = y_variable["values"]
    if len(x_values) != len(y_values):
        raise TableError(f"{path}: {len(x_values)} pT bins but {len(y_values)} values")
    low, high, value = [], [], []
    components: dict[str, tuple[list, list]] = {}
    # a table of points (pT 'value' only, as PHENIX publishes) is read as the CSV loader does:
    # edges = the point; a table mixing points and bins is an error
    points_only = all("low" not in x and "high" not in x and "value" in x for x in x_values)
    for row, (x, y) in enumerate(zip(x_values, y_values), start=1):
        if points_only:
            low.append(_number(x["value"], path, row, row, "pT value"))
            high.append(low[-1])
        elif "low" not in x or "high" not in x:
            raise TableError(f"{path}: row {row}: pT bin has no low/high edges ({x})")
        else:
            low.append(_number(x["low"], path, row, row, "pT low"))
            high.append(_number(x["high"], path, row, row, "pT high"))
        value.append(_number(y.get("value"), path, row, row, "value"))
        seen = set()
        for index, entry in enumerate(y.get("errors", [])):
            label = str(entry.get("label", f"error{index}"))
            name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or f"error{index}"
            seen.add(name)
            up, down = _hepdata_error(entry, value[-1], path, row, label)
            ups, downs = components.setdefault(name, ([0.0] * (row - 1), [0.0] * (row - 1)))
            ups.append(up)
            downs.append(down)
        for name, (ups, downs) in components.items():
            if name not in seen:
                ups.append(0.0)
                downs.append(0.0)
    header = y_variable.get("header", {})
    qualifiers = {str(q.get("name")): [str(q.get("value"))] for q in y_variable.get("qualifiers", [])}
    table = MeasurementTable(
        source=str(path),
        pt_low=np.asarray(low),
        pt_high=np.asarray(high),
        pt_center=0.5 * (np.asarray(low) + np.asarray(high)),
        value=np.asarray(value),
        uncertainties={
            name: Uncertainty(np.asarray(u), np.asarray(d), uncertainty_kind(name)) for name, (u, d) in components.items()
        },
        units=str(header.get("units", "")),
        metadata={"observable": [str(header.get("name", ""))], **qualifiers},
    )
    _check_bins(table, list(range(1, len(table) + 1)), points_only)
    return table


def table_header(path: str | Path) -> dict[str, str]:
    """The ``# key: text`` provenance lines of a project CSV table (the first line of each key);
    a HEPData YAML table has none (empty)."""
    if Path(path).suffix.lower() != ".csv":
        return {}
    header = {}
    with open(path) as f:
        for raw in f:
            if not raw.startswith("#"):
                break
            key, _, text = raw[1:].partition(":")
            header.setdefault(key.strip(), text.strip())
    return header


def load_table(path: str | Path, **options) -> MeasurementTable:
    """Load a table by file type: ``.csv`` (project format) or ``.yaml``/``.yml`` (HEPData)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return load_csv_table(path, **options)
    if suffix in (".yaml", ".yml"):
        return load_hepdata_yaml(path, **options)
    raise TableError(f"{path}: unknown table format '{suffix}' (expected .csv or HEPData .yaml)")


def load_comparison(spec: dict) -> MeasurementTable:
    """The table of a configured comparison (``table`` path, optional ``unsigned_minus``)."""
    return load_table(spec["table"], **({"unsigned_minus": tuple(spec["unsigned_minus"])} if "unsigned_minus" in spec else {}))


def write_table_csv(path: str | Path, header: dict[str, str], pt_low, pt_high, value, stat) -> None:
    """Write a table in the project's CSV format (``#`` provenance lines, then pT bins, value
    and symmetric statistical uncertainty), readable by :func:`load_csv_table`. Atomic."""
    from hfe.core.atomic_io import write_text_atomically

    lines = [f"# {key}: {text}" for key, text in header.items()]
    lines.append("pt_low,pt_high,pt_center,value,stat_err_plus,stat_err_minus")
    for low, high, v, e in zip(pt_low, pt_high, value, stat):
        lines.append(f"{low:.6g},{high:.6g},{0.5 * (low + high):.6g},{v:.10g},{e:.10g},{-e:.10g}")
    write_text_atomically(path, "\n".join(lines) + "\n")


def write_measurement_table(path: str | Path, table: MeasurementTable) -> None:
    """Write any table in the project CSV format with its header lines and every uncertainty
    component (``<name>_err_plus``/``_err_minus``), so that :func:`load_csv_table` reads back
    the same components and kinds. Atomic."""
    from hfe.core.atomic_io import write_text_atomically

    lines = [f"# {key}: {text}" for key, texts in table.metadata.items() for text in texts]
    names = list(table.uncertainties)
    lines.append(",".join(["pt_low", "pt_high", "pt_center", "value"] + [f"{n}_err_{side}" for n in names for side in ("plus", "minus")]))
    for i in range(len(table)):
        fields = [table.pt_low[i], table.pt_high[i], table.pt_center[i], table.value[i]]
        for name in names:
            fields += [table.uncertainties[name].up[i], -table.uncertainties[name].down[i]]
        lines.append(",".join(f"{x:.12g}" for x in fields))
    write_text_atomically(path, "\n".join(lines) + "\n")


def write_result(outputs: dict, low, high, tables: dict, header, summary: dict) -> None:
    """Write every table named in ``outputs`` (``tables[name] = (value, error)``, header from
    ``header(name)``) in the project CSV format, and ``summary`` to ``outputs['summary']``."""
    from hfe.core.atomic_io import write_json_atomically

    for name, path in outputs.items():
        if name != "summary":
            write_table_csv(path, header(name), low, high, *tables[name])
    write_json_atomically(outputs["summary"], summary)
