"""The configuration reference docs/configuration.md is generated from the config schema: the
committed file is up to date, and every key in it has a meaning."""

from __future__ import annotations

import re
from pathlib import Path

from hfe.core.config_reference import reference

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE = "python -m hfe.core.config_reference > docs/configuration.md"


def key_rows(text: str) -> list[list[str]]:
    """The cells (key, type, default, meaning) of every key row of the reference's tables."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_committed_reference_is_up_to_date():
    assert DOCUMENT.exists(), f"docs/configuration.md is missing; generate it with `{REGENERATE}`"
    assert DOCUMENT.read_text(encoding="utf-8") == reference(), (
        f"docs/configuration.md differs from the config schema (hfe/core/config.schema.yaml); "
        f"regenerate it with `{REGENERATE}`"
    )


def test_every_key_has_a_meaning():
    rows = key_rows(reference())
    assert len(rows) > 100
    assert all(len(cells) == 4 for cells in rows), [cells for cells in rows if len(cells) != 4]
    undocumented = [cells[0] for cells in rows if not cells[3]]
    assert not undocumented, f"keys without a description in hfe/core/config.schema.yaml: {undocumented}"
