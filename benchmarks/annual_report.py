"""The county annual report at scale (issue 8): PDF and XLSX over 1,000,000 responses and 200
schools, each against the county indicators computation it builds on, in the same run.

Run from the project root:

    .venv/bin/python benchmarks/annual_report.py [--db sqlite|postgres] [--responses 1000000 --schools 200] [--reuse]

Data: benchmarks/stats_scale.py builds it (same generator, same launches: 4 parent surveys at
every school in 2025 and 2026, two 100k launches), in its own SQLite file under
$TMPDIR/dudao_bench_annual/ (--sqlite-dir) or the PostgreSQL database `dudao_bench_annual`, so
this benchmark never rebuilds another's data under it. --reuse keeps a database of the right size.

Each measurement runs in a FRESH Python process (cold caches, own peak RSS):

* county: county_results("parent") + county_report(2026, "parent"), the figures the report reads;
* pdf, xlsx: app.reporting.annual.build_annual({"kind": "county"}, 2026, "parent", fmt), end to
  end from the same cold start (so it includes the county computation), with the time spent up to
  the model being ready reported apart.

Prints a table, writes JSON to benchmarks/output/annual_report-DB-STAMP.json, and exits 0 when
each document takes < 60 s and < 2 GB peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import stats_scale  # noqa: E402  (the shared data generator)

TARGETS = {"seconds": 60.0, "rss_mb": 2048.0}
YEAR = 2026
PG_DB = "dudao_bench_annual"


def measure(task: str, url: str) -> dict:
    """One cold measurement in this process: county, pdf or xlsx."""
    import pandas as pd  # noqa: F401  (imported before the baseline RSS is read)

    app = stats_scale.make_app(url)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db
        db.session.execute(text("SELECT 1")).all()
        before = stats_scale.current_rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if task == "county":
            from app.results.reports import county_report
            from app.results.services import county_results
            county_results("parent")
            report = county_report(YEAR, "parent")
            result = {"schools": len(report["schools"]), "n": report["n"]}
        else:
            from app.reporting.annual import build_annual
            marks = {}

            def progress(fraction, label):
                marks.setdefault(label, time.perf_counter() - started)
            data, meta = build_annual({"kind": "county"}, YEAR, "parent", task, progress)
            out = ROOT / "benchmarks" / "output" / f"annual_report.{task}"
            out.parent.mkdir(exist_ok=True)
            out.write_bytes(data)
            result = {"bytes": len(data), "filename": meta["filename"], "marks": marks}
        result.update(seconds=time.perf_counter() - started, cpu_s=time.process_time() - cpu,
                      rss_before_mb=before, peak_rss_mb=stats_scale.rss_mb(), load_1min=os.getloadavg()[0])
        return result


def child(task: str, url: str) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    done = subprocess.run([sys.executable, __file__, "--measure", task, "--url", url],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {task} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    """Build or reuse the data, measure county, pdf and xlsx, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--sqlite-dir", default=str(Path(tempfile.gettempdir()) / "dudao_bench_annual"))
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", choices=("county", "pdf", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.url)))
        return 0

    stats_scale.PG_DB = PG_DB   # our own PostgreSQL database, not stats_scale's
    url = stats_scale.prepare_database(args)
    report = {"db": args.db, "responses": args.responses, "schools": args.schools,
              "date": datetime.now().isoformat(timespec="seconds"), "nproc": os.cpu_count()}
    county = report["county"] = child("county", url)
    print(f"{args.db}: {args.responses} responses, {args.schools} schools")
    print(f"county indicators (county_results + county_report, cold): {county['seconds']:.1f} s, "
          f"peak RSS {county['peak_rss_mb']:.0f} MB")
    ok = True
    for fmt in ("pdf", "xlsx"):
        result = report[fmt] = child(fmt, url)
        result["ratio_to_county"] = result["seconds"] / county["seconds"]
        print(f"annual report {fmt}: {result['seconds']:.1f} s (target < 60 s), peak RSS "
              f"{result['peak_rss_mb']:.0f} MB (target < 2048 MB), {result['bytes']:,} bytes; "
              f"{result['ratio_to_county']:.1f}x the county indicators; CPU {result['cpu_s']:.1f} s, "
              f"load {result['load_1min']:.1f}; steps at " +
              ", ".join(f"{label} {t:.1f} s" for label, t in result["marks"].items()))
        ok &= result["seconds"] < TARGETS["seconds"] and result["peak_rss_mb"] < TARGETS["rss_mb"]
    out = ROOT / "benchmarks" / "output"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"annual_report-{args.db}-{stamp}.json").write_text(json.dumps(report, indent=2))
    print("targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
