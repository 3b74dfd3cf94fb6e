"""ROOT I/O of the pseudo-data: one file per (system, chunk) with the TTree ``events``.

Event branches: ``event_id`` (int64, global index of the event in its system), ``centrality``
(centre of the class in percent, -1 for pp), ``psi_rp`` (true reaction-plane angle, rad),
``qa_x, qa_y, qb_x, qb_y, qc_x, qc_y`` (flow vectors of sub-events A, B, C).
Jagged electron branches (counter ``nelectron``), electrons in |eta| < 0.8 only:
``electron_pt`` (measured, GeV/c), ``electron_true_pt``, ``electron_eta``, ``electron_phi``,
``electron_charge``, ``electron_origin`` (:class:`hfe.core.electron_origin.EventElectronOrigin`),
``electron_reconstructed`` (passed the efficiency).
A JSON ``provenance`` string records the system, blocks, seeds and ``n_events``: the number of
generated events, which normalises the spectra also when events without electrons are not
stored (pp).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import awkward as ak
import numpy as np
import uproot

TREE_NAME = "events"
EVENT_BRANCHES = ("event_id", "centrality", "psi_rp", "qa_x", "qa_y", "qb_x", "qb_y", "qc_x", "qc_y")
ELECTRON_FIELDS = ("pt", "true_pt", "eta", "phi", "charge", "origin", "reconstructed")


def _block_columns(block: dict, centrality: float, store_empty_events: bool) -> dict:
    events, electrons = block["events"], block["electrons"]
    n_events = len(events["event_id"])
    counts = np.bincount(block["electron_event"], minlength=n_events)
    keep = np.ones(n_events, dtype=bool) if store_empty_events else counts > 0
    columns = {name: np.asarray(events[name])[keep].astype(np.float32) for name in EVENT_BRANCHES[2:]}
    columns["event_id"] = np.asarray(events["event_id"])[keep].astype(np.int64)
    columns["centrality"] = np.full(int(keep.sum()), centrality, dtype=np.float32)
    types = {"pt": np.float32, "true_pt": np.float32, "eta": np.float32, "phi": np.float32, "charge": np.int8, "origin": np.int8, "reconstructed": np.bool_}
    flat = ak.zip({name: electrons[name].astype(dtype) for name, dtype in types.items()})
    columns["electron"] = ak.unflatten(flat, counts)[keep]
    return columns


def write_event_file(
    path: str | Path,
    blocks: list[dict],
    centrality: float,
    provenance: dict,
    store_empty_events: bool,
    uuid=None,
    basket_entries: int = 200_000,
) -> None:
    """Write generated blocks (:func:`hfe.pseudodata.events.generate_block`) atomically, in
    baskets of up to ``basket_entries`` events, LZ4-compressed (fast to read back)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    options = {"compression": uproot.LZ4(1)}
    if uuid is not None:
        options["uuid_function"] = lambda: uuid
    parts = [_block_columns(block, centrality, store_empty_events) for block in blocks]
    columns = {name: np.concatenate([p[name] for p in parts]) for name in EVENT_BRANCHES}
    columns["electron"] = ak.concatenate([p["electron"] for p in parts])
    try:
        with uproot.recreate(tmp, **options) as out:
            types = {name: columns[name].dtype for name in EVENT_BRANCHES}
            types["electron"] = columns["electron"].type.content
            tree = out.mktree(TREE_NAME, types, title="pseudo-data events with heavy-flavour decay electrons")
            n = len(columns["event_id"])
            for start in range(0, max(n, 1), basket_entries):
                tree.extend({name: value[start : start + basket_entries] for name, value in columns.items()})
            out["provenance"] = json.dumps(provenance, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
