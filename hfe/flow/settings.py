"""The settings of the v2 analysis (config section ``flow``), built once from the rule's params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FlowSettings:
    """``v2_variable``: D-meson v2 fitted in ``ket`` (KE_T) or ``pt``; ``dmeson_v2``: the D-meson
    v2 curve per system; ``beauty_v2_form``: B-hadron v2 of the global fit; ``hfe_v2_fit_range``
    and ``ncq_range`` (GeV/c); ``min_beauty_fraction``: bins below it are unconstrained in the
    bin-by-bin method; ``max_chi2_ndf``; ``lambda_c_v2``: the Lambda_c v2, ``ncq`` (n_q = 3, own
    mass) or ``dmeson`` (the D-meson v2 as for a meson); ``comparisons``: published v2 tables per
    system; ``rhic_btoe_v2``: the RHIC b->e v2 table of the RHIC-LHC test (None: not tested)."""

    v2_variable: str
    dmeson_v2: Mapping[str, Mapping]
    beauty_v2_form: str
    hfe_v2_fit_range: tuple[float, float]
    ncq_range: tuple[float, float]
    min_beauty_fraction: float
    max_chi2_ndf: float
    lambda_c_v2: str = "ncq"
    comparisons: Mapping[str, list] = field(default_factory=dict)
    rhic_btoe_v2: Mapping | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "FlowSettings":
        section = config["flow"]
        return cls(
            v2_variable=section["v2_variable"],
            dmeson_v2=section["dmeson_v2"],
            beauty_v2_form=section["beauty_v2_form"],
            hfe_v2_fit_range=tuple(section["hfe_v2_fit_range"]),
            ncq_range=tuple(section["ncq_range"]),
            min_beauty_fraction=section["min_beauty_fraction"],
            max_chi2_ndf=section["max_chi2_ndf"],
            lambda_c_v2=section["lambda_c_v2"],
            comparisons=section.get("comparisons", {}),
            rhic_btoe_v2=section.get("rhic_btoe_v2"),
        )
