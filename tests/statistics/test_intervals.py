"""Intervals and two-sample differences agree with scipy and statsmodels."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep, proportion_confint, proportions_ztest,
)

from app.statistics import (
    newcombe_difference, t_interval, two_proportion_z_test, welch_difference, wilson_interval,
)


def test_wilson_matches_statsmodels_vectorised_over_groups():
    k = np.array([0, 1, 5, 9, 10, 37, 250])
    n = np.array([10, 10, 10, 10, 10, 80, 251])
    low, high = wilson_interval(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_statsmodels_for_any_count(pair):
    k, n = pair
    low, high = wilson_interval(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)
    assert 0 <= low <= k / n <= high <= 1


def test_wilson_of_an_empty_group_is_undefined():
    low, high = wilson_interval([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_wilson_hand_computed_case():
    # 8 of 10: centre = (0.8 + z²/20)/(1 + z²/10), half = z/(1 + z²/10)·√(0.016 + z²/400)
    z = stats.norm.ppf(0.975)
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * np.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    assert low == pytest.approx(0.4901625, abs=1e-6) and high == pytest.approx(0.9433178, abs=1e-6)


def test_t_interval_matches_scipy_for_each_group():
    rng = np.random.default_rng(3)
    samples = [rng.normal(8, 1.5, size) for size in (2, 5, 30, 400)]
    means = [s.mean() for s in samples]
    sds = [s.std(ddof=1) for s in samples]
    low, high = t_interval(means, sds, [s.size for s in samples])
    for i, s in enumerate(samples):
        ref = stats.t.interval(0.95, s.size - 1, loc=s.mean(), scale=stats.sem(s))
        assert (low[i], high[i]) == pytest.approx(ref, rel=1e-12)


def test_t_interval_needs_two_answers():
    low, high = t_interval([5.0], [np.nan], [1])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_newcombe_matches_statsmodels():
    cases = [(45, 60, 30, 55), (0, 12, 3, 15), (12, 12, 10, 14), (300, 1000, 280, 1100)]
    for k1, n1, k2, n2 in cases:
        d, low, high = newcombe_difference(k1, n1, k2, n2)
        ref_low, ref_high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb",
                                                       compare="diff", alpha=0.05)
        assert d == pytest.approx(k1 / n1 - k2 / n2)
        assert (low, high) == pytest.approx((ref_low, ref_high), abs=1e-10)


def test_two_proportion_z_test_matches_statsmodels():
    z, p = two_proportion_z_test(45, 60, 30, 55)
    ref_z, ref_p = proportions_ztest([45, 30], [60, 55])
    assert z == pytest.approx(ref_z) and p == pytest.approx(ref_p)


def test_welch_matches_scipy():
    rng = np.random.default_rng(7)
    a, b = rng.normal(60, 20, 40), rng.normal(52, 35, 25)
    d, low, high, p = welch_difference(a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1), b.size)
    ref = stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d == pytest.approx(a.mean() - b.mean())
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert p == pytest.approx(ref.pvalue, rel=1e-10)
