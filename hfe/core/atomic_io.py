"""Atomic writes: a file is written under a temporary name and renamed, so a killed job never
leaves a half-written output that a rerun would trust."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np


def write_text_atomically(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json_atomically(path: str | Path, content: dict) -> None:
    """Sorted, indented JSON (numpy floats as floats): identical bytes for identical content."""
    write_text_atomically(path, json.dumps(content, indent=2, sort_keys=True, default=float) + "\n")


def write_npz_reproducibly(path: str | Path, arrays: dict) -> None:
    """``numpy.savez`` with fixed zip timestamps (so reruns give identical bytes), written to a
    temporary name and renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    os.replace(tmp, path)
