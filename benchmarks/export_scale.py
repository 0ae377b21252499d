"""Response data export at scale (issue 8): the county export of every parent survey over
1,000,000 responses at 200 schools, against the county indicators computation of the same run.

Run from the project root:

    .venv/bin/python benchmarks/export_scale.py --db sqlite [--responses 1000000 --schools 200]
    .venv/bin/python benchmarks/export_scale.py --db sqlite --reuse --sqlite-dir DIR --formats csv,xlsx

The data are those of benchmarks/stats_scale.py (same generator, same options; --reuse measures
on a database an earlier run of either benchmark left behind). An export covers one survey, so
"the county export" is the four county exports (sleep, homework, phone, satisfaction), which
together hold every response. One measurement runs in a fresh Python process: the gate's
publication first (untimed; nothing is due on a reused database), then
app.results.services.county_results("parent") cold (the county indicators), then
app.jobs.exports.build_export of each survey for the whole county, per format. Reports wall
time, rows, file size and peak RSS, the ratio export / county indicators, and writes JSON to
benchmarks/output/export_scale-DB-YYYYmmdd-HHMMSS.json. Exit 0 when, in every format asked
for, the export of all surveys takes under 60 s.

Internal: `--measure --url URL --formats F` is the child-process entry point.
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

import stats_scale  # noqa: E402  (its data generation and helpers)

TARGET_S = 60.0


def measure(url: str, formats: list[str]) -> dict:
    """County indicators, then each survey's county export, in this (fresh) process."""
    import pandas as pd  # noqa: F401  (imported before the baseline RSS is read)

    from app import create_app
    from app.disclosure import advance
    from app.jobs.exports import build_export
    from app.results.services import county_results
    reports = tempfile.mkdtemp(prefix="export_scale_")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REPORTS_DIR": reports})
    result = {"exports": []}
    with app.app_context():
        advance()
        started, cpu = time.perf_counter(), time.process_time()
        county_results("parent")
        result["county_results_s"] = time.perf_counter() - started
        result["county_results_cpu_s"] = time.process_time() - cpu
        for fmt in formats:
            for key in stats_scale.SURVEYS:
                started, cpu = time.perf_counter(), time.process_time()
                path, meta = build_export({"kind": "county"}, fmt, {"survey": key}, lambda *a: None)
                seconds = time.perf_counter() - started
                size = os.path.getsize(path)
                with open(path, "rb") as handle:
                    rows = sum(1 for _ in handle) - 2 if fmt == "csv" else None
                os.unlink(path)
                result["exports"].append({"format": fmt, "survey": key, "seconds": seconds,
                                          "cpu_s": time.process_time() - cpu, "mb": size / 2**20,
                                          "rows": rows})
    result["peak_rss_mb"] = stats_scale.rss_mb()
    result["load_1min"] = os.getloadavg()[0]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--sqlite-dir", default=str(Path(tempfile.gettempdir()) / "dudao_bench"))
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--formats", default="csv", help="comma-separated: csv,xlsx")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.measure:
        print(json.dumps(measure(args.url, formats)))
        return 0

    url = stats_scale.prepare_database(args)
    done = subprocess.run([sys.executable, __file__, "--measure", "--url", url, "--formats", ",".join(formats)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("measurement failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report = {"db": args.db, "responses": args.responses, "schools": args.schools, "nproc": os.cpu_count(),
              "date": datetime.now().isoformat(timespec="seconds"), **result}
    base = result["county_results_s"]
    print(f"{args.db}: {args.responses} responses, {args.schools} schools; county indicators "
          f"(county_results, cold) {base:.1f} s (CPU {result['county_results_cpu_s']:.1f} s); "
          f"load average {result['load_1min']:.1f}")
    ok = True
    for fmt in formats:
        items = [e for e in result["exports"] if e["format"] == fmt]
        total = sum(e["seconds"] for e in items)
        rows = sum(e["rows"] or 0 for e in items)
        report[f"{fmt}_total_s"] = total
        report[f"{fmt}_ratio_to_county_results"] = total / base
        cpu = sum(e["cpu_s"] for e in items)
        report[f"{fmt}_cpu_ratio_to_county_results"] = cpu / result["county_results_cpu_s"]
        for e in items:
            counted = f", {e['rows']} rows" if e["rows"] else ""
            print(f"  {fmt} {e['survey']:<13} {e['seconds']:6.1f} s (CPU {e['cpu_s']:.1f} s), {e['mb']:.0f} MB{counted}")
        print(f"county {fmt} export, all surveys: {total:.1f} s{f' for {rows} rows' if rows else ''} "
              f"(target < {TARGET_S:.0f} s); {total / base:.2f}x the county indicators; CPU {cpu:.1f} s, "
              f"{cpu / result['county_results_cpu_s']:.2f}x theirs")
        met = total < TARGET_S
        print(f"  {fmt}: target {'met' if met else 'MISSED'}")
        ok &= met
    print(f"peak RSS {result['peak_rss_mb']:.0f} MB")
    out = ROOT / "benchmarks" / "output"
    out.mkdir(exist_ok=True)
    (out / f"export_scale-{args.db}-{datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(report, indent=2))
    print("target met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
