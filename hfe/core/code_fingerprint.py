"""Fingerprint of the package code a rule script runs, for Snakemake's params rerun trigger.

Snakemake reruns a script rule when the script itself changes, but not when a module of the
package it calls changes. ``code_fingerprint(script)`` follows the script's ``hfe`` imports
(transitively, by reading the sources, without importing them) and hashes those modules and
the package data they name; declared as a rule's params it reruns exactly the rules whose
code an edit touches."""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = "hfe"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)  # keyed by the source text: every rule's fingerprint parses the same modules
def _imported_modules(source: str, current: str | None = None) -> frozenset[str]:
    """Dotted names of the ``hfe`` modules (or packages) a source imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}  # `from hfe.core import job_resources`
    return frozenset(n for n in names if n == PACKAGE or n.startswith(PACKAGE + "."))


def _module_file(name: str, package_dir: Path) -> Path | None:
    relative = Path(*name.split(".")[1:])
    for candidate in (package_dir / relative.with_suffix(".py"), package_dir / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_files(script: str | Path, package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Package files the script depends on: the modules it imports, transitively, and the
    package data files that those modules name (e.g. the PDG table); sorted."""
    seen: set[Path] = set()
    pending = list(_imported_modules(Path(script).read_text()))
    while pending:
        path = _module_file(pending.pop(), package_dir)
        if path is None or path in seen:
            continue
        seen.add(path)
        pending += _imported_modules(path.read_text())
    sources = "".join(path.read_text() for path in seen)
    folders = {path.parent for path in seen}
    data = {p for folder in folders for p in folder.iterdir() if p.is_file() and p.suffix not in {".py", ".pyc"} and p.name in sources}
    return sorted(seen | data)


def code_fingerprint(script: str | Path, package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 (16 hex digits) of the package files the script depends on, names included."""
    digest = hashlib.sha256()
    for path in imported_files(script, package_dir):
        digest.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
