"""Pseudo-data event generator: heavy-flavour hadrons from the truth model, decayed with the library.

For each event of a system (in blocks of ``block_size`` events, each block seeded from
(global seed, system, block) so that the events do not depend on how blocks are grouped into
chunks; pseudo-data sample k > 0 appends ("sample", k) to the keys, sample 0 being the nominal
events):

1. a reaction-plane angle Psi_RP uniform in [0, 2 pi) and three sub-event flow vectors
   (:mod:`hfe.measurement.event_plane`) with the configured resolutions;
2. per species a Poisson number of hadrons (particles and antiparticles) in |y| < y_max of the
   library, mean ``2 * 2 y_max * integral of dN/dpTdy`` (the truth spectra are charge averaged);
   pT from the truth spectrum, y flat, phi from 1 + 2 v2(pT) cos 2(phi - Psi_RP);
3. each hadron decayed by a random library decay, rotated and boosted (:mod:`hfe.pseudodata.decay_sampler`);
   the electrons follow the branching-ratio rescaling of the analysis (``electron_yields.json``):
   hadrons are generated ``f_max`` times more often (``f_max`` the largest factor of the species,
   at least 1) and each electron is kept with probability ``f_origin / f_max``, so that electrons
   per hadron are PYTHIA's times ``f_origin`` while only electrons are stored;
4. photonic background electrons: Poisson(ratio x heavy-flavour electrons of the block in
   acceptance), pT from the background spectrum, flat in eta, v2 of the background curve;
5. electrons in |eta| < eta_max kept, with the true pT, a smeared pT (resolution
   sigma/pT = a (+) b pT) and a ``reconstructed`` flag drawn from the efficiency at the true pT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hfe.core.electron_origin import EventElectronOrigin
from hfe.core.lorentz import four_momentum_from_pt_y_phi, pt_eta_phi
from hfe.core.seeds import derive_seed
from hfe.core.species import SPECIES
from hfe.decays.folding import integrate_over_bins
from hfe.fitting.shapes import Curve
from hfe.measurement.event_plane import chi_of_resolution, sample_q_vectors

SUBEVENTS = ("a", "b", "c")


class InverseCdf:
    """Sampler of a non-negative function of pT on [0, pt_max] by inversion of its binned CDF."""

    def __init__(self, function, pt_max: float, n_bins: int = 4000):
        self.edges = np.linspace(0.0, pt_max, n_bins + 1)
        content = np.clip(integrate_over_bins(function, self.edges), 0.0, None)
        self.total = float(content.sum())
        self.cdf = np.concatenate([[0.0], np.cumsum(content)]) / (self.total if self.total > 0 else 1.0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.interp(rng.random(n), self.cdf, self.edges)


def sample_azimuth(rng: np.random.Generator, psi: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """phi from 1 + 2 v2 cos 2(phi - psi) by acceptance-rejection (|v2| < 0.5)."""
    phi = np.empty(len(psi))
    todo = np.arange(len(psi))
    while len(todo):
        trial = rng.uniform(-math.pi, math.pi, len(todo))
        envelope = 1.0 + 2.0 * np.abs(v2[todo])
        accept = rng.random(len(todo)) * envelope < 1.0 + 2.0 * v2[todo] * np.cos(2.0 * (trial - psi[todo]))
        phi[todo[accept]] = trial[accept]
        todo = todo[~accept]
    return phi


@dataclass
class SystemSetup:
    """Everything the generator needs for one system, prepared once per job."""

    name: str
    centrality: float  # centre of the class in percent (-1 for pp)
    resolutions: tuple[float, float, float] | None
    spectra: dict  # species -> InverseCdf of dN/dpTdy per event
    v2: dict  # species -> callable v2(pT)
    decays: dict  # species -> RestFrameDecays
    scale_factors: dict  # species -> electron weight per library origin (hfe.decays.electron_yields)
    y_max: float
    pt_max: float
    eta_max: float
    efficiency: Curve
    resolution_terms: tuple[float, float]
    background_ratio: float
    background_spectrum: InverseCdf
    background_v2: Curve


def sample_keys(sample: int) -> tuple:
    """Seed keys of a pseudo-data sample: none for the nominal sample 0 (its events predate the
    key), ("sample", k) for k > 0."""
    return ("sample", int(sample)) if sample else ()


def generate_block(setup: SystemSetup, global_seed: int, block: int, n_events: int, sample: int = 0) -> dict:
    """Events ``block * n_events ... (block + 1) * n_events - 1`` of a system and pseudo-data
    sample: a dict of flat event arrays and flat electron arrays with their event index."""
    rng = np.random.default_rng(derive_seed(global_seed, "events", setup.name, block, *sample_keys(sample)))
    psi_rp = rng.uniform(0.0, 2.0 * math.pi, n_events)
    events = {"event_id": block * n_events + np.arange(n_events, dtype=np.int64), "psi_rp": psi_rp}
    for k, sub in enumerate(SUBEVENTS):
        if setup.resolutions is None:
            qx = qy = np.zeros(n_events)
        else:
            qx, qy = sample_q_vectors(rng, psi_rp, chi_of_resolution(setup.resolutions[k]))
        events[f"q{sub}_x"], events[f"q{sub}_y"] = qx, qy

    parts = []
    for species, spectrum in setup.spectra.items():
        # branching-ratio rescaling and library weights: hadrons x the largest electron weight
        # (if above 1), electrons kept with weight x factor / that boost
        factors = np.asarray(setup.scale_factors[species], dtype=float)
        boost_factor = max(setup.decays[species].max_weight(factors), 1.0)
        mean = boost_factor * 2.0 * 2.0 * setup.y_max * spectrum.total  # particles + antiparticles, |y| < y_max
        counts = rng.poisson(mean, n_events)
        owner_event = np.repeat(np.arange(n_events), counts)
        pt = spectrum.sample(rng, len(owner_event))
        y = rng.uniform(-setup.y_max, setup.y_max, len(owner_event))
        phi = sample_azimuth(rng, psi_rp[owner_event], setup.v2[species](pt))
        hadrons = four_momentum_from_pt_y_phi(pt, y, phi, SPECIES[species].mass)
        decayed = setup.decays[species].decay(rng, hadrons, factors / boost_factor)
        pt_e, eta_e, phi_e = pt_eta_phi(decayed["momenta"])
        parts.append((owner_event[decayed["hadron"]], pt_e, eta_e, phi_e, decayed["charge"], decayed["origin"]))
    event, pt, eta, phi, charge, origin = (np.concatenate(columns) for columns in zip(*parts))
    accepted = np.abs(eta) < setup.eta_max
    event, pt, eta, phi, charge, origin = (a[accepted] for a in (event, pt, eta, phi, charge, origin))

    n_background = rng.poisson(setup.background_ratio * len(pt)) if setup.background_ratio > 0 else 0
    if n_background:
        b_event = rng.integers(0, n_events, n_background)
        b_pt = setup.background_spectrum.sample(rng, n_background)
        b_phi = sample_azimuth(rng, psi_rp[b_event], setup.background_v2(b_pt))
        event = np.concatenate([event, b_event])
        pt = np.concatenate([pt, b_pt])
        eta = np.concatenate([eta, rng.uniform(-setup.eta_max, setup.eta_max, n_background)])
        phi = np.concatenate([phi, b_phi])
        charge = np.concatenate([charge, np.where(rng.random(n_background) < 0.5, 1, -1).astype(np.int8)])
        origin = np.concatenate([origin, np.full(n_background, EventElectronOrigin.BACKGROUND, dtype=np.int8)])

    order = np.argsort(event, kind="stable")
    event, pt, eta, phi, charge, origin = (a[order] for a in (event, pt, eta, phi, charge, origin))
    constant, linear = setup.resolution_terms
    sigma = np.hypot(constant, linear * pt)
    measured_pt = pt * (1.0 + sigma * rng.normal(size=len(pt))) if (constant or linear) else pt.copy()
    reconstructed = rng.random(len(pt)) < setup.efficiency(pt)
    electrons = {
        "pt": measured_pt,
        "true_pt": pt,
        "eta": eta,
        "phi": phi,
        "charge": charge,
        "origin": origin,
        "reconstructed": reconstructed,
    }
    return {"events": events, "electrons": electrons, "electron_event": event}
