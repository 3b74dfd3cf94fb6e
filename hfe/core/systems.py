"""A collision system as the fits see it: its name, kind and nuclear overlap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hfe.core.species import MICROBARN_PER_MILLIBARN


@dataclass(frozen=True)
class CollisionSystem:
    """``kind`` is ``pp`` or ``PbPb``; ``taa_per_mb``/``taa_error_per_mb``: <T_AA> and its
    uncertainty in mb^-1 (Pb-Pb only), the one R_AA of the electrons is divided by;
    ``inputs_taa_per_mb``/``inputs_taa_error_per_mb``: the <T_AA> by which the published R_AA
    inputs were divided (reads them back as yields; not varied by the T_AA systematic)."""

    name: str
    kind: str
    taa_per_mb: float | None = None
    taa_error_per_mb: float | None = None
    inputs_taa_per_mb: float | None = None
    inputs_taa_error_per_mb: float | None = None

    @classmethod
    def from_config(cls, config: Mapping, name: str) -> "CollisionSystem":
        """From ``systems.<name>`` of the config (``kind``, ``taa_per_mb``)."""
        setup = config["systems"][name]
        taa = setup.get("taa_per_mb")
        inputs = setup.get("inputs_taa_per_mb", taa)
        return cls(
            name, setup["kind"], taa["value"] if taa else None, taa["error"] if taa else None,
            inputs["value"] if inputs else None, inputs["error"] if inputs else None,
        )

    @property
    def is_pp(self) -> bool:
        return self.kind == "pp"

    @property
    def taa_per_microbarn(self) -> float:
        """<T_AA> in microbarn^-1: turns a pp cross section in microbarn into a per-event yield."""
        return self.taa_per_mb / MICROBARN_PER_MILLIBARN

    @property
    def inputs_taa_per_microbarn(self) -> float:
        """<T_AA> of the published R_AA inputs in microbarn^-1."""
        return self.inputs_taa_per_mb / MICROBARN_PER_MILLIBARN

    @property
    def inputs_taa_relative_error(self) -> float:
        return self.inputs_taa_error_per_mb / self.inputs_taa_per_mb

    @property
    def taa_relative_error(self) -> float:
        return self.taa_error_per_mb / self.taa_per_mb


def collision_systems(config: Mapping) -> list[CollisionSystem]:
    """Every system of the config, in config order."""
    return [CollisionSystem.from_config(config, name) for name in config["systems"]]
