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


def array_module(backend: str):
    """numpy or cupy for a resolved backend name."""
    if resolve(backend) == "cuda":
        import cupy

        return cupy
    return np


def to_numpy(array) -> np.ndarray:
    """A numpy copy of a numpy or cupy array."""
    return array.get() if hasattr(array, "get") else np.asarray(array)
