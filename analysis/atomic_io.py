"""Atomic writes: a file is written under a temporary name and renamed, so a killed job never
leaves a half-written output that a rerun would trust."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_text_atomically(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json_atomically(path: str | Path, content: dict) -> None:
    """Sorted, indented JSON (numpy floats as floats): identical bytes for identical content."""
    write_text_atomically(path, json.dumps(content, indent=2, sort_keys=True, default=float) + "\n")
