"""The D0 R_AA of published centrality classes transferred to another class (the HFE's).

For the union of classes c (width w_c as a fraction of events, <N_bin>_c), the yield per event
is sum_c w_c Y_c / sum_c w_c and Y_c = N_bin,c R_c Y_pp, so

    R_AA(union) = sum_c (w_c N_bin,c) R_c / sum_c (w_c N_bin,c),

exact for the same pp reference in every class. The weights (w_c N_bin,c) are given by the
config (``decomposition.d0_raa.<system>.from_classes``) with their source. Used for a class that
differs from the HFE's (e.g. D0 in 0-80 % for the HFE in 0-92 %, or 10-40 % for 20-40 %), the
transfer assumes the R_AA is the same in both; the mismatch is a systematic variation of the
analysis configuration. Statistical uncertainties of different classes are independent
(different events) and add in quadrature; systematic and normalisation components (the tables'
and each class's ``normalisation``, e.g. its N_bin uncertainty) are taken fully correlated
between the classes (the same analysis and pp reference), i.e. they add linearly: the
conservative choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from hfe.core.errors import TableError
from hfe.tables.published import MeasurementTable, Uncertainty


def combine_classes(tables: Sequence[MeasurementTable], weights: Sequence[float], where: str,
                    normalisations: Sequence[float] | None = None) -> MeasurementTable:
    """The weighted average of ``tables`` (same bins and components) with ``weights``; each
    class's relative ``normalisations`` (not in its table) become one fully correlated
    component ``class_normalisation``."""
    first = tables[0]
    for table in tables[1:]:
        if len(table) != len(first) or not (np.allclose(table.pt_low, first.pt_low) and np.allclose(table.pt_high, first.pt_high)):
            raise TableError(f"{table.source} ({where}): its pT bins differ from those of {first.source}; classes can only be combined bin by bin")
        if set(table.uncertainties) != set(first.uncertainties):
            raise TableError(f"{table.source} ({where}): uncertainty columns {sorted(table.uncertainties)} differ from "
                             f"{sorted(first.uncertainties)} of {first.source}")
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    value = sum(wi * t.value for wi, t in zip(w, tables))
    uncertainties = {}
    for name, component in first.uncertainties.items():
        ups = [wi * t.uncertainties[name].up for wi, t in zip(w, tables)]
        downs = [wi * t.uncertainties[name].down for wi, t in zip(w, tables)]
        if component.kind == "stat":
            up, down = np.sqrt(sum(u**2 for u in ups)), np.sqrt(sum(d**2 for d in downs))
        else:
            up, down = sum(ups), sum(downs)
        uncertainties[name] = Uncertainty(up, down, component.kind)
    if normalisations is not None and any(normalisations):
        size = sum(wi * n * np.abs(t.value) for wi, n, t in zip(w, normalisations, tables))
        uncertainties["class_normalisation"] = Uncertainty(size, size.copy(), "norm")
    sources = " + ".join(f"{wi:.4f} x {t.source}" for wi, t in zip(w, tables))
    metadata = {**first.metadata, "transferred_classes": [f"N_bin-weighted average: {sources} (hfe.tables.centrality)"]}
    name = tables[0].source if len(tables) == 1 else f"combination of {len(tables)} classes"
    return MeasurementTable(f"{name} (transferred: {where})", first.pt_low, first.pt_high,
                            sum(wi * t.pt_center for wi, t in zip(w, tables)), value, uncertainties, first.units, metadata)


_CLASS = re.compile(r"(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*%")


def stated_centrality(table: MeasurementTable) -> tuple[float, float] | None:
    """The centrality class [low, high] (percent) the table's ``# centrality:`` header states
    first, or None (p+p, minimum bias without a range, no header)."""
    for text in table.metadata.get("centrality", []):
        match = _CLASS.search(text)
        if match:
            return float(match.group(1)), float(match.group(2))
    return None


def check_centrality(table: MeasurementTable, centrality, where: str) -> MeasurementTable:
    """``table`` if its stated class is ``centrality`` ([low, high] in percent, or None: not
    checked); otherwise a :class:`TableError` naming the file, its header and the config key."""
    stated = stated_centrality(table)
    if centrality is None or stated is None or np.allclose(stated, centrality):
        return table
    raise TableError(f"{table.source} ({where}): its header states centrality {stated[0]:g}-{stated[1]:g}%, the system is "
                     f"{centrality[0]:g}-{centrality[1]:g}%; a table of another class goes in decomposition.d0_raa.<system>.from_classes")
