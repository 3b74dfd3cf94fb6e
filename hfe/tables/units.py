"""Units of a published table checked against what the reading stage expects.

Each stage states the quantity it reads: ``cross_section`` (pp: d(sigma)/dpT dy or deta in
microbarn/(GeV/c)), ``yield`` (Pb-Pb: dN/dpT dy per event, (GeV/c)^-1) or ``ratio``
(dimensionless: R_AA, v2, particle ratios). The table's units are its ``units`` string (HEPData
``header.units`` of the dependent variable, or the CSV ``# units:`` line) and its observable.

* a cross section in pb, nb, mb (or microbarn written ub, mub, µb, microbarn) per GeV is
  converted to microbarn/(GeV/c) — the only unambiguous conversion;
* an invariant cross section or yield, E d3sigma/dp3 = 1/(2 pi pT) d2sigma/dpT dy, would be read
  wrong by a factor 2 pi pT: an error naming the table, unless the input says ``invariant: true``
  (then value x 2 pi pT_center, the bin centre or the published point; for a local power law
  pT^-n the bin-centre conversion differs from the bin average by about (n + 1) (dpT/pT)^2 / 24,
  below 2 % for every PHENIX bin: :func:`bin_centre_conversion_bias`). ``invariant: true`` on a
  table whose units do not say invariant is an error too;
* ``per_event_cross_section_mb``: a yield per event of a class with this cross section is read
  as a cross section (x that cross section);
* a cross section where a yield or a ratio is expected (or the reverse) is an error;
* momenta or energies in MeV, keV or TeV are an error (pT and the per-GeV/c density would both
  need converting, and a table rarely says which columns its unit applies to);
* a table that states no units is taken as the stage expects (the project CSV tables state them).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from hfe.core.errors import TableError
from hfe.tables.published import MeasurementTable, Uncertainty

TO_MICROBARN = {"pb": 1e-6, "nb": 1e-3, "ub": 1.0, "mub": 1.0, "µb": 1.0, "microbarn": 1.0, "mb": 1e3, "millibarn": 1e3}
QUANTITIES = ("cross_section", "yield", "ratio")
_BARN = re.compile(r"(?<![a-z])(pb|nb|ub|mub|µb|microbarn|mb|millibarn)(?![a-z])")
_NOT_GEV = re.compile(r"(?<![a-z])(mev|kev|tev)(?![a-z])")
_NOT_GEV_NAMES = {"mev": "MeV", "kev": "keV", "tev": "TeV"}
_INVARIANT = re.compile(r"2\s*\*?\s*pi|2π|1/\(?\s*2\s*\*?\s*(pi|π)|e\s*\*?\s*d\s*\^?3|ed3|invariant")


def described_units(table: MeasurementTable) -> str:
    """The table's units and observable, lower-case (what the checks read)."""
    observable = " ".join(table.metadata.get("observable", []))
    return f"{table.units} {observable}".lower()


def expect_units(table: MeasurementTable, quantity: str, where: str, invariant: bool = False,
                 per_event_cross_section_mb: float | None = None) -> MeasurementTable:
    """``table`` in the units ``quantity`` needs (converted where unambiguous or declared by the
    input's options ``invariant`` and ``per_event_cross_section_mb``); ``where`` names the
    config key or input that reads it. Raises :class:`TableError` naming the file."""
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r} (known: {QUANTITIES})")
    text = described_units(table)
    not_gev = _NOT_GEV.search(text)
    if not_gev:
        raise TableError(
            f"{table.source} ({where}): units '{table.units}' use {_NOT_GEV_NAMES[not_gev.group(1)]}; "
            "this stage reads pT in GeV/c and densities per GeV/c: convert the table"
        )
    says_invariant = bool(_INVARIANT.search(text))
    if says_invariant and not invariant:
        raise TableError(
            f"{table.source} ({where}): units '{table.units}' describe an invariant cross section or yield "
            "1/(2 pi pT) d2N/dpT dy; this stage reads d2N/dpT dy: multiply by 2 pi pT first, or set the input's "
            "option invariant: true"
        )
    if invariant and not says_invariant:
        raise TableError(
            f"{table.source} ({where}): the option invariant: true is set, but the table's units and observable "
            f"('{table.units}') do not describe an invariant yield 1/(2 pi pT) d2N/dpT dy"
        )
    if invariant:
        table = from_invariant(table)
    if per_event_cross_section_mb is not None:
        if quantity != "cross_section":
            raise TableError(f"{table.source} ({where}): per_event_cross_section_mb applies to a cross-section input only")
        table = scaled(table, per_event_cross_section_mb, "mb", f"yield per event x {per_event_cross_section_mb:g} mb (per_event_cross_section_mb)")
        text = "mb"
    barn = _BARN.search(text.replace("micro barn", "microbarn"))
    if quantity != "cross_section":
        if barn:
            raise TableError(
                f"{table.source} ({where}): units '{table.units}' are a cross section ({barn.group(1)}); "
                f"this stage reads a {'per-event yield' if quantity == 'yield' else 'dimensionless ratio'}"
            )
        return table
    if barn is None:
        return table
    factor = TO_MICROBARN[barn.group(1)]
    if factor == 1.0:
        return table
    return scaled(table, factor, f"microbarn/(GeV/c) (from {table.units})", f"{barn.group(1)} -> microbarn (x {factor:g}) by hfe.tables.units")


def scaled(table: MeasurementTable, factor, units: str, note: str) -> MeasurementTable:
    """``table`` with values and every uncertainty times ``factor`` (a number or one per bin)."""
    factor = np.asarray(factor, dtype=float)
    uncertainties = {name: Uncertainty(u.up * factor, u.down * factor, u.kind) for name, u in table.uncertainties.items()}
    metadata = {**table.metadata, "converted": table.metadata.get("converted", []) + [note]}
    return replace(table, value=table.value * factor, uncertainties=uncertainties, units=units, metadata=metadata)


def from_invariant(table: MeasurementTable) -> MeasurementTable:
    """d2N/dpT dy from an invariant yield 1/(2 pi pT) d2N/dpT dy: x 2 pi pT_center (GeV/c)."""
    if np.any(table.pt_center <= 0):
        raise TableError(f"{table.source}: an invariant yield needs pT_center > 0 in every bin")
    units = table.units.replace("GeV^-2 c^3", "GeV^-1 c").replace("(GeV/c)^-2", "(GeV/c)^-1")
    return scaled(table, 2.0 * np.pi * table.pt_center, f"{units} [x 2 pi pT: no longer invariant]",
                  "invariant yield x 2 pi pT_center (hfe.tables.units.from_invariant)")


def bin_centre_conversion_bias(low, high, power: float) -> np.ndarray:
    """Relative difference between the bin-centre conversion (2 pi pT_c x <invariant yield>) and
    the bin average of d2N/dpT dy for a spectrum d2N/dpT dy ~ pT^-power over [low, high]."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    grid = np.linspace(0.0, 1.0, 2001)
    pt = low[:, None] + (high - low)[:, None] * grid[None, :]
    dndpt = pt ** (-power)
    converted = 0.5 * (low + high) * np.trapezoid(dndpt / pt, grid, axis=1)
    return converted / np.trapezoid(dndpt, grid, axis=1) - 1.0
