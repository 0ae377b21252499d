"""Time the statistics package on 100,000 synthetic responses (prints the figures only).

Run from the project root: .venv/bin/python benchmarks/stats_summary.py [N]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.definitions import load_directory  # noqa: E402
from app.statistics import (  # noqa: E402
    build_frame, indicators_by, measure_frame, summarise,
)

SURVEYS = Path(__file__).resolve().parents[1] / "surveys"


def synthetic_records(survey, count: int, seed: int = 1) -> list[dict]:
    """`count` valid-looking responses to `survey`, spread over 40 schools in 5 zones and 2 years."""
    rng = np.random.default_rng(seed)
    columns = {}
    for q in survey.questions:
        values = [o.value for o in q.options]
        if q.type == "grade":
            columns[q.id] = rng.choice(values[:9], count)
        elif q.type in ("single", "likert"):
            columns[q.id] = rng.choice(values, count)
        elif q.type == "multiple":
            picks = rng.choice(values[:-1], (count, 2))
            columns[q.id] = [sorted(set(p)) for p in picks.tolist()]
        elif q.type == "number":
            step = q.step or 1
            columns[q.id] = (np.round(rng.uniform(q.min, q.max, count) / step) * step).tolist()
        elif q.type == "time":
            minutes = rng.normal(21.5 * 60, 50, count).astype(int) % 1440
            columns[q.id] = [f"{m // 60:02d}:{m % 60:02d}" for m in minutes.tolist()]
        else:
            columns[q.id] = rng.choice(["", "很好", "希望作业少一点"], count)
    ids = list(columns)
    lists = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in columns.items()}
    school = rng.integers(0, 40, count).tolist()
    period = rng.choice([2024, 2025], count).tolist()
    return [{"response_id": i, "school_id": school[i], "zone_id": school[i] % 5, "launch_id": 1,
             "period": period[i], "answers": {k: lists[k][i] for k in ids}} for i in range(count)]


def timed(label: str, func, repeat: int = 3):
    """Run `func` `repeat` times and print the best wall time."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<48} {best * 1000:8.1f} ms")
    return result


def main(count: int = 100_000) -> None:
    """Build frames and time the summary and grouped indicators for two built-in surveys."""
    surveys = {s.key: s for s in load_directory(SURVEYS)}
    for key in ("sleep", "satisfaction"):
        survey = surveys[key]
        records = synthetic_records(survey, count)
        print(f"survey {key!r}: {count:,} responses, {len(survey.questions)} questions")
        frame = timed("  build_frame", lambda: build_frame(survey, records))
        timed("  summarise (whole launch)", lambda: summarise(survey, frame))
        measures = measure_frame(survey, frame)
        timed("  indicators_by zone × school × period",
              lambda: indicators_by(measures, ["zone_id", "school_id", "period"]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
