"""Input-level bootstrap: replicas of a published table drawn within its uncertainties.

Distribution (per replica, from a generator seeded by (seed, table, replica)):
* every bin-to-bin component (``stat``, ``syst``, ``total``): a standard normal z per point and
  component, shifted by ``z * up`` if z > 0 else ``z * down`` (a two-piece normal with the
  published asymmetric errors as its two widths; the mode stays at the published value).
  Statistical z are independent; systematic z are correlated between points as the fits'
  statistical model says (:class:`hfe.stats.covariance.SystematicCorrelation`; a component
  called correlated is fully correlated).
* every normalisation component (``norm``: BR, luminosity, T_AA, global): one z per table and
  component, applied to all points as the relative shift ``z * up/value`` (or down).
The uncertainties of the replica table are those of the published one (the fit's chi2 is
unchanged; only the data move).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import numpy as np

from hfe.core.seeds import derive_seed
from hfe.stats.covariance import SystematicCorrelation, called_correlated
from hfe.tables.published import MeasurementTable


def _two_piece(z: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z * up, z * down)


STATISTICAL_KINDS = ("stat",)  # the components of a table's statistical uncertainty
SYSTEMATIC_KINDS = ("syst", "total", "norm")  # the others (a total-only column counts as systematic)


def draw_table(
    table: MeasurementTable, seed: int, label: str, replica: int, correlation: SystematicCorrelation = SystematicCorrelation(),
    kinds: Collection[str] | None = None,
) -> MeasurementTable:
    """Replica ``replica`` of ``table`` (``label`` names the table in the seed); with ``kinds``
    only the components of those kinds (``stat``, ``syst``, ``total``, ``norm``) move it (the
    random numbers of all are drawn, so a component's shift does not depend on the selection)."""
    rng = np.random.default_rng(derive_seed(seed, "table-replica", label, replica))
    value = table.value.astype(np.float64).copy()
    shift = np.zeros_like(value)
    rho = correlation.matrix(table.pt_center)
    # the Cholesky factor of rho; a tiny ridge keeps a fully correlated rho factorisable
    factor = np.linalg.cholesky(rho + 1e-12 * np.eye(len(value)))
    for name in sorted(table.uncertainties):
        u = table.uncertainties[name]
        if u.kind == "norm" or (u.kind in ("syst", "total") and called_correlated(name)):
            z = np.full_like(value, rng.standard_normal())
        elif u.kind in ("syst", "total"):
            z = factor @ rng.standard_normal(len(value))
        else:
            z = rng.standard_normal(len(value))
        if kinds is None or u.kind in kinds:
            shift += _two_piece(z, u.up, u.down)
    return replace(table, value=value + shift, source=f"{table.source} (bootstrap replica {replica})")
