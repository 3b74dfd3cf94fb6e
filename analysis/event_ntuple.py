"""ROOT I/O of the pseudo-data: one file per (system, chunk) with the TTree ``events``.

Event branches: ``event_id`` (int64, global index of the event in its system), ``centrality``
(centre of the class in percent, -1 for pp), ``psi_rp`` (true reaction-plane angle, rad),
``qa_x, qa_y, qb_x, qb_y, qc_x, qc_y`` (flow vectors of sub-events A, B, C).
Jagged electron branches (counter ``nelectron``), electrons in |eta| < 0.8 only:
``electron_pt`` (measured, GeV/c), ``electron_true_pt``, ``electron_eta``, ``electron_phi``,
``electron_charge``, ``electron_origin`` (:class:`analysis.electron_origin.EventElectronOrigin`),
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


def write_event_file(
    path: str | Path, blocks: list[dict], centrality: float, provenance: dict, store_empty_events: bool, uuid=None
) -> None:
    """Write generated blocks (:func:`analysis.pseudo_events.generate_block`) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    options = {} if uuid is None else {"uuid_function": lambda: uuid}
    try:
        with uproot.recreate(tmp, **options) as out:
            tree = None
            for block in blocks:
                events, electrons = block["events"], block["electrons"]
                n_events = len(events["event_id"])
                counts = np.bincount(block["electron_event"], minlength=n_events)
                keep = np.ones(n_events, dtype=bool) if store_empty_events else counts > 0
                jagged = ak.unflatten(
                    ak.zip(
                        {
                            "pt": electrons["pt"].astype(np.float32),
                            "true_pt": electrons["true_pt"].astype(np.float32),
                            "eta": electrons["eta"].astype(np.float32),
                            "phi": electrons["phi"].astype(np.float32),
                            "charge": electrons["charge"].astype(np.int8),
                            "origin": electrons["origin"].astype(np.int8),
                            "reconstructed": electrons["reconstructed"].astype(np.bool_),
                        }
                    ),
                    counts,
                )[keep]
                columns = {name: np.asarray(events[name])[keep] for name in EVENT_BRANCHES if name != "centrality"}
                columns["event_id"] = columns["event_id"].astype(np.int64)
                for name in EVENT_BRANCHES[2:]:
                    columns[name] = columns[name].astype(np.float32)
                columns["centrality"] = np.full(int(keep.sum()), centrality, dtype=np.float32)
                columns["electron"] = jagged
                if tree is None:
                    types = {name: columns[name].dtype for name in EVENT_BRANCHES}
                    types["electron"] = jagged.type.content
                    tree = out.mktree(TREE_NAME, types, title="pseudo-data events with heavy-flavour decay electrons")
                tree.extend({name: columns[name] for name in (*EVENT_BRANCHES, "electron")})
            out["provenance"] = json.dumps(provenance, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
