"""PYTHIA 8 decays of heavy-flavour hadrons into electrons, many parents per PYTHIA event.

Parents are sampled flat in pT over [0, pt_max] (GeV/c), flat in rapidity over |y| < y_max and
flat in azimuth over [-pi, pi); particle and antiparticle with equal probability. PYTHIA runs
with the process level off and decays ``parents_per_event`` parents per call of
``Pythia.next()``, which amortises the Python <-> C++ round trip. The decay history is walked
downwards from each parent (see :mod:`hfe.core.electron_origin` for which electrons count), so
every electron maps to the parent that produced it.

Decays that cannot give a counted electron are switched off, open-charm hadrons are forced
onto their e/tau channels and beauty parents are split into a semileptonic and a hadronic
stratum (:mod:`hfe.decays.forced_decays`): each parent carries the weight of its own decay
(``weight``) and each electron the product of that weight and the forced fractions of the
open-charm hadrons on its chain (``electron.weight``). Weighted, the electron yield per parent
is PYTHIA's own; the rescaling to PDG branching ratios is applied later, when the response is
built (:mod:`hfe.decays.electron_yields`). ``ForcedDecays(enabled=False)`` decays every parent
through all its channels with unit weights (light decays stay off).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import awkward as ak
import numpy as np

from hfe.core import pdg_codes
from hfe.core.electron_origin import ElectronOrigin
from hfe.core.seeds import PYTHIA_MAX_SEED, derive_seed, pythia_seed
from hfe.core.species import HadronSpecies
from hfe.decays.forced_decays import ForcedDecays, ParentGroup, daughter_forcing, light_decay_settings, parent_groups

PARENT_FIELDS = ("pdg", "pt", "y", "phi", "weight")
ELECTRON_FIELDS = ("pt", "eta", "phi", "charge", "origin", "weight")
DZERO_FIELDS = ("pt", "y", "phi")  # non-prompt D0 (and anti-D0) from beauty parents
D0_PDG = 421


@dataclass(frozen=True)
class DecayKinematics:
    """Phase space in which parents are generated (flat in pT, y and phi)."""

    pt_max: float = 40.0  # GeV/c
    y_max: float = 1.0


def pythia_version() -> str:
    """Version string of the installed pythia8mc bindings."""
    from importlib.metadata import version

    return version("pythia8mc")


def make_decayer(seed: int, configure=None):
    """A PYTHIA instance with the process level off, seeded, quiet, ready to decay hadrons.
    ``configure(particle_data)``, if given, returns further settings to apply before init."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    settings = ["ProcessLevel:all = off", "Print:quiet = on", "Next:numberCount = 0", "Random:setSeed = on", f"Random:seed = {seed}"]
    if configure is not None:
        settings += configure(pythia.particleData)
    for setting in settings:
        if not pythia.readString(setting):
            raise RuntimeError(f"PYTHIA rejected setting {setting!r}")
    if not pythia.init():
        raise RuntimeError("PYTHIA initialisation failed")
    return pythia


@dataclass
class LibraryDecayers:
    """PYTHIA instances of one library chunk, one per parent group (stratum), and the factors
    {signed PDG: {channel group: factor}} of the forced particles below the parents (empty when
    nothing is forced; :func:`hfe.decays.forced_decays.daughter_forcing`)."""

    groups: list[ParentGroup]
    decayers: list  # one Pythia per group
    forced_factors: dict[int, dict[str, float]]


def library_decayers(species: HadronSpecies, seed: int, forcing: ForcedDecays = ForcedDecays()) -> LibraryDecayers:
    """The decayers of the library for ``species`` (see :mod:`hfe.decays.forced_decays`); group k
    of the parent is decayed by a PYTHIA seeded from (``seed``, k)."""
    import pythia8mc

    particle_data = pythia8mc.Pythia("", False).particleData
    common = light_decay_settings(particle_data)
    if not forcing.enabled:
        unforced = ParentGroup("all", 1.0, {species.pdg: 1.0, -species.pdg: 1.0}, ())
        return LibraryDecayers([unforced], [make_decayer(seed, lambda _: common)], {})
    daughter_settings, factors = daughter_forcing(particle_data, forcing.daughter_tau_scale)
    groups = parent_groups(particle_data, species.pdg, species.flavour, forcing.shares[species.flavour])
    decayers = [
        make_decayer(seed if k == 0 else 1 + derive_seed(seed, "group", k) % (PYTHIA_MAX_SEED - 1),
                     lambda _, extra=group.settings: common + daughter_settings + list(extra))
        for k, group in enumerate(groups)
    ]
    return LibraryDecayers(groups, decayers, factors)


def _origin(beauty_parent: bool, via_charm: bool, via_tau: bool, charmonium: bool) -> ElectronOrigin:
    """Origin code; a charm hadron between a beauty parent and a tau makes b -> c -> tau -> e
    part of the charm cascade (as in PDG's b -> c -> l), so VIA_TAU is b -> tau -> e only."""
    if charmonium:
        return ElectronOrigin.CHARMONIUM
    if beauty_parent and via_charm:
        return ElectronOrigin.VIA_CHARM
    if via_tau:
        return ElectronOrigin.VIA_TAU
    return ElectronOrigin.DIRECT


def heavy_flavour_electrons(
    event, parent_index: int, beauty_parent: bool, visited: set[int], d0_found: list | None = None,
    forced_factors: dict[int, dict[str, float]] | None = None,
) -> list:
    """Electrons descending from ``event[parent_index]`` through heavy-flavour hadrons, taus and
    partons only. Returns a list of (particle, origin, factor), where ``factor`` is the product,
    over the forced particles below the parent on the electron's chain, of
    ``forced_factors[PDG][group]`` for the channel group (``electron`` if an e is among the
    particle's daughters, else ``tau``) it decayed through (1 when nothing is forced).
    ``visited`` is shared between the parents of one event so that a particle with several
    mothers (hadrons from a string) is seen once. If ``d0_found`` is a list, every D0 / anti-D0
    met on the way is appended to it (the non-prompt D0 of a beauty parent).
    """
    found = []
    forced = forced_factors or {}
    stack = [(parent_index, False, False, False, 1.0)]
    role_of = pdg_codes.decay_chain_role
    while stack:
        index, via_charm, via_tau, charmonium, factor = stack.pop()
        daughters = event.daughterList(index)
        if index != parent_index and event[index].id() in forced:
            ids = [event[d].idAbs() for d in daughters]
            factor *= forced[event[index].id()]["electron" if pdg_codes.ELECTRON in ids else "tau"]
        for daughter in daughters:
            if daughter in visited:
                continue
            visited.add(daughter)
            particle = event[daughter]
            role = role_of(particle.id())
            if role == "stop":
                continue
            if role == "electron" and particle.isFinal():
                found.append((particle, _origin(beauty_parent, via_charm, via_tau, charmonium), factor))
            elif role in ("electron", "transparent", "heavy"):
                stack.append((daughter, via_charm, via_tau, charmonium, factor))
            elif role == "tau":
                stack.append((daughter, via_charm, True, charmonium, factor))
            elif role == "open_charm":
                if d0_found is not None and abs(particle.id()) == D0_PDG:
                    d0_found.append(particle)
                # charmonium counts only as the last heavy hadron above the electron:
                # B -> psi(3770) -> D D-bar -> e is b -> c -> e, not a J/psi electron
                stack.append((daughter, True, via_tau, False, factor))
            else:  # charmonium
                stack.append((daughter, via_charm, via_tau, True, factor))
    return found


def sample_parents(rng: np.random.Generator, species: HadronSpecies, n: int, kinematics: DecayKinematics) -> dict:
    """Parent kinematics flat in pT, y, phi; charge conjugate with probability 1/2."""
    sign = np.where(rng.random(n) < 0.5, 1, -1)
    return {
        "pdg": (sign * species.pdg).astype(np.int32),
        "pt": rng.uniform(0.0, kinematics.pt_max, n),
        "y": rng.uniform(-kinematics.y_max, kinematics.y_max, n),
        "phi": rng.uniform(-math.pi, math.pi, n),
    }


def assign_groups(rng: np.random.Generator, groups: list[ParentGroup], n: int) -> np.ndarray:
    """Index into ``groups`` of each parent, drawn with the groups' shares."""
    if len(groups) == 1:
        return np.zeros(n, dtype=np.int64)
    edges = np.cumsum([group.share for group in groups])[:-1]
    return np.searchsorted(edges, rng.random(n), side="right")


def generate_decays(
    species: HadronSpecies,
    n_parents: int,
    global_seed: int,
    chunk: int,
    kinematics: DecayKinematics = DecayKinematics(),
    parents_per_event: int = 200,
    decayers: LibraryDecayers | None = None,
    forcing: ForcedDecays = ForcedDecays(),
) -> ak.Array:
    """Decay ``n_parents`` hadrons of ``species``; return one record per parent with the parent
    fields of :data:`PARENT_FIELDS`, a jagged ``electron`` record of :data:`ELECTRON_FIELDS` and
    a jagged ``dzero`` record of :data:`DZERO_FIELDS` (non-prompt D0, empty for charm parents).

    The result depends only on (species, n_parents, global_seed, chunk, kinematics,
    parents_per_event, forcing): the numpy generator and PYTHIA are both seeded from these.
    """
    if parents_per_event < 1:
        raise ValueError("parents_per_event must be at least 1")
    rng = np.random.default_rng(derive_seed(global_seed, "decays", species.name, chunk))
    if decayers is None:
        decayers = library_decayers(species, pythia_seed(global_seed, species.name, chunk), forcing)
    parents = sample_parents(rng, species, n_parents, kinematics)
    group_of = assign_groups(rng, decayers.groups, n_parents)
    parents["weight"] = np.array([decayers.groups[k].weight(code) for k, code in zip(group_of.tolist(), parents["pdg"].tolist())])
    mass = species.mass
    mt = np.sqrt(parents["pt"] ** 2 + mass**2)
    px = (parents["pt"] * np.cos(parents["phi"])).tolist()
    py = (parents["pt"] * np.sin(parents["phi"])).tolist()
    pz = (mt * np.sinh(parents["y"])).tolist()
    energy = (mt * np.cosh(parents["y"])).tolist()
    pdg = parents["pdg"].tolist()
    weight = parents["weight"].tolist()
    beauty = species.flavour == "beauty"

    # filled group by group; electron_parent / dzero_parent put them back in parent order
    columns: dict[str, list] = {name: [] for name in ELECTRON_FIELDS}
    electron_parent: list[int] = []
    d0_columns: dict[str, list] = {name: [] for name in DZERO_FIELDS}
    dzero_parent: list[int] = []
    for block in range(0, n_parents, parents_per_event):
        block_groups = group_of[block : block + parents_per_event]
        for index, pythia in enumerate(decayers.decayers):
            members = (block + np.flatnonzero(block_groups == index)).tolist()
            if not members:
                continue
            event = pythia.event
            event.reset()
            for i in members:
                event.append(pdg[i], 81, 0, 0, px[i], py[i], pz[i], energy[i], mass)
            if not pythia.next():
                raise RuntimeError(f"PYTHIA failed to decay parents {members[0]}..{members[-1]} of {species.name}")
            visited: set[int] = set()
            for slot, i in enumerate(members, start=1):
                d0s: list = []
                electrons = heavy_flavour_electrons(event, slot, beauty, visited, d0s if beauty else None, decayers.forced_factors)
                for particle in d0s:
                    d0_columns["pt"].append(particle.pT())
                    d0_columns["y"].append(particle.y())
                    d0_columns["phi"].append(particle.phi())
                    dzero_parent.append(i)
                for particle, origin, factor in electrons:
                    columns["pt"].append(particle.pT())
                    columns["eta"].append(particle.eta())
                    columns["phi"].append(particle.phi())
                    columns["charge"].append(-1 if particle.id() > 0 else 1)
                    columns["origin"].append(int(origin))
                    columns["weight"].append(weight[i] * factor)
                    electron_parent.append(i)

    types = {"pt": np.float32, "eta": np.float32, "phi": np.float32, "charge": np.int8, "origin": np.int8, "weight": np.float64}
    electrons = _in_parent_order({name: np.asarray(columns[name], dtype=types[name]) for name in ELECTRON_FIELDS}, electron_parent, n_parents)
    dzero = _in_parent_order({name: np.asarray(d0_columns[name], dtype=np.float32) for name in DZERO_FIELDS}, dzero_parent, n_parents)
    return ak.zip(
        {
            "pdg": parents["pdg"],
            "pt": parents["pt"].astype(np.float32),
            "y": parents["y"].astype(np.float32),
            "phi": parents["phi"].astype(np.float32),
            "weight": parents["weight"],
            "electron": electrons,
            "dzero": dzero,
        },
        depth_limit=1,
    )


def _in_parent_order(flat: dict[str, np.ndarray], parent: list[int], n_parents: int) -> ak.Array:
    """Jagged array (one list per parent) of the daughters in ``flat``, whose parents are
    ``parent`` (daughters of one parent keep their order)."""
    parent = np.asarray(parent, dtype=np.int64)
    order = np.argsort(parent, kind="stable")
    counts = np.bincount(parent, minlength=n_parents)
    return ak.unflatten(ak.zip({name: values[order] for name, values in flat.items()}), counts)
