"""Clock times ("HH:MM") as numbers, and statistics that respect midnight.

A time answer is held as minutes since midnight (0 ≤ m < 1440). Averaging those numbers
directly is wrong for bedtimes: 23:30 and 00:30 would average to 12:00. We *unwrap* the times
onto the 24-hour window centred on their circular mean (the direction of the mean unit vector
on the clock face), then use ordinary mean, median, sd and t interval on the unwrapped minutes,
and finally wrap the results back into 0..1439. 23:30 and 00:30 have circular mean 00:00, so
they unwrap to 1410 and 1470 and average to 1440 → 00:00.

Why not the circular mean alone: it has no median, sd or t interval; unwrapping gives all of
them and agrees with the circular mean whenever the times span less than 12 hours (every
realistic bedtime or wake-up question). When the answers are spread evenly round the clock
the circular mean is undefined; then the window starts at noon (the "evening day").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MINUTES_PER_DAY = 1440
#: Times before this minute belong to the next day when reading bedtimes (00:30 is later than 23:00).
NOON = 720


def parse_minutes(values) -> pd.Series:
    """"HH:MM" strings (or numbers already in minutes) → float minutes since midnight, NaN if blank."""
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype(float)
    # A day has only 1440 distinct times: parse each distinct string once, then spread by code.
    codes, uniques = pd.factorize(series)
    parts = pd.Series(uniques, dtype="string").str.extract(r"^\s*(\d{1,2}):(\d{2})\s*$")
    hours = pd.to_numeric(parts[0]).to_numpy(dtype=float)
    minutes = pd.to_numeric(parts[1]).to_numpy(dtype=float)
    parsed = np.where((hours <= 23) & (minutes <= 59), hours * 60 + minutes, np.nan)
    parsed = np.append(parsed, np.nan)  # code −1 (missing) reads the trailing NaN
    return pd.Series(parsed[codes], index=series.index)


def format_hhmm(minutes) -> str | None:
    """Minutes (any real number, wrapped into one day) → "HH:MM" rounded to the minute; None for NaN."""
    if minutes is None or not np.isfinite(minutes):
        return None
    whole = int(round(float(minutes))) % MINUTES_PER_DAY
    return f"{whole // 60:02d}:{whole % 60:02d}"


def circular_centre(minutes) -> float:
    """The circular mean of clock times in minutes, in [0, 1440); noon-anchored midnight if undefined."""
    values = np.asarray(minutes, dtype=float)
    values = values[np.isfinite(values)]
    angles = values * (2 * np.pi / MINUTES_PER_DAY)
    vector = complex(np.cos(angles).sum(), np.sin(angles).sum())
    # A resultant this short means no preferred direction: fall back to the evening window.
    if values.size == 0 or abs(vector) < 1e-9 * max(values.size, 1):
        return 0.0
    return float(np.angle(vector) * MINUTES_PER_DAY / (2 * np.pi)) % MINUTES_PER_DAY


def unwrap(minutes, centre: float):
    """Shift each time by whole days onto the window [centre − 720, centre + 720)."""
    values = np.asarray(minutes, dtype=float)
    low = centre - MINUTES_PER_DAY / 2
    return low + np.mod(values - low, MINUTES_PER_DAY)


def evening_minutes(minutes):
    """Bedtime-style reading: times before noon count as after midnight (+1440), for fixed limits."""
    values = np.asarray(minutes, dtype=float)
    return np.where(values < NOON, values + MINUTES_PER_DAY, values)
