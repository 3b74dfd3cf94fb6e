"""Synthetic event batches in the layout of the event ntuples, for tests and benchmarks of the
measurement's array code (no physics: exponential pT, uniform angles, random origins).

:func:`synthetic_block` gives a block in the format of the pseudo-data generator (to write with
:func:`hfe.measurement.event_ntuple.write_event_file`); :func:`block_batch` gives the awkward
array ``uproot.iterate`` would read from such a file, built in memory.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from hfe.core.electron_origin import EventElectronOrigin
from hfe.measurement.event_ntuple import ELECTRON_FIELDS, EVENT_BRANCHES

ELECTRON_TYPES = {"pt": np.float32, "true_pt": np.float32, "eta": np.float32, "phi": np.float32, "charge": np.int8,
                  "origin": np.int8, "reconstructed": np.bool_}


def synthetic_block(rng: np.random.Generator, n_events: int, first_event_id: int = 0, electrons_per_event: float = 1.5,
                    chi: float = 1.0) -> dict:
    """``n_events`` events (identifiers from ``first_event_id``) with Poisson-distributed
    electrons (some events empty) and sub-event flow vectors of resolution parameter ``chi``."""
    counts = rng.poisson(electrons_per_event, n_events)
    n = int(counts.sum())
    psi = rng.uniform(-np.pi / 2, np.pi / 2, n_events)
    events = {"event_id": first_event_id + np.arange(n_events, dtype=np.int64), "centrality": np.full(n_events, 5.0), "psi_rp": psi}
    for k in "abc":
        events[f"q{k}_x"] = chi * np.cos(2 * psi) + rng.normal(0, 2**-0.5, n_events)
        events[f"q{k}_y"] = chi * np.sin(2 * psi) + rng.normal(0, 2**-0.5, n_events)
    true_pt = 0.3 + rng.exponential(1.5, n)
    origins = np.array([int(o) for o in EventElectronOrigin], dtype=np.int8)
    electrons = {
        "true_pt": true_pt, "pt": true_pt * rng.normal(1.0, 0.02, n), "eta": rng.uniform(-0.9, 0.9, n),
        "phi": rng.uniform(-np.pi, np.pi, n), "charge": rng.choice(np.array([-1, 1], dtype=np.int8), n),
        "origin": rng.choice(origins, n), "reconstructed": rng.random(n) < 0.8,
    }
    return {"events": events, "electrons": electrons, "electron_event": np.repeat(np.arange(n_events), counts)}


def block_batch(block: dict) -> ak.Array:
    """The block as the awkward record array that reading its ntuple gives (float32 event
    branches, ``electron_<field>`` jagged branches)."""
    counts = np.bincount(block["electron_event"], minlength=len(block["events"]["event_id"]))
    fields = {name: np.asarray(block["events"][name], dtype=np.int64 if name == "event_id" else np.float32) for name in EVENT_BRANCHES}
    for name in ELECTRON_FIELDS:
        fields[f"electron_{name}"] = ak.unflatten(np.asarray(block["electrons"][name], dtype=ELECTRON_TYPES[name]), counts)
    return ak.Array(fields)
