"""What the disclosure gate costs (issue 6): how much of the demo county is published, how far
figures lag the stored answers, and how long taking and checking steps takes.

Run from the project root:

    .venv/bin/python benchmarks/disclosure_cost.py [--min-group-size 10] [--repeat 20]

On a fresh SQLite database under $TMPDIR (migrated, surveys synced, the demo county loaded as
`make run` does; its responses arrive unpublished, as after the migration), it:

1. times the first publication: `advance()` over every launch (each takes its first step);
2. reports, per launch and per school, stored vs published responses, the lag (stored −
   published, always < MIN_GROUP_SIZE right after a read), launches and schools with answers but
   nothing published, and figures lagging behind their launch's step;
3. times `advance()` when nothing is due (the check every read makes) against a same-run
   baseline: the cheapest query the app makes, `SELECT count(*) FROM launches`, and against
   `county_results` on warm caches (what a page read costs anyway).

Prints a table; exit status 0.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(function, repeat: int) -> float:
    """Median wall time of `function()` in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-group-size", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from app import create_app
    from app.demo.cli import load_demo
    from app.disclosure import advance
    from app.extensions import db
    from app.launches.models import Launch
    from app.responses.models import Response
    from app.results.services import county_results
    from app.surveys.sync import sync_surveys

    folder = Path(tempfile.mkdtemp(prefix="dudao_gate_"))
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "MIN_GROUP_SIZE": args.min_group_size})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        sync_surveys(app.config["SURVEYS_DIR"])
        load_demo(2026)
        stored = db.session.scalar(select(func.count(Response.id)))
        began = time.perf_counter()
        steps = advance()
        first_ms = (time.perf_counter() - began) * 1000

        per_launch = db.session.execute(
            select(Launch.id, Launch.school_id, Launch.published_step, Launch.lagging,
                   func.count(Response.id), func.count(Response.step))
            .join(Response, Response.launch_id == Launch.id, isouter=True).group_by(Launch.id)).all()
        published = sum(row[5] for row in per_launch)
        lags = [row[4] - row[5] for row in per_launch if row[4]]
        unpublished_launches = [row for row in per_launch if row[4] and not row[5]]
        schools = {}
        for _id, school, _step, _lagging, n, shown in per_launch:
            total = schools.setdefault(school, [0, 0])
            total[0] += n
            total[1] += shown
        dark_schools = [s for s, (n, shown) in schools.items() if n and not shown]
        lagging = sum(len(row[3] or {}) for row in per_launch)

        county_results("parent")   # warm
        check_ms = timed(advance, args.repeat)
        baseline_ms = timed(lambda: db.session.execute(text("SELECT count(*) FROM launches")).scalar(), args.repeat)
        county_ms = timed(lambda: county_results("parent"), args.repeat)
        db.engine.dispose()

    print(f"demo county, MIN_GROUP_SIZE={args.min_group_size}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"responses stored {stored}, published {published} ({published / stored:.1%}); "
          f"first publication: {steps} steps in {first_ms:.0f} ms")
    print(f"launches with answers {len(lags)}; with answers but nothing published {len(unpublished_launches)} "
          f"(holding {sum(r[4] for r in unpublished_launches)} answers)")
    print(f"lag per launch (stored - published): mean {statistics.mean(lags):.1f}, max {max(lags)}, "
          f"launches with no lag {sum(1 for lag in lags if lag == 0)}")
    print(f"schools with answers {sum(1 for n, _ in schools.values() if n)}; with nothing published "
          f"{len(dark_schools)}")
    print(f"figures lagging behind their launch's step: {lagging}")
    print(f"advance() with nothing due: {check_ms:.2f} ms median; baseline SELECT count(*): "
          f"{baseline_ms:.2f} ms (ratio {check_ms / baseline_ms:.1f}x); cached county_results "
          f"(includes the check): {county_ms:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
