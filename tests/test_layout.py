"""The package is laid out by stage and data flows one way: a module imports only from its own
stage or from stages before it (no upward imports, hence no import cycles between stages)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "hfe"
# upstream -> downstream, mirroring workflow/rules/
STAGES = ["core", "tables", "stats", "decays", "fitting", "measurement", "pseudodata", "decomposition", "flow",
          "bootstrap", "coverage", "systematics", "outputs"]


def imported_stages(path: Path) -> set[str]:
    stages = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        stages |= {n.split(".")[1] for n in names if n.startswith("hfe.") and n.count(".") >= 1}
    return stages


def test_every_module_lives_in_a_stage():
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(STAGES)
    assert [p.name for p in PACKAGE.glob("*.py")] == ["__init__.py"]


def test_no_upward_imports():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        stage = path.relative_to(PACKAGE).parts[0]
        if stage.endswith(".py"):
            continue
        for other in imported_stages(path):
            if STAGES.index(other) > STAGES.index(stage):
                upward.append(f"{path.relative_to(PACKAGE)} imports hfe.{other}")
    assert not upward, upward
