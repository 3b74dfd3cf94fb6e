"""A table drawn from the fits' own likelihood around an expectation: the toys of the coverage
study and the pseudo-data inputs of a closure (``decomposition.input_tables``).

    value = (1 + s z_0) m + L z,    z_0, z ~ N(0, 1)

``m``: the expected values (e.g. the truth folded to the table's bins); ``L``: the Cholesky factor
of the table's covariance in the fit (:func:`hfe.stats.covariance.table_covariance`: stat
diagonal, systematics with the configured pT correlation); ``s``: the table's normalisation
uncertainty as the fit's nuisance holds it (:func:`normalisation_sigma`). The drawn table keeps
the quoted uncertainties, so the fit's chi2 uses the covariance the values were drawn from.
Seeded by (seed, "toy", toy, label): a toy is the same whatever else is drawn.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hfe.core.seeds import derive_seed
from hfe.stats.covariance import SystematicCorrelation, normalisation_sigma, table_covariance
from hfe.tables.published import MeasurementTable


def draw_toy_table(
    table: MeasurementTable, expected: np.ndarray, correlation: SystematicCorrelation, seed: int, label: str, toy: int
) -> MeasurementTable:
    """Toy ``toy`` (an index, or a name such as ``pseudo-input``) of ``table`` around
    ``expected`` (module docstring); ``label`` names the table in the seed. NaN expectations
    (bins a model does not reach) stay NaN."""
    rng = np.random.default_rng(derive_seed(seed, "toy", toy, label))
    expected = np.asarray(expected, dtype=np.float64)
    covariance = table_covariance(table, correlation)
    # a tiny ridge keeps a fully correlated systematic factorisable
    factor = np.linalg.cholesky(covariance + 1e-12 * np.max(np.diag(covariance)) * np.eye(len(expected)))
    scale = 1.0 + normalisation_sigma(table) * rng.standard_normal()
    value = scale * expected + factor @ rng.standard_normal(len(expected))
    return replace(table, value=value, source=f"{table.source} (toy {toy} around the truth)")
