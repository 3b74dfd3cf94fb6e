"""ROOT I/O of the decay library: one file per (species, chunk) holding the TTree ``decays``.

Branches (one entry per parent hadron):

=================  ========  ====================================================
``parent_pdg``     int32     PDG code of the parent (sign: particle/antiparticle)
``parent_pt``      float32   parent transverse momentum, GeV/c
``parent_y``       float32   parent rapidity
``parent_phi``     float32   parent azimuth, rad in [-pi, pi)
``parent_weight``  float64   weight of the parent's decay: branching fraction of its channel group
                            over the group's sampling share (1: nothing forced;
                            :mod:`hfe.decays.forced_decays`); a non-prompt D0 counts with it
``nelectron``      int32     number of stored electrons (counter of the jagged branches)
``electron_pt``    float32[] electron pT, GeV/c
``electron_eta``   float32[] electron pseudorapidity
``electron_phi``   float32[] electron azimuth, rad
``electron_charge`` int8[]   +1 (e+) or -1 (e-)
``electron_origin`` int8[]   :class:`hfe.core.electron_origin.ElectronOrigin`
``electron_weight`` float64[] parent weight x factors of the forced decays below the parent on
                            the electron's chain; electrons count with it, parents once
``ndzero``         int32     number of non-prompt D0 (beauty parents only)
``dzero_pt``       float32[] non-prompt D0 / anti-D0 pT, GeV/c
``dzero_y``        float32[] non-prompt D0 / anti-D0 rapidity
``dzero_phi``      float32[] non-prompt D0 / anti-D0 azimuth, rad
=================  ========  ====================================================

The tree is written with uproot's ``mktree``/``extend`` (a TTree, not an RNTuple). Provenance
(species, chunk, seeds, PYTHIA version, kinematics) is stored as a JSON string ``provenance``
in the same file. Files are written to a temporary name and renamed, so a killed job never
leaves a file a rerun would trust.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import awkward as ak
import numpy as np
import uproot

from hfe.core.errors import NtupleError

TREE_NAME = "decays"
PROVENANCE_KEY = "provenance"
PARENT_BRANCHES = ("parent_pdg", "parent_pt", "parent_y", "parent_phi", "parent_weight")
ELECTRON_BRANCHES = ("electron_pt", "electron_eta", "electron_phi", "electron_charge", "electron_origin", "electron_weight")
DZERO_BRANCHES = ("dzero_pt", "dzero_y", "dzero_phi")


def _tree_columns(decays: ak.Array) -> dict:
    return {
        "parent_pdg": ak.to_numpy(decays.pdg).astype(np.int32),
        "parent_pt": ak.to_numpy(decays.pt).astype(np.float32),
        "parent_y": ak.to_numpy(decays.y).astype(np.float32),
        "parent_phi": ak.to_numpy(decays.phi).astype(np.float32),
        "parent_weight": ak.to_numpy(decays.weight).astype(np.float64),
        "electron": ak.zip(
            {
                "pt": ak.values_astype(decays.electron.pt, np.float32),
                "eta": ak.values_astype(decays.electron.eta, np.float32),
                "phi": ak.values_astype(decays.electron.phi, np.float32),
                "charge": ak.values_astype(decays.electron.charge, np.int8),
                "origin": ak.values_astype(decays.electron.origin, np.int8),
                "weight": ak.values_astype(decays.electron.weight, np.float64),
            }
        ),
        "dzero": ak.zip(
            {
                "pt": ak.values_astype(decays.dzero.pt, np.float32),
                "y": ak.values_astype(decays.dzero.y, np.float32),
                "phi": ak.values_astype(decays.dzero.phi, np.float32),
            }
        ),
    }


def write_decay_file(path: str | Path, decays: ak.Array, provenance: dict, basket_entries: int = 100_000, uuid=None) -> None:
    """Write ``decays`` (from :func:`hfe.decays.generator.generate_decays`) to ``path``
    atomically, in baskets of ``basket_entries`` parents."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    columns = _tree_columns(decays)
    options = {} if uuid is None else {"uuid_function": lambda: uuid}
    try:
        with uproot.recreate(tmp, **options) as out:
            branch_types = {name: columns[name].dtype for name in PARENT_BRANCHES}
            branch_types["electron"] = columns["electron"].type.content
            branch_types["dzero"] = columns["dzero"].type.content
            tree = out.mktree(TREE_NAME, branch_types, title="heavy-flavour hadron decays to electrons")
            n = len(decays)
            for start in range(0, max(n, 1), basket_entries):
                tree.extend({name: value[start : start + basket_entries] for name, value in columns.items()})
            out[PROVENANCE_KEY] = json.dumps(provenance, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_provenance(path: str | Path) -> dict:
    """The provenance dictionary stored with a decay file."""
    with _open(path) as f:
        try:
            return json.loads(str(f[PROVENANCE_KEY]))
        except KeyError:
            raise NtupleError(f"{path}: no '{PROVENANCE_KEY}' object; not a decay-library file") from None


def _open(path: str | Path):
    path = Path(path)
    if not path.exists():
        raise NtupleError(f"{path}: decay-library file does not exist")
    try:
        return uproot.open(path)
    except Exception as exc:  # uproot raises several types for corrupt files
        raise NtupleError(f"{path}: cannot be read as a ROOT file ({exc})") from exc


def check_decay_file(path: str | Path) -> int:
    """Check that ``path`` holds a readable ``decays`` tree with every branch; return its entries."""
    with _open(path) as f:
        try:
            keys = f.keys(cycle=False)
            if TREE_NAME not in keys:
                raise NtupleError(f"{path}: no TTree '{TREE_NAME}' (keys: {keys})")
            tree = f[TREE_NAME]
            missing = [b for b in PARENT_BRANCHES + ELECTRON_BRANCHES + DZERO_BRANCHES if b not in tree]
            entries = tree.num_entries
        except NtupleError:
            raise
        except Exception as exc:  # truncated or corrupt: uproot raises OSError, ValueError, ...
            raise NtupleError(f"{path}: corrupt or truncated ROOT file ({type(exc).__name__}: {exc})") from exc
        if missing:
            raise NtupleError(f"{path}: tree '{TREE_NAME}' lacks branch(es) {missing}")
        return entries


def iterate_decays(
    paths: Sequence[str | Path], branches: Sequence[str], step_size: int | str = 100_000
) -> Iterator[ak.Array]:
    """Yield the ``branches`` of the decay files in bounded steps (``step_size`` entries or a
    size string such as ``"50 MB"``); memory does not grow with the number of files."""
    for path in paths:
        check_decay_file(path)
    for path in paths:
        try:
            yield from uproot.iterate({str(path): TREE_NAME}, list(branches), step_size=step_size, library="ak")
        except Exception as exc:  # a truncated basket surfaces only when it is read
            raise NtupleError(f"{path}: failed while reading branches {list(branches)}: {exc}") from exc


def library_kinematics(paths: Sequence[str | Path]) -> tuple[float, float]:
    """(pt_max, y_max) shared by all chunks; raises if chunks were generated differently."""
    kinematics = {(p["kinematics"]["pt_max"], p["kinematics"]["y_max"]) for p in map(read_provenance, paths)}
    if len(kinematics) != 1:
        raise ValueError(f"decay files were generated with different kinematics {kinematics}: {list(map(str, paths))}")
    return kinematics.pop()
