"""A batch of an event ntuple as flat columns on the array backend (numpy or cupy).

``uproot.iterate`` gives an awkward record array of per-event and jagged per-electron branches.
The batch is packed on the host where it is not already (jagged offsets starting at zero,
contents of exactly their length, as uproot reads them); the columns are the layout's own
buffers (contents and offsets), moved together in one copy
(:func:`hfe.core.transfer.move_to_backend`), so the measurement needs no awkward kernel on the
device. The
jagged axis is kept as the local event index of every electron (from the offsets, which
``ak.num`` differences), with which the per-(event, bin) sums are formed
(:class:`hfe.stats.exact_sums.EventBinGroups`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np

from hfe.core.errors import NtupleError
from hfe.core.transfer import move_to_backend


@dataclass
class BatchColumns:
    """Per-event columns (length ``n_events``), per-electron columns and each electron's local
    event index ``electron_event`` (0 .. n_events - 1, non-decreasing), all on one backend."""

    n_events: int
    events: dict
    electrons: dict
    electron_event: object
    most_electrons: int  # the most electrons of one event of the batch (a host number)


def batch_columns(path: str | Path, batch: ak.Array, event_branches, electron_branches, xp=np) -> BatchColumns:
    """The branches of ``batch`` (read from ``path``, named in errors) on the backend ``xp``."""
    names = [*event_branches, *electron_branches]
    whole = ak.to_layout(batch)
    layout = ak.contents.RecordArray([whole.content(name) for name in names], names, length=len(whole))  # nothing else moves
    if not all(_packed(layout, name) for name in names):
        layout = ak.to_packed(layout, highlevel=False)
    host = {("event", name): _buffer(path, name, layout.content(name), jagged=False) for name in event_branches}
    for name in electron_branches:
        content = layout.content(name)
        if not isinstance(content, ak.contents.ListOffsetArray):
            raise NtupleError(f"{path}: branch '{name}' is not a jagged (per-electron) array (layout {type(content).__name__})")
        host["electron", name], host["offsets", name] = _buffer(path, name, content.content, jagged=True), content.offsets.data
    moved = move_to_backend(host, xp)
    events = {name: moved["event", name] for name in event_branches}
    electrons = {name: moved["electron", name] for name in electron_branches}
    offsets = {name: moved["offsets", name] for name in electron_branches}
    first = electron_branches[0]
    # every per-electron branch must give each event the same electrons, and the most electrons
    # of one event: one transfer for all
    counts = offsets[first][1:] - offsets[first][:-1]
    most = counts.max() if len(counts) else xp.zeros((), dtype=counts.dtype)
    checks = xp.stack([*((offsets[name] != offsets[first]).any() for name in electron_branches), most]).tolist()
    differs, most_electrons = [bool(d) for d in checks[:-1]], int(checks[-1])
    if any(differs):
        name = electron_branches[differs.index(True)]
        raise NtupleError(f"{path}: branch '{name}' gives the events of a batch other electron counts than '{first}'")
    offsets, n_electrons = offsets[first], len(electrons[first])
    # an event starts at each inner offset; empty events share their offset
    starts = xp.bincount(offsets[1:-1].astype(xp.int64), minlength=n_electrons + 1)[:n_electrons]
    electron_event = xp.cumsum(starts, dtype=xp.int64)
    return BatchColumns(len(layout), events, electrons, electron_event, most_electrons)


def _packed(layout, name: str) -> bool:
    """Whether branch ``name`` of the record layout is already packed: a flat array of the
    record's length, or jagged offsets from zero over a content of exactly their span (what
    uproot reads; packing would only copy it)."""
    content = layout.content(name)
    if isinstance(content, ak.contents.NumpyArray):
        return len(content) == len(layout)
    if isinstance(content, ak.contents.ListOffsetArray) and isinstance(content.content, ak.contents.NumpyArray):
        offsets = content.offsets.data
        return len(offsets) == len(layout) + 1 and int(offsets[0]) == 0 and int(offsets[-1]) == len(content.content)
    return False


def _buffer(path, name: str, content, jagged: bool):
    if not isinstance(content, ak.contents.NumpyArray) or content.data.ndim != 1:
        kind = "per-electron" if jagged else "per-event"
        raise NtupleError(f"{path}: branch '{name}' is not a flat {kind} number (layout {type(content).__name__})")
    return content.data
