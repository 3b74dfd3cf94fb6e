"""Exact, order-independent event-level moments."""

import numpy as np
import pytest

from hfe.stats.exact_sums import EventSums, MomentSums


def sample(rng, n_events=3000, n_bins=5):
    counts = rng.poisson(2.0, n_events)
    event = np.repeat(np.arange(n_events), counts)
    bins = rng.integers(-1, n_bins + 1, len(event))  # includes under- and overflow
    return event, bins, rng.uniform(0.5, 2.0, len(event)), rng.uniform(-1, 1, len(event))


def test_moments_match_a_direct_computation():
    rng = np.random.default_rng(1)
    event, bins, weight, value = sample(rng)
    sums = MomentSums(5)
    sums.add(event, bins, weight, value)
    m = sums.values()
    inside = (bins >= 0) & (bins < 5)
    n = np.zeros((3000, 5))
    s = np.zeros((3000, 5))
    np.add.at(n, (event[inside], bins[inside]), weight[inside])
    np.add.at(s, (event[inside], bins[inside]), (weight * value)[inside])
    np.testing.assert_allclose(m["n"], n.sum(0), rtol=1e-9)
    np.testing.assert_allclose(m["ss"], (s**2).sum(0), rtol=1e-4)
    np.testing.assert_allclose(m["ns"], (n * s).sum(0), rtol=1e-4)


def test_sums_are_bit_identical_whatever_the_split():
    rng = np.random.default_rng(2)
    event, bins, weight, value = sample(rng)
    whole = MomentSums(5)
    whole.add(event, bins, weight, value)
    parts = MomentSums(5)
    for lo, hi in ((0, 700), (700, 2100), (2100, 3000)):  # whole events per part, added in another order
        sel = (event >= lo) & (event < hi)
        part = MomentSums(5)
        part.add(event[sel] - lo, bins[sel], weight[sel], value[sel])
        parts += part
    for name in whole.sums:
        assert np.array_equal(whole.sums[name], parts.sums[name]), name


def test_totals_beyond_int64_stay_exact_and_a_step_that_could_overflow_is_an_error():
    """Weights of 2^14 (an efficiency of 6e-5): 300 steps of 1024 one-electron events in one bin
    add up to 300 x 2^56 in units of 2^-32, past the int64 range (2^63); the step sums move to
    Python integers on the host before they could overflow, so the totals are exact. A single
    step whose sums could leave int64 is an error, not a wrapped number."""
    sums = MomentSums(2)
    events, ones = np.arange(1024), np.ones(1024)
    for _ in range(300):
        sums.add(events, np.zeros(1024, dtype=int), ones * 2.0**14, -ones, electrons_per_event=1)
    assert sums.sums["n"][0] == 300 * 1024 * 2**46 > 2**63  # 2^14 in units of 2^-32, per electron
    assert sums.sums["s"][0] == -300 * 1024 * 2**46
    assert sums.sums["nn"][0] == sums.sums["ss"][0] == -sums.sums["ns"][0] == 300 * 1024 * 2**44  # (2^14)^2 in 2^-16
    assert sums.values()["n"][0] == 300 * 1024 * 2.0**14
    other = MomentSums(2)  # a second job's totals, also past int64, added exactly
    for _ in range(200):
        other.add(events, np.ones(1024, dtype=int), ones * 2.0**14, None, electrons_per_event=1)
    sums += other
    assert sums.sums["n"].tolist() == [300 * 1024 * 2**46, 200 * 1024 * 2**46]
    many = 2**20
    with pytest.raises(OverflowError, match="1048576 electrons with weights up to 4.1e\\+03 in one step.*measurement.step_size"):
        MomentSums(1).add(np.arange(many), np.zeros(many, dtype=int), np.full(many, 2.0**12), None)


def test_ratio_error_is_the_event_level_error():
    """One electron per event with value +-1 at random: ratio 0 +- 1/sqrt(N)."""
    rng = np.random.default_rng(3)
    n = 40_000
    sums = MomentSums(1)
    sums.add(np.arange(n), np.zeros(n, dtype=int), None, rng.choice([-1.0, 1.0], n))
    ratio, error = sums.ratio()
    assert error[0] == pytest.approx(1 / np.sqrt(n), rel=0.01)
    assert abs(ratio[0]) < 4 * error[0]


def test_event_sums_mean_and_error():
    sums = EventSums(("x",))
    values = np.random.default_rng(4).normal(0.3, 0.1, 10_000)
    sums.n_events = len(values)
    sums.add(x=values)
    mean, error = sums.mean("x")
    assert mean == pytest.approx(values.mean(), abs=1e-9)
    assert error == pytest.approx(values.std() / 100, rel=1e-3)


def test_exact_weighted_histogram_is_order_free_and_right():
    """Weighted sums (negative weights too, as in the flow response) do not depend on the order
    or grouping of the entries, and equal the float sums to rounding."""
    from hfe.stats.exact_sums import ExactWeightedHistogram

    rng = np.random.default_rng(8)
    x, w = rng.uniform(0, 4, 50_000), rng.normal(0.3, 1.5, 50_000)
    bins = (np.linspace(0, 4, 9),)
    one = ExactWeightedHistogram(bins)
    one.fill((x,), w)
    other = ExactWeightedHistogram(bins)
    order = rng.permutation(len(x))
    for part in np.array_split(order, 7):
        other.fill((x[part],), w[part])
    assert np.array_equal(one.sum_w(), other.sum_w()) and np.array_equal(one.sum_w2(), other.sum_w2())
    np.testing.assert_allclose(one.sum_w(), np.histogram(x, bins[0], weights=w)[0], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(one.sum_w2(), np.histogram(x, bins[0], weights=w * w)[0], rtol=1e-10)  # w rounded to 2^-32
    with pytest.raises(ValueError, match="below 16"):
        one.fill((x[:1],), np.array([20.0]))


def test_electron_yields_do_not_depend_on_step_size(decay_library):
    from hfe.decays.electron_yields import measure_electron_yields

    paths = decay_library["Bs"]
    assert measure_electron_yields(paths) == measure_electron_yields(paths[::-1], step_size=777)
