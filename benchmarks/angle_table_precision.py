"""Design study for the GPU measurement (issue 20): cos 2(phi - Psi) from an integer-angle table.

CPU (numpy/libm) and GPU (CUDA math library) cosines may differ in the last bit, and the exact
fixed-point sums (2^-32 quanta, hfe.stats.exact_sums) would carry such a difference, so CPU = GPU
bit for bit needs one deterministic definition of the cosine. Candidate: angles as integers
k = rint(angle * 2^B / 2pi) (one correctly rounded IEEE multiply and rint: identical on both),
cos 2(phi - Psi) = table[(2 (k_phi - k_Psi)) mod 2^B] with the table built once on the host.
This prints, for B = 16, 20, 24 and the electrons of one event ntuple, the largest per-electron
change of cos 2(phi - Psi_RP) and the change of its mean (the observed v2 before the resolution
correction) against float64 numpy.

    python benchmarks/angle_table_precision.py results/events/PbPb_30-50/chunk_0.root
"""

import sys

import awkward as ak
import numpy as np
import uproot

from hfe.measurement.event_ntuple import TREE_NAME


def main(path: str) -> None:
    with uproot.open(path) as f:
        tree = f[TREE_NAME]
        phi_jagged = tree["electron_phi"].array()
        phi = ak.to_numpy(ak.flatten(phi_jagged)).astype(np.float64)
        psi = np.repeat(tree["psi_rp"].array(library="np"), ak.to_numpy(ak.num(phi_jagged)))
    exact = np.cos(2.0 * (phi - psi))
    print(f"{path}: {len(phi)} electrons, <cos 2(phi - Psi_RP)> = {exact.mean():.6f} (float64 numpy)")
    for bits in (16, 20, 24):
        n = 1 << bits
        table = np.cos(2.0 * np.pi * np.arange(n) / n)
        k_phi = np.rint(phi * (n / (2.0 * np.pi))).astype(np.int64)
        k_psi = np.rint(psi * (n / (2.0 * np.pi))).astype(np.int64)
        change = table[(2 * (k_phi - k_psi)) % n] - exact
        print(f"2^{bits} angles ({8 * n / 2**20:.1f} MiB table): max |change| per electron {np.abs(change).max():.2e}, "
              f"change of the mean {change.mean():+.2e}")


if __name__ == "__main__":
    main(sys.argv[1])
