"""Physics of the decay generator: which electrons count, their origin and their parent."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from hfe.core import pdg_codes
from hfe.core.electron_origin import ElectronOrigin
from hfe.core.species import SPECIES
from hfe.decays.forced_decays import ForcedDecays
from hfe.decays.generator import generate_decays, heavy_flavour_electrons, make_decayer


def pythia_table_electron_fraction(pythia, pdg: int, product: int) -> float:
    """Sum over PYTHIA's decay channels of BR x (number of |product| in the channel)."""
    entry = pythia.particleData.particleDataEntryPtr(pdg)
    total = 0.0
    for k in range(entry.sizeChannels()):
        channel = entry.channel(k)
        products = [abs(channel.product(j)) for j in range(channel.multiplicity())]
        total += channel.bRatio() * products.count(product)
    return total


def electrons_per_parent(decays: ak.Array, origin: ElectronOrigin) -> tuple[float, float]:
    """Weighted electrons of ``origin`` per parent and its MC error (spread of per-parent sums)."""
    per_parent = ak.to_numpy(ak.sum(decays.electron.weight * (decays.electron.origin == int(origin)), axis=1))
    return per_parent.sum() / len(decays), np.sqrt(np.sum(per_parent**2)) / len(decays)


@pytest.mark.parametrize("name", ["D0", "Dplus", "Lc"])
def test_direct_charm_electrons_match_pythia_decay_table(name):
    """The ancestry walk finds every electron of the decay table, and nothing else:
    the electron yield equals sum(BR x n_e) over PYTHIA's channels (independent count)."""
    species = SPECIES[name]
    decays = generate_decays(species, 30_000, global_seed=3, chunk=0)
    pythia = make_decayer(1)
    expected = pythia_table_electron_fraction(pythia, species.pdg, 11)
    measured, error = electrons_per_parent(decays, ElectronOrigin.DIRECT)
    assert abs(measured - expected) < 3.5 * error, (measured, expected, error)


def test_ds_tau_electrons_match_table():
    """Ds+ -> tau nu, tau -> e nu nu: stored with origin VIA_TAU at BR(Ds -> tau) x BR(tau -> e)."""
    decays = generate_decays(SPECIES["Ds"], 40_000, global_seed=3, chunk=1)
    pythia = make_decayer(1)
    tau_to_e = pythia_table_electron_fraction(pythia, 15, 11)
    expected = pythia_table_electron_fraction(pythia, 431, 15) * tau_to_e
    measured, error = electrons_per_parent(decays, ElectronOrigin.VIA_TAU)
    assert abs(measured - expected) < 3.5 * error, (measured, expected, error)


def test_dalitz_and_conversion_electrons_are_not_counted():
    """Electrons below light hadrons or photons exist in the record but are not returned;
    every returned electron has only heavy-flavour hadrons, taus or partons above it."""
    pythia = make_decayer(17)
    event = pythia.event
    mass = SPECIES["Dplus"].mass
    excluded = counted = 0
    for _ in range(100):
        event.reset()
        for _ in range(50):
            event.append(411, 81, 0, 0, 0.0, 0.0, 0.0, mass, mass)
        assert pythia.next()
        visited: set[int] = set()
        found = []
        for slot in range(1, 51):
            found += [p.index() for p, _, _ in heavy_flavour_electrons(event, slot, False, visited)]
        for i in range(event.size()):
            particle = event[i]
            if particle.idAbs() != 11 or not particle.isFinal():
                continue
            chain, mother = [], particle.mother1()
            while mother > 50:
                chain.append(event[mother].id())
                mother = event[mother].mother1()
            clean = all(
                pdg_codes.is_heavy_flavour_hadron(c) or abs(c) == 15 or pdg_codes.is_parton_or_special(c) for c in chain
            )
            if clean:
                counted += 1
                assert i in found
            else:
                excluded += 1
                assert i not in found
    assert excluded > 0, "expected pi0/eta Dalitz electrons in D+ decays"
    assert counted > 0


def test_charmonium_electrons_are_flagged():
    """J/psi -> e+e- electrons from B+ decays are stored as CHARMONIUM, in e+e- pairs, at least
    at the rate of PYTHIA's direct B+ -> J/psi X channels x BR(J/psi -> ee) x 2 (feed-down from
    psi(2S) and chi_c adds to it)."""
    decays = generate_decays(SPECIES["Bplus"], 30_000, global_seed=3, chunk=2)
    measured, error = electrons_per_parent(decays, ElectronOrigin.CHARMONIUM)
    pythia = make_decayer(1)
    direct_jpsi = pythia_table_electron_fraction(pythia, 521, 443)
    lower_bound = direct_jpsi * pythia_table_electron_fraction(pythia, 443, 11)
    assert measured > lower_bound - 3 * error, (measured, lower_bound)
    charmonium = decays.electron[decays.electron.origin == int(ElectronOrigin.CHARMONIUM)]
    assert ak.all(ak.num(charmonium) % 2 == 0)
    assert ak.all(ak.sum(charmonium.charge, axis=1) == 0)


def test_electron_charge_follows_the_parent_quark():
    """c -> s e+ nu: D0 (c u-bar) gives e+, anti-D0 gives e-. B+ (u b-bar): b-bar -> e+ directly,
    while the cascade b-bar -> c-bar -> e- mostly gives e- (PDG: 8.02 % vs 1.6 % wrong sign).
    This checks that each electron is mapped to its own parent."""
    d0 = generate_decays(SPECIES["D0"], 20_000, global_seed=5, chunk=0)
    sign = np.sign(ak.to_numpy(d0.pdg))
    direct = d0.electron.origin == int(ElectronOrigin.DIRECT)
    charge, parent_sign = ak.broadcast_arrays(d0.electron.charge, sign)
    assert ak.all(charge[direct] == parent_sign[direct])

    bplus = generate_decays(SPECIES["Bplus"], 20_000, global_seed=5, chunk=1)
    sign = np.sign(ak.to_numpy(bplus.pdg))
    charge, parent_sign = ak.broadcast_arrays(bplus.electron.charge, sign)
    same = charge == parent_sign
    direct = bplus.electron.origin == int(ElectronOrigin.DIRECT)
    cascade = bplus.electron.origin == int(ElectronOrigin.VIA_CHARM)
    assert ak.all(same[direct])
    weight = bplus.electron.weight[cascade]
    opposite_fraction = 1 - ak.sum(weight * same[cascade]) / ak.sum(weight)
    assert 0.7 < opposite_fraction < 0.95, opposite_fraction


def test_parent_kinematics_are_flat_and_conjugates_balanced():
    decays = generate_decays(SPECIES["Lc"], 20_000, global_seed=9, chunk=0)
    pt, y = ak.to_numpy(decays.pt), ak.to_numpy(decays.y)
    assert 0 <= pt.min() and pt.max() <= 40.0 and np.abs(y).max() <= 1.0
    counts = np.histogram(pt, bins=4, range=(0, 40))[0]
    assert np.all(np.abs(counts - 5000) < 4 * np.sqrt(5000))
    assert abs(np.mean(np.sign(ak.to_numpy(decays.pdg)))) < 4 / np.sqrt(20_000)
    # Lambda_c+ has only electron channels among its forced ones: one parent group, weight B_e
    expected = pythia_table_electron_fraction(make_decayer(1), 4122, 11)
    assert np.allclose(ak.to_numpy(decays.weight), expected, rtol=1e-12)
    assert ak.all(ak.num(decays.electron) == 1) and ak.all(decays.electron.weight == decays.weight)


def test_same_seed_same_decays_other_chunk_other_decays():
    species = SPECIES["B0"]
    first = generate_decays(species, 2_000, global_seed=1, chunk=3)
    again = generate_decays(species, 2_000, global_seed=1, chunk=3)
    other = generate_decays(species, 2_000, global_seed=1, chunk=4)
    assert ak.to_list(first) == ak.to_list(again)
    assert not np.array_equal(ak.to_numpy(first.pt), ak.to_numpy(other.pt))


def _yields_and_spectrum(decays: ak.Array) -> dict:
    """Per-origin electrons per parent, electron pT spectrum (4 bins) and non-prompt D0 per
    parent, each with its MC error from the spread of the per-parent sums."""
    n = len(decays)
    out = {}
    for origin in (ElectronOrigin.DIRECT, ElectronOrigin.VIA_CHARM, ElectronOrigin.VIA_TAU):
        out[origin.name] = electrons_per_parent(decays, origin)
    hf = decays.electron[decays.electron.origin < int(ElectronOrigin.CHARMONIUM)]
    for low, high in ((0, 1), (1, 2), (2, 5), (5, 40)):
        inside = (hf.pt >= low) & (hf.pt < high)
        per_parent = ak.to_numpy(ak.sum(hf.weight * inside, axis=1))
        out[f"pt {low}-{high}"] = (per_parent.sum() / n, np.sqrt(np.sum(per_parent**2)) / n)
    d0 = ak.to_numpy(ak.num(decays.dzero) * decays.weight)
    out["D0"] = (d0.sum() / n, np.sqrt(np.sum(d0**2)) / n)
    return out


@pytest.mark.parametrize("name", ["Ds", "Bs", "Bplus"])
def test_forced_decays_reproduce_the_unforced_library(name):
    """Forced, stratified decays with their weights give the same electron yields per origin,
    the same electron pT spectrum and the same non-prompt D0 yield as decaying every parent
    through all its channels (independent samples: pulls within 4 sigma, chi2 sane). Ds and Bs
    exercise the tau channels (Ds -> tau nu below the parent, scaled by daughter_tau_scale)."""
    species = SPECIES[name]
    forced = _yields_and_spectrum(generate_decays(species, 30_000, global_seed=4, chunk=0))
    unforced = _yields_and_spectrum(generate_decays(species, 30_000, global_seed=4, chunk=1, forcing=ForcedDecays(enabled=False)))
    pulls = {
        key: (forced[key][0] - unforced[key][0]) / np.hypot(forced[key][1], unforced[key][1])
        for key in forced
        if unforced[key][0] > 0
    }
    assert all(abs(p) < 4 for p in pulls.values()), pulls
    assert sum(p * p for p in pulls.values()) < 3 * len(pulls), pulls


def test_forced_charm_parent_weights_are_branching_fraction_over_share():
    """D+ parents: electron channels (share 0.99) and tau channels (share 0.01), weights
    B_group / share with PYTHIA's own branching fractions."""
    decays = generate_decays(SPECIES["Dplus"], 20_000, global_seed=6, chunk=0)
    pythia = make_decayer(1)
    b_e = pythia_table_electron_fraction(pythia, 411, 11)
    b_tau = pythia_table_electron_fraction(pythia, 411, 15)
    weights = ak.to_numpy(decays.weight)
    assert set(np.round(weights, 12)) == {round(b_e / 0.99, 12), round(b_tau / 0.01, 12)}
    tau_share = np.mean(np.isclose(weights, b_tau / 0.01))
    assert abs(tau_share - 0.01) < 4 * np.sqrt(0.01 / 20_000)


def test_forcing_settings_are_checked():
    with pytest.raises(ValueError, match="daughter_tau_scale"):
        generate_decays(SPECIES["D0"], 10, global_seed=1, chunk=0, forcing=ForcedDecays(daughter_tau_scale=0.0))
    with pytest.raises(ValueError, match="other"):
        generate_decays(SPECIES["B0"], 10, global_seed=1, chunk=0, forcing=ForcedDecays(shares={"charm": {}, "beauty": {"electron": 1.0}}))
