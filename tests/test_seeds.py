import hashlib

from hfe.core.seeds import PYTHIA_MAX_SEED, derive_seed, deterministic_uuid, pythia_seed


def test_seed_is_a_pure_function_of_keys():
    # SHA-256 based: the same on every machine and Python version (hash() would be salted)
    assert derive_seed(1, "D0", 0) == derive_seed(1, "D0", 0)
    expected = int.from_bytes(hashlib.sha256(b"1|D0|0").digest()[:8], "little")
    assert derive_seed(1, "D0", 0) == expected


def test_seeds_differ_between_species_chunks_and_global_seed():
    seeds = {derive_seed(g, s, c) for g in (1, 2) for s in ("D0", "B0") for c in range(3)}
    assert len(seeds) == 12


def test_pythia_seed_range_and_uuid():
    for chunk in range(50):
        assert 1 <= pythia_seed(5, "Lb", chunk) <= PYTHIA_MAX_SEED
    assert deterministic_uuid(1, "D0", 0) == deterministic_uuid(1, "D0", 0)
    assert deterministic_uuid(1, "D0", 0) != deterministic_uuid(1, "D0", 1)
