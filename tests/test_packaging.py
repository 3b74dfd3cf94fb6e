"""The package installs as a wheel: config schema and PDG data are package data, read with
importlib.resources, so a non-editable install outside the repository works."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_main_install_brings_what_the_report_needs():
    """`snakemake --report` needs pygments; the analysis extra (the README's first command) must
    bring it, not only the test extra (through pytest)."""
    from importlib.metadata import requires

    requirements = requires("hfe-charm-beauty") or []
    assert any(r.lower().startswith("pygments") and 'extra == "workflow"' in r for r in requirements), requirements


@pytest.mark.slow
def test_wheel_installs_and_works_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True,
                   capture_output=True, timeout=600)
    wheel = next(wheels.glob("hfe_charm_beauty-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    check = textwrap.dedent(f"""
        import hfe, hfe.core.config as config
        from hfe.decays.electron_yields import load_pdg_table
        from hfe.tables.published import load_table
        assert "site-packages" in hfe.__file__, hfe.__file__
        default = config.load_config({str(ROOT / "config" / "config.yaml")!r})
        assert default["decay_library"]["species"][0] == "D0" and default["figures"]["png_dpi"] == 300
        assert load_pdg_table()["charm"]["D0"]["value"] == 0.0649  # PDG 2024, D0 -> e+ anything
        table = load_table({str(ROOT / "data" / "published" / "ALICE_pp5TeV_D0_prompt_dsigmadpt_1901.07979.csv")!r})
        assert len(table) > 5
        print("ok")
    """)
    result = subprocess.run([str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
