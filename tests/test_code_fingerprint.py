"""An edit of the package reruns the rules whose code it touches: each rule's params carry the
fingerprint of the hfe modules its script imports (hfe.core.code_fingerprint)."""

from __future__ import annotations

import shutil
from pathlib import Path

from hfe.core.code_fingerprint import code_fingerprint, imported_files

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "workflow" / "scripts"


def test_imports_are_followed_transitively():
    names = {str(p.relative_to(ROOT / "hfe")) for p in imported_files(SCRIPTS / "decompose.py")}
    # decompose.py -> decomposition.output -> decomposition.system -> fitting.curve_fits -> decays.folding
    assert {"decomposition/output.py", "decomposition/system.py", "fitting/curve_fits.py", "decays/folding.py"} <= names
    assert "decays/pdg_semileptonic_branching_ratios.yaml" in names  # package data a module reads
    assert not any(n.startswith(("flow/", "outputs/", "bootstrap/")) for n in names)


def test_an_edit_changes_the_fingerprint_of_exactly_the_scripts_that_use_it(tmp_path):
    package = tmp_path / "hfe"
    shutil.copytree(ROOT / "hfe", package, ignore=shutil.ignore_patterns("__pycache__"))
    scripts = ("decompose.py", "flow.py", "generate_decay_chunk.py", "measure_hfe.py", "draw_figure.py")
    before = {s: code_fingerprint(SCRIPTS / s, package) for s in scripts}
    assert before == {s: code_fingerprint(SCRIPTS / s) for s in scripts}  # only the content counts, not the place
    with open(package / "decomposition" / "output.py", "a") as f:
        f.write("\n# an edit\n")
    after = {s: code_fingerprint(SCRIPTS / s, package) for s in scripts}
    changed = {s for s in scripts if after[s] != before[s]}
    assert changed == {"decompose.py", "flow.py"}  # the flow analysis builds on the decomposition output
