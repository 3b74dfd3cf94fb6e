"""Where the workflow writes each result table (paths relative to the workflow directory)."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path("results")


def result_table(name: str, variation: str = "nominal") -> Path:
    """The table of ``<system>/<observable>`` of a variation (decomposition or flow)."""
    system, observable = name.split("/")
    folder = "flow" if "_v2" in observable else "decomposition"
    return RESULTS / variation / folder / system / f"{observable}.csv"


def bootstrap_table(name: str) -> Path:
    return RESULTS / "bootstrap" / f"{name}.csv"


def systematics_table(name: str) -> Path:
    return RESULTS / "systematics" / f"{name}.csv"
