"""ROOT I/O of the decay library: TTree layout, round trip, bad files."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
import uproot

from hfe.core.errors import NtupleError
from hfe.core.species import SPECIES
from hfe.decays.generator import DecayKinematics, generate_decays
from hfe.core.catalogue import PSEUDO_DATA_LIBRARY, RESPONSE_LIBRARY
from hfe.decays.library import library_seed, write_decay_chunk
from hfe.decays.ntuple import (
    ELECTRON_BRANCHES,
    PARENT_BRANCHES,
    TREE_NAME,
    check_decay_file,
    iterate_decays,
    read_provenance,
    write_decay_file,
)


@pytest.fixture(scope="module")
def chunk_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ntuple") / "D0_0.root"
    write_decay_chunk(path, "D0", 0, 5_000, 21, DecayKinematics(), parents_per_event=50)
    return path


def test_file_holds_a_ttree_with_all_branches(chunk_file):
    with uproot.open(chunk_file) as f:
        tree = f[TREE_NAME]
        assert tree.classname.startswith("TTree")  # not an RNTuple
        assert set(PARENT_BRANCHES + ELECTRON_BRANCHES) <= set(tree.keys())
        assert tree.num_entries == 5_000
    provenance = read_provenance(chunk_file)
    assert provenance["species"] == "D0" and provenance["chunk"] == 0 and provenance["global_seed"] == 21
    assert provenance["pythia_version"] == "8.317.0"


def test_round_trip_equals_generated_arrays(chunk_file):
    generated = generate_decays(SPECIES["D0"], 5_000, 21, 0, DecayKinematics(), parents_per_event=50)
    batches = list(iterate_decays([chunk_file], PARENT_BRANCHES + ELECTRON_BRANCHES, step_size=1_000))
    assert len(batches) == 5
    read = ak.concatenate(batches)
    np.testing.assert_array_equal(ak.to_numpy(read.parent_pt), ak.to_numpy(generated.pt))
    np.testing.assert_array_equal(ak.to_numpy(ak.flatten(read.electron_pt)), ak.to_numpy(ak.flatten(generated.electron.pt)))
    assert ak.to_list(read.electron_origin) == ak.to_list(generated.electron.origin)


def test_rerun_gives_identical_payload(tmp_path, chunk_file):
    again = tmp_path / "again.root"
    write_decay_chunk(again, "D0", 0, 5_000, 21, DecayKinematics(), parents_per_event=50)
    with uproot.open(chunk_file) as a, uproot.open(again) as b:
        for branch in PARENT_BRANCHES + ELECTRON_BRANCHES:
            assert ak.to_list(a[TREE_NAME][branch].array()) == ak.to_list(b[TREE_NAME][branch].array()), branch
        assert a.file.uuid == b.file.uuid  # seeded, not random


def test_the_pseudo_data_library_has_its_own_decays(tmp_path, chunk_file):
    """The responses' library keeps the configured seed (its files are unchanged); the
    pseudo-events' own library draws from another stream: no decay is shared (issue 14, no
    inverse crime), yet both are reproducible from the one configured seed."""
    assert library_seed(21, RESPONSE_LIBRARY) == 21
    seed = library_seed(21, PSEUDO_DATA_LIBRARY)
    assert seed != 21 and seed == library_seed(21, PSEUDO_DATA_LIBRARY) and 0 < seed < 2**63
    own = tmp_path / "pseudo.root"
    write_decay_chunk(own, "D0", 0, 5_000, seed, DecayKinematics(), parents_per_event=50)
    assert read_provenance(own)["global_seed"] == seed
    with uproot.open(chunk_file) as a, uproot.open(own) as b:
        parents = [set(zip(*(f[TREE_NAME][k].array(library="np").tolist() for k in ("parent_pt", "parent_y", "parent_phi")))) for f in (a, b)]
        assert not parents[0] & parents[1]  # not one parent (pT, y, phi) in common
        assert a.file.uuid != b.file.uuid


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(NtupleError, match="missing.root"):
        check_decay_file(tmp_path / "missing.root")


def test_corrupt_file_names_the_file(tmp_path, chunk_file):
    truncated = tmp_path / "truncated.root"
    truncated.write_bytes(chunk_file.read_bytes()[:2000])
    with pytest.raises(NtupleError, match="truncated.root"):
        list(iterate_decays([truncated], PARENT_BRANCHES))


def test_missing_branch_names_file_and_branch(tmp_path):
    path = tmp_path / "no_origin.root"
    with uproot.recreate(path) as f:
        f.mktree(TREE_NAME, {"parent_pt": np.float32})
        f[TREE_NAME].extend({"parent_pt": np.ones(3, np.float32)})
    with pytest.raises(NtupleError, match=r"no_origin.root.*electron_origin"):
        check_decay_file(path)


def test_write_is_atomic(tmp_path):
    decays = generate_decays(SPECIES["D0"], 10, 1, 0)
    target = tmp_path / "out.root"
    bad = decays[["pt", "y"]]  # lacks fields: writing fails half way
    with pytest.raises(Exception):
        write_decay_file(target, bad, {})
    assert not target.exists() and not (tmp_path / "out.root.part").exists()
