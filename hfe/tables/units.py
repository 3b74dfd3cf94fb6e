"""Units of a published table checked against what the reading stage expects.

Each stage states the quantity it reads: ``cross_section`` (pp: d(sigma)/dpT dy or deta in
microbarn/(GeV/c)), ``yield`` (Pb-Pb: dN/dpT dy per event, (GeV/c)^-1) or ``ratio``
(dimensionless: R_AA, v2, particle ratios). The table's units are its ``units`` string (HEPData
``header.units`` of the dependent variable, or the CSV ``# units:`` line) and its observable.

* a cross section in pb, nb, mb (or microbarn written ub, mub, µb, microbarn) per GeV is
  converted to microbarn/(GeV/c) — the only unambiguous conversion;
* an invariant cross section or yield, E d3sigma/dp3 = 1/(2 pi pT) d2sigma/dpT dy, would be read
  wrong by a factor 2 pi pT: an error naming the table (convert it first);
* a cross section where a yield or a ratio is expected (or the reverse) is an error;
* a table that states no units is taken as the stage expects (the project CSV tables state them).
"""

from __future__ import annotations

import re
from dataclasses import replace

from hfe.core.errors import TableError
from hfe.tables.published import MeasurementTable, Uncertainty

TO_MICROBARN = {"pb": 1e-6, "nb": 1e-3, "ub": 1.0, "mub": 1.0, "µb": 1.0, "microbarn": 1.0, "mb": 1e3, "millibarn": 1e3}
QUANTITIES = ("cross_section", "yield", "ratio")
_BARN = re.compile(r"(?<![a-z])(pb|nb|ub|mub|µb|microbarn|mb|millibarn)(?![a-z])")
_INVARIANT = re.compile(r"2\s*\*?\s*pi|2π|1/\(?\s*2\s*\*?\s*(pi|π)|e\s*\*?\s*d\s*\^?3|ed3|invariant")


def described_units(table: MeasurementTable) -> str:
    """The table's units and observable, lower-case (what the checks read)."""
    observable = " ".join(table.metadata.get("observable", []))
    return f"{table.units} {observable}".lower()


def expect_units(table: MeasurementTable, quantity: str, where: str) -> MeasurementTable:
    """``table`` in the units ``quantity`` needs (converted where unambiguous); ``where`` names
    the config key or input that reads it. Raises :class:`TableError` naming the file."""
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r} (known: {QUANTITIES})")
    text = described_units(table)
    if _INVARIANT.search(text):
        raise TableError(
            f"{table.source} ({where}): units '{table.units}' describe an invariant cross section or yield "
            "1/(2 pi pT) d2N/dpT dy; this stage reads d2N/dpT dy: multiply by 2 pi pT first"
        )
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
    scaled = {name: Uncertainty(u.up * factor, u.down * factor, u.kind) for name, u in table.uncertainties.items()}
    metadata = {**table.metadata, "converted": [f"{barn.group(1)} -> microbarn (x {factor:g}) by hfe.tables.units"]}
    return replace(table, value=table.value * factor, uncertainties=scaled, units=f"microbarn/(GeV/c) (from {table.units})", metadata=metadata)
