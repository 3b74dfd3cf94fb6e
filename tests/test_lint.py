"""The workflow passes `snakemake --lint`, and every rule names a conda environment that exists.

The conda environments themselves cannot be built here (no conda channels on the test
machines): these tests check their files, names and version floors only.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "workflow" / "rules"
ENVS = ROOT / "workflow" / "envs"

# conda-forge names of PyPI distributions, where they differ
CONDA_NAMES = {"matplotlib": ("matplotlib", "matplotlib-base"), "hepdata_lib": ("hepdata-lib",)}


def rule_blocks():
    """(file, rule name, text of its block) of every rule in workflow/rules/*.smk."""
    blocks = []
    for path in sorted(RULES.glob("*.smk")):
        text = path.read_text()
        starts = list(re.finditer(r"^rule (\w+):", text, flags=re.MULTILINE))
        for start, end in zip(starts, starts[1:] + [None]):
            blocks.append((path, start.group(1), text[start.start() : end.start() if end else len(text)]))
    return blocks


def conda_envs(block):
    """The environment files a rule's conda: directive names (both branches of a conditional)."""
    match = re.search(r"^    conda:\n((?:        .+\n)+)", block, flags=re.MULTILINE)
    return re.findall(r"""["']([^"']+\.ya?ml)["']""", match.group(1)) if match else []


def conda_specs(environment):
    """{name: spec} of the conda (not pip) dependencies of an environment file."""
    specs = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, str):
            name = re.match(r"[A-Za-z0-9_.\-]+", entry).group(0)
            specs[name] = entry
    return specs


def pip_entries(environment):
    return [e for entry in environment["dependencies"] if isinstance(entry, dict) for e in entry.get("pip", [])]


def floor(spec):
    match = re.search(r">=\s*([0-9][0-9.]*)", spec)
    return match.group(1) if match else None


def core_floors():
    """{distribution: floor} of pyproject.toml's core dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.match(r"[A-Za-z0-9_.\-]+", d).group(0): floor(d) for d in project["dependencies"]}


def rule_env_files():
    return sorted({(path.parent / env).resolve() for path, _, block in rule_blocks() for env in conda_envs(block)})


def test_snakemake_lint_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "Lints for" not in output, output[-5000:]


def test_every_rule_has_a_conda_environment():
    blocks = rule_blocks()
    assert len(blocks) >= 20  # all rule files were read
    for path, name, block in blocks:
        envs = conda_envs(block)
        assert envs, f"rule {name} ({path.name}) has no conda: directive"
        for env in envs:
            env_file = (path.parent / env).resolve()
            assert env_file.is_file(), f"rule {name}: {env} does not exist"
            assert env_file.parent == ENVS, f"rule {name}: {env} is not in workflow/envs/"
            environment = yaml.safe_load(env_file.read_text())
            assert isinstance(environment, dict) and environment.get("dependencies"), f"{env} has no dependencies"


@pytest.mark.parametrize("env_file", rule_env_files(), ids=lambda p: p.name)
def test_rule_environment_installs_the_package_and_its_core_dependencies(env_file):
    environment = yaml.safe_load(env_file.read_text())
    assert "conda-forge" in environment["channels"]
    specs = conda_specs(environment)
    assert specs["python"] == "python=3.11"
    for distribution, minimum in core_floors().items():
        names = [n for n in CONDA_NAMES.get(distribution, (distribution,)) if n in specs]
        assert names, f"{env_file.name} lacks {distribution}"
        assert floor(specs[names[0]]) == minimum, f"{env_file.name}: {specs[names[0]]}, pyproject has >={minimum}"
    # Snakemake gives conda a copy of the file in .snakemake/conda/, and conda runs pip in that
    # folder: two levels up is the working directory, the repository root.
    assert "-e ../.." in pip_entries(environment)


def test_environment_yml_matches_pyproject():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert environment["channels"][:2] == ["conda-forge", "bioconda"]
    specs = conda_specs(environment)
    assert specs["python"] == "python=3.11"
    assert "lz4" not in specs  # uproot >= 5.4 brings its own codecs
    for distribution, minimum in core_floors().items():
        names = [n for n in CONDA_NAMES.get(distribution, (distribution,)) if n in specs]
        assert names and floor(specs[names[0]]) == minimum, distribution
    for name in ("snakemake-minimal", "snakemake-executor-plugin-slurm", "hepdata-lib", "pytest", "resample"):
        assert name in specs, name
    pip = pip_entries(environment)
    assert "pythia8mc==8.317.0" in pip  # pinned: 8.318.0 has no wheel for Python 3.11
    assert "-e ." in pip


def test_generate_environment_pins_pythia():
    environment = yaml.safe_load((ENVS / "generate.yaml").read_text())
    assert "pythia8mc==8.317.0" in pip_entries(environment)
