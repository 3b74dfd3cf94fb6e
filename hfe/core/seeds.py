"""Seeds derived from (global seed, key, ...), independent of job order, chunking and platform.

A chunk of the decay library is identified by (global seed, species, chunk index); hashing the
tuple with SHA-256 gives seeds that are stable across Python versions and machines (Python's
own ``hash`` is salted per process and must never be used for this).
"""

from __future__ import annotations

import hashlib
import uuid

PYTHIA_MAX_SEED = 900_000_000  # PYTHIA 8 accepts Random:seed in [1, 900 000 000]


def derive_seed(global_seed: int, *keys: object) -> int:
    """A 64-bit unsigned seed from the global seed and any number of keys (str or int)."""
    text = "|".join([str(int(global_seed))] + [str(k) for k in keys])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def pythia_seed(global_seed: int, *keys: object) -> int:
    """A seed in PYTHIA's accepted range [1, 900 000 000]."""
    return 1 + derive_seed(global_seed, "pythia", *keys) % (PYTHIA_MAX_SEED - 1)


def deterministic_uuid(global_seed: int, *keys: object) -> uuid.UUID:
    """A UUID for a ROOT file header that is a function of the seeds only (reruns match)."""
    return uuid.UUID(int=derive_seed(global_seed, "uuid", *keys) << 64 | derive_seed(global_seed, "uuid2", *keys))
