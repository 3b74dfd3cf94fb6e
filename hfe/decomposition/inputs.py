"""The published tables the decomposition and flow fits read, loaded once.

``FitInputs.load(config)`` reads the tables named in the ``decomposition`` (and ``flow``)
config of the systems present; the fits take the loaded tables, so a bootstrap replica is the
same fit on ``replace(inputs, d0_pp=draw_table(...), ...)`` held in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hfe.tables.published import MeasurementTable, load_table


@dataclass(frozen=True)
class FitInputs:
    """D0 and non-prompt D0 pp cross sections, their R_AA per Pb-Pb system and the D-meson v2
    per Pb-Pb system (tables with their published uncertainties)."""

    d0_pp: MeasurementTable | None = None
    nonprompt_pp: MeasurementTable | None = None
    d0_raa: Mapping[str, MeasurementTable] = field(default_factory=dict)
    nonprompt_raa: Mapping[str, MeasurementTable] = field(default_factory=dict)
    dmeson_v2: Mapping[str, MeasurementTable] = field(default_factory=dict)

    @classmethod
    def load(cls, config: Mapping, root: Path = Path(".")) -> "FitInputs":
        """The tables of ``config`` (paths relative to ``root``, the workflow directory) for the
        systems in ``config['systems']``; reads ``decomposition.{d0_pp, nonprompt_pp, d0_raa,
        nonprompt_raa}`` and, where present, ``flow.dmeson_v2``."""
        settings = config["decomposition"]
        pbpb = [s for s, setup in config["systems"].items() if setup["kind"] == "PbPb"]
        has_pp = any(setup["kind"] == "pp" for setup in config["systems"].values())

        def table(path):
            return None if path is None else load_table(Path(root) / path)

        flow = config.get("flow", {}).get("dmeson_v2", {})
        return cls(
            d0_pp=table(settings["d0_pp"]) if has_pp else None,
            nonprompt_pp=table(settings["nonprompt_pp"]) if has_pp else None,
            d0_raa={s: table(settings["d0_raa"][s]) for s in pbpb},
            nonprompt_raa={s: table(settings["nonprompt_raa"][s]) for s in pbpb},
            dmeson_v2={s: table(flow[s]["fit"]) for s in pbpb if s in flow},
        )

    def labelled(self) -> dict[str, MeasurementTable]:
        """Every table by a label unique within the inputs (the bootstrap's draw labels)."""
        out = {"d0_pp": self.d0_pp, "nonprompt_pp": self.nonprompt_pp}
        for system in self.d0_raa:
            out[f"d0_raa_{system}"] = self.d0_raa[system]
            out[f"nonprompt_raa_{system}"] = self.nonprompt_raa[system]
            if system in self.dmeson_v2:
                out[f"dmeson_v2_{system}"] = self.dmeson_v2[system]
        return {label: table for label, table in out.items() if table is not None}
