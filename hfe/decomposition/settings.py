"""The settings of the charm/beauty decomposition (config section ``decomposition``), built once
from the rule's params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hfe.stats.covariance import SystematicCorrelation


@dataclass(frozen=True)
class DecompositionSettings:
    """``shape``: pp spectrum shape of D0 and b hadrons; ``hfe_fit_range`` (GeV/c): HFE bins
    fitted; ``nonprompt_constraint``: fit the non-prompt D0 data; ``raa_shape``: R_AA curve per
    flavour (Pb-Pb); ``charm_ratios``: D+, Ds, Lc to D0 curves; ``beauty_fractions``: b-hadron
    fractions; ``max_chi2_ndf``: a worse fit is an error; ``semileptonic_scale``: factor per
    species on its electron response; ``comparisons``: published R_AA tables per system;
    ``systematic_correlation``: pT correlation of the published systematics in every chi2."""

    shape: str
    hfe_fit_range: tuple[float, float]
    nonprompt_constraint: bool
    raa_shape: Mapping[str, Mapping]
    charm_ratios: Mapping[str, Mapping]
    beauty_fractions: Mapping[str, float]
    max_chi2_ndf: float
    semileptonic_scale: Mapping[str, float] = field(default_factory=dict)
    comparisons: Mapping[str, list] = field(default_factory=dict)
    systematic_correlation: SystematicCorrelation = SystematicCorrelation()

    @classmethod
    def from_config(cls, config: Mapping) -> "DecompositionSettings":
        section = config["decomposition"]
        return cls(
            shape=section["shape"],
            hfe_fit_range=tuple(section["hfe_fit_range"]),
            nonprompt_constraint=section["nonprompt_constraint"],
            raa_shape=section["raa_shape"],
            charm_ratios=section["charm_ratios"],
            beauty_fractions=section["beauty_fractions"],
            max_chi2_ndf=section["max_chi2_ndf"],
            semileptonic_scale=section.get("semileptonic_scale", {}),
            comparisons=section.get("comparisons", {}),
            systematic_correlation=SystematicCorrelation.from_config(section.get("systematic_correlation", {})),
        )
