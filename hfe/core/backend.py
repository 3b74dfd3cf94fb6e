"""Array backends of the bootstrap: ``cpu`` (numpy) or ``cuda`` (cupy), chosen by config.

``auto`` picks cuda when cupy is importable and sees a GPU, else cpu. The replica arithmetic is
written once against the array module returned here; on both backends it works in exact integer
arithmetic (fixed point), so CPU and GPU give identical replica results for the same seeds.
"""

from __future__ import annotations

import numpy as np

from hfe.core.errors import ConfigError

BACKENDS = ("cpu", "cuda", "auto")


def cuda_available() -> bool:
    """True when cupy imports and sees at least one CUDA device."""
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no cupy, no driver, no device: all mean "no GPU here"
        return False


def resolve(backend: str) -> str:
    """``cpu`` or ``cuda`` for a configured ``backend``; cuda without a GPU is an error."""
    if backend not in BACKENDS:
        raise ConfigError(f"bootstrap.backend: '{backend}' is not one of {BACKENDS}")
    if backend == "auto":
        return "cuda" if cuda_available() else "cpu"
    if backend == "cuda" and not cuda_available():
        raise ConfigError("bootstrap.backend: 'cuda' requested but cupy or a CUDA device is not available")
    return backend


def gpu_visible() -> bool:
    """True when ``nvidia-smi -L`` lists a GPU (no cupy needed: for jobs with their own environment)."""
    import shutil
    import subprocess

    if shutil.which("nvidia-smi") is None:
        return False
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and "GPU" in listed.stdout


def check_local_run(backend: str, job_environments: bool) -> None:
    """Before the jobs of a local run start: ``cuda`` needs a GPU on this machine and, unless each
    job brings its own conda environment (``job_environments``, ``--sdm conda``), cupy here.
    A batch-system run checks on the node, in the job (:func:`resolve`)."""
    if backend == "cuda" and job_environments and not gpu_visible():
        raise ConfigError("bootstrap.backend: 'cuda' requested but nvidia-smi lists no GPU on this machine")
    if not job_environments:
        resolve(backend)


def array_module(backend: str):
    """numpy or cupy for a resolved backend name."""
    if resolve(backend) == "cuda":
        import cupy

        return cupy
    return np


def array_module_of(array):
    """numpy or cupy: the module an array belongs to (numpy for anything not a cupy array)."""
    if type(array).__module__.startswith("cupy"):
        import cupy

        return cupy
    return np


def to_numpy(array) -> np.ndarray:
    """A numpy copy of a numpy or cupy array."""
    return array.get() if hasattr(array, "get") else np.asarray(array)
