"""Turn numpy/pandas scalars into plain JSON-safe Python values (no NaN, no numpy types)."""
from __future__ import annotations

import math

import numpy as np


def to_float(value) -> float | None:
    """A plain Python float for JSON, or None for NaN, infinity or a missing value."""
    if value is None or value is np.ma.masked:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def plain(value):
    """numpy scalars → Python scalars and NaN → None, so a label is JSON-safe."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
