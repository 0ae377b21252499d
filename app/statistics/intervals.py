"""95% intervals and two-sample differences, vectorised over groups (arrays in, arrays out).

Every function accepts scalars or equal-length arrays and returns float arrays (NaN where the
figure is undefined, e.g. n = 0); callers turn NaN into JSON null with `jsonsafe.to_float`.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

#: Two-sided 95%.
CONFIDENCE = 0.95
#: The standard normal quantile for 95%: z = Φ⁻¹(0.975) ≈ 1.959964.
Z95 = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for k successes out of n: returns (low, high) arrays.

    With p = k/n:  centre = (p + z²/2n) / (1 + z²/n),
                   half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²),
    and the interval is centre ± half. NaN where n = 0.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = centre - half, centre + half
    # At k = 0 (k = n) the bound is exactly 0 (1); say so rather than print 1.7e-18.
    low = np.where(k <= 0, 0.0, np.clip(low, 0.0, 1.0))
    high = np.where(k >= n, 1.0, np.clip(high, 0.0, 1.0))
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def t_interval(mean, sd, n, confidence: float = CONFIDENCE):
    """Student's t interval for a mean: mean ± t(1−α/2; n−1) · sd/√n, sd with ddof 1.

    Returns (low, high) arrays; NaN where n < 2 (no spread can be estimated from one answer).
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        half = stats.t.ppf(0.5 + confidence / 2, df) * sd / np.sqrt(n)
    return mean - half, mean + half


def newcombe_difference(k1, n1, k2, n2, z: float = Z95):
    """Newcombe's hybrid score interval (method 10) for p1 − p2, from the two Wilson intervals.

    With (l1, u1), (l2, u2) the Wilson intervals and d = p1 − p2:
        low  = d − √((p1 − l1)² + (u2 − p2)²)
        high = d + √((u1 − p1)² + (p2 − l2)²)
    Returns (d, low, high) arrays.
    """
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    return (d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def two_proportion_z_test(k1, n1, k2, n2):
    """Two-sided z-test of p1 = p2 with the pooled variance: returns (z, p_value) arrays.

    z = (p1 − p2) / √(p̄(1−p̄)(1/n1 + 1/n2)), p̄ = (k1 + k2)/(n1 + n2); p = 2(1 − Φ(|z|)).
    """
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        z = (k1 / n1 - k2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, 2 * stats.norm.sf(np.abs(z))


def welch_difference(mean1, sd1, n1, mean2, sd2, n2, confidence: float = CONFIDENCE):
    """Welch's interval and two-sided t-test for mean1 − mean2 (unequal variances).

    se = √(s1²/n1 + s2²/n2); df = se⁴ / ((s1²/n1)²/(n1−1) + (s2²/n2)²/(n2−1));
    interval d ± t(1−α/2; df)·se; p = 2·(1 − T_df(|d/se|)). Returns (d, low, high, p_value).
    """
    mean1, sd1, n1, mean2, sd2, n2 = (np.asarray(a, dtype=float)
                                      for a in (mean1, sd1, n1, mean2, sd2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = sd1 ** 2 / n1, sd2 ** 2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
        d = mean1 - mean2
        half = stats.t.ppf(0.5 + confidence / 2, df) * se
        p = 2 * stats.t.sf(np.abs(d / se), df)
    return d, d - half, d + half, p
