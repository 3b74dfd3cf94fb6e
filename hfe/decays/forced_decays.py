"""PYTHIA decay-table settings that make the decay library cheaper without changing its physics.

A decay channel belongs to one of three *groups*: ``electron`` (an e among its products),
``tau`` (a tau, no e) and ``other``. Settings, applied to a PYTHIA instance before ``init()``:

* **Light decays off.** Particles whose role on a heavy-flavour decay chain is ``stop``
  (light hadrons, muons; :func:`hfe.core.pdg_codes.decay_chain_role`) are not decayed: nothing
  below them counts as a heavy-flavour electron, so their decays only cost time.
* **Forced decays below the parent.** Every open-charm hadron with an electron or tau channel
  (D0, D+, Ds+, Lambda_c+, Xi_c, Omega_c and antiparticles) decays through those channels only,
  and the tau through its electron channel only; the open-charm tau channels are sampled less
  often (``daughter_tau_scale``). An electron whose chain passes through such a particle carries
  the factor B_g / P_g of the channel group g it decayed through (PYTHIA's branching fraction
  over the probability with which the group was sampled; :func:`daughter_forcing`). Channels
  switched off give no heavy-flavour electron (their products are light hadrons, muons and
  neutrinos), so the weighted electron yield equals PYTHIA's unforced one.
* **Stratified parents.** Each parent decays through the channels of one group, chosen at
  random with the configured ``shares`` (renormalised over the groups the species has; charm
  parents skip ``other``, which gives no electron). A parent of group g carries the weight
  B_g / share_g, with B_g PYTHIA's branching fraction of the group: every per-parent average
  (electrons, non-prompt D0) stays unbiased, whatever the shares. The shares only set where the
  time goes: electron channels are cheap three-body decays; a tau decay with PYTHIA's spin
  treatment costs about 0.5 ms (150 times a D0 decay, measured here), so tau channels get a small
  share; hadronic beauty decays (the b -> c -> e cascade and the non-prompt D0) get the rest.

Particle and antiparticle can have different channel lists in PYTHIA (onMode 2 / 3), so every
fraction and weight is kept per signed PDG code. The weights are products of a few fixed numbers,
and the response and yields sum them exactly (:class:`hfe.stats.exact_sums.ExactWeightedHistogram`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hfe.core import pdg_codes

GROUPS = ("electron", "tau", "other")
DEFAULT_SHARES = {"charm": {"electron": 0.99, "tau": 0.01}, "beauty": {"electron": 0.6, "tau": 0.01, "other": 0.39}}


@dataclass(frozen=True)
class ForcedDecays:
    """Library option: ``enabled`` switches forcing and stratification on (light decays are off
    either way); ``shares[flavour][group]`` is the probability of each parent group;
    ``daughter_tau_scale`` scales the tau channels of open-charm hadrons below the parent."""

    enabled: bool = True
    shares: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: DEFAULT_SHARES)
    daughter_tau_scale: float = 0.05

    @classmethod
    def from_config(cls, settings: Mapping) -> "ForcedDecays":
        """From ``decay_library.forced_decays`` of the (validated) config."""
        return cls(settings["enabled"], settings["shares"], settings["daughter_tau_scale"])

    def as_dict(self) -> dict:
        return {"enabled": self.enabled, "shares": {k: dict(v) for k, v in self.shares.items()}, "daughter_tau_scale": self.daughter_tau_scale}


def _all_particle_ids(particle_data) -> list[int]:
    ids, code = [], 1
    while code:
        ids.append(code)
        code = particle_data.nextId(code)
    return ids


def channel_group(channel) -> str:
    products = {abs(channel.product(i)) for i in range(channel.multiplicity())}
    if pdg_codes.ELECTRON in products:
        return "electron"
    return "tau" if pdg_codes.TAU in products else "other"


def _applies_to(channel, pdg: int) -> bool:
    """PYTHIA's onMode: 0 off, 1 on, 2 on for the particle only, 3 on for the antiparticle only."""
    return channel.onMode() == 1 or channel.onMode() == (2 if pdg > 0 else 3)


def _channels(particle_data, pdg: int) -> list:
    entry = particle_data.particleDataEntryPtr(abs(pdg))
    return [entry.channel(i) for i in range(entry.sizeChannels())]


def group_fraction(particle_data, pdg: int, groups: tuple[str, ...]) -> float:
    """PYTHIA's branching fraction of the channels of ``pdg`` (signed: particle or antiparticle)
    in ``groups``, among the channels PYTHIA uses for it."""
    total = kept = 0.0
    for channel in _channels(particle_data, pdg):
        if _applies_to(channel, pdg):
            total += channel.bRatio()
            kept += channel.bRatio() if channel_group(channel) in groups else 0.0
    if total <= 0:
        raise ValueError(f"PYTHIA has no open decay channel for {pdg}")
    return kept / total


def has_channels_in(particle_data, pdg: int, groups: tuple[str, ...]) -> bool:
    return any(channel.onMode() != 0 and channel_group(channel) in groups for channel in _channels(particle_data, pdg))


def keep_only(particle_data, pdg: int, groups: tuple[str, ...]) -> list[str]:
    """Settings that switch off the channels of ``|pdg|`` outside ``groups``."""
    return [
        f"{abs(pdg)}:{i}:onMode = 0"
        for i, channel in enumerate(_channels(particle_data, pdg))
        if channel.onMode() != 0 and channel_group(channel) not in groups
    ]


def light_decay_settings(particle_data) -> list[str]:
    """``mayDecay = off`` for every decaying particle whose decays cannot give a counted electron."""
    return [
        f"{code}:mayDecay = off"
        for code in _all_particle_ids(particle_data)
        if pdg_codes.decay_chain_role(code) == "stop" and particle_data.mayDecay(code)
    ]


def daughter_forcing(particle_data, tau_scale: float) -> tuple[list[str], dict[int, dict[str, float]]]:
    """Settings that force the particles below a parent and the factors {signed PDG: {group:
    factor}} that an electron picks up when its chain passes through such a particle decaying
    through a channel of that group.

    The tau keeps its electron channel (factor: its branching fraction B_e). An open-charm hadron
    keeps its electron and tau channels, the tau channels' branching ratios scaled by
    ``tau_scale`` (tau decays are slow; the scaling samples them less often): a channel group g is
    then chosen with probability P_g = k_g B_g / sum_g' k_g' B_g' (k = 1 for electron channels),
    and the factor is B_g / P_g.
    """
    if not 0.0 < tau_scale <= 1.0:
        raise ValueError(f"forced_decays.daughter_tau_scale must be in (0, 1], got {tau_scale}")
    scales = {pdg_codes.TAU: {"electron": 1.0}}
    for code in _all_particle_ids(particle_data):
        if pdg_codes.decay_chain_role(code) == "open_charm" and has_channels_in(particle_data, code, ("electron", "tau")):
            scales[code] = {"electron": 1.0, "tau": tau_scale}
    settings, factors = [], {}
    for code, scale in scales.items():
        settings += keep_only(particle_data, code, tuple(scale))
        settings += [
            f"{code}:{i}:bRatio = {channel.bRatio() * scale['tau']!r}"
            for i, channel in enumerate(_channels(particle_data, code))
            if channel.onMode() != 0 and channel_group(channel) == "tau" and "tau" in scale and scale["tau"] != 1.0
        ]
        for signed in (code, -code):
            branching = {g: group_fraction(particle_data, signed, (g,)) for g in scale}
            sampled = sum(scale[g] * branching[g] for g in scale)
            factors[signed] = {g: sampled / scale[g] for g in scale}
    return settings, factors


@dataclass(frozen=True)
class ParentGroup:
    """One stratum of parents: the channel ``group`` they decay through, the probability
    ``share`` of choosing it, PYTHIA's branching fraction per signed PDG code, and the settings."""

    group: str
    share: float
    branching: Mapping[int, float]
    settings: tuple[str, ...]

    def weight(self, pdg: int) -> float:
        """Parent weight B_g / share_g of a parent of this group."""
        return self.branching[pdg] / self.share


def parent_groups(particle_data, pdg: int, flavour: str, shares: Mapping[str, float]) -> list[ParentGroup]:
    """The strata of a parent species: the groups it has (charm: no ``other``), with the
    configured shares renormalised over them."""
    wanted = [g for g in GROUPS if g in shares and not (flavour == "charm" and g == "other")]
    present = [g for g in wanted if has_channels_in(particle_data, pdg, (g,))]
    if flavour == "beauty" and "other" not in present:
        raise ValueError("beauty parents need a share for the 'other' (hadronic) channels")
    for g in present:
        if min(group_fraction(particle_data, c, (g,)) for c in (pdg, -pdg)) <= 0:
            raise ValueError(f"{pdg}: particle and antiparticle differ in having '{g}' channels")
    total = sum(shares[g] for g in present)
    if total <= 0 or any(shares[g] <= 0 for g in present):
        raise ValueError(f"shares of the decay groups {present} must be positive, got {dict(shares)}")
    return [
        ParentGroup(
            group=g,
            share=shares[g] / total,
            branching={c: group_fraction(particle_data, c, (g,)) for c in (pdg, -pdg)},
            settings=tuple(keep_only(particle_data, pdg, (g,))),
        )
        for g in present
    ]
