"""Decay-library (MC statistics) replicas of a response matrix.

Each cell R[i, j] of a response is a sum of parent weights divided by the (fixed) number of
generated parents of bin j; its MC error is ``matrix_error``. A replica redraws every cell as a
Poisson count of its effective number of entries, n_eff = (R / sigma_R)^2:
``R* = R x Poisson(n_eff) / n_eff``, which is what Poisson(1) weights per parent give when each
parent puts at most one daughter in a given cell (true for nearly all decays). Cells of
different parent bins are independent; the small correlation between the cells filled by two
electrons of one parent is neglected. Flow responses (signed cos 2 delta-phi sums) are redrawn
as Gaussians, ``R* = R + z sigma_R``. Seeds: (global seed, species, daughter, replica).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hfe.core.seeds import derive_seed
from hfe.decays.response import ResponseMatrix


def draw_response(response: ResponseMatrix, seed: int, replica: int) -> ResponseMatrix:
    species = response.provenance.get("species", "")
    rng = np.random.default_rng(derive_seed(seed, "response-replica", species, response.daughter, replica))
    matrix, error = response.matrix, response.matrix_error
    if response.daughter.endswith("_flow"):
        drawn = matrix + rng.standard_normal(matrix.shape) * error
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(error > 0, (matrix / error) ** 2, 0.0)
            drawn = np.where(n_eff > 0, matrix * rng.poisson(n_eff) / n_eff, matrix)
    provenance = {**response.provenance, "bootstrap_replica": replica}
    return replace(response, matrix=drawn, provenance=provenance)
