"""Statistics at scale (issue 3): a launch summary over 100,000 responses and the county's
indicator tables over 1,000,000 responses across 200 schools, on SQLite or PostgreSQL.

Run from the project root:

    .venv/bin/python benchmarks/stats_scale.py --db sqlite   [--responses 1000000 --schools 200]
    .venv/bin/python benchmarks/stats_scale.py --db postgres [--responses 1000000 --schools 200]

add --reuse to measure again on the database an earlier run left behind (it is rebuilt if its
response count differs; otherwise only brought to the newest migration), --runs N to repeat
each measurement N times (default 2), --skip summary,county,floor to leave measurements out.
One 1M-response run takes about 2 minutes to build the data and 1-2 minutes to measure.

What one run does:

1. Data (not timed). A fresh database: an SQLite file under $TMPDIR/dudao_bench/ (--sqlite-dir
   moves it), or a freshly created PostgreSQL database `dudao_bench` on --pg-server (default
   postgresql+psycopg://postgres@127.0.0.1:5432). Migrations run with flask_migrate.upgrade in
   create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}); the surveys in surveys/ are synced.
   10 zones x (--schools / 10) schools with mixed stages (per 20: 10 primary, 5 junior,
   2 senior, 2 nine-year, 1 twelve-year), and launches of the parent surveys `sleep`,
   `homework`, `phone` and `satisfaction` at every school in two calendar years (2025, 2026;
   March, May, September, December). One sleep launch and one satisfaction launch of 2026 hold
   --big (default 100,000) responses each; the rest are spread over the other launches with
   lognormal school sizes. Answers come from app.demo.generate.fake_answers: for every
   (survey, stage, school-quality level) a pool of --pool respondents is generated (validated
   by fake_answers itself) and each response draws one at random with numpy, so 1,000,000 valid,
   realistic answers cost a few hundred thousand fake_answers calls. Submission times are
   uniform over each launch's window, truncated to the hour as the app stores them. Rows go
   in with executemany (SQLite, 100,000 a batch) or COPY (PostgreSQL), then ANALYZE.
2. Measurements, each in a FRESH Python process (cold caches, clean memory accounting):
   * summary: app.results.services.launch_summary of the 100k sleep launch and of the 100k
     satisfaction launch (wall time; --runs times in the same process, first = cold);
   * county: app.results.services.county_results("parent") end to end (from the stored
     answers of every parent response to every school / zone / county indicator table of
     every year), then app.results.reports.county_report(2026, "parent") on the cached tables; wall
     time of each and the process's peak RSS (resource.getrusage(RUSAGE_SELF).ru_maxrss), with
     the RSS before the call (interpreter + Flask + pandas) for reference;
   * floor: the same measure columns already in memory as a pandas DataFrame (loaded untimed
     with the app's load_measures), then only plain pandas: per-respondent compliance flags
     and satisfaction scores with numpy, and one groupby(["period", "school_id"]).agg(count,
     mean, std) of those figures. Reported as the ratio county_results / floor. The same
     process also times app.results.services.compute_county on that in-memory frame (the
     statistics package alone, no SQL).
   The county process is run --runs times. Each child also reports its own CPU time and the
   1-minute load average: SQLite work runs inside the measuring process (wall ≈ CPU when the
   machine is idle), PostgreSQL's in the server (CPU here is only the Python side), so a wall
   time well above those says the machine was busy with something else.
3. Prints a table and writes JSON to benchmarks/output/stats_scale-DB-YYYYmmdd-HHMMSS.json.
   Exit status 0 when every target is met (summary < 1 s, county_results + county_report
   < 10 s, peak RSS < 1.5 GB), 1 otherwise.

Internal: `--measure summary|county|floor --url URL` is the child-process entry point.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURVEYS = ("sleep", "homework", "phone", "satisfaction")
#: (survey, month, first day, last day) of each launch window, local dates, both years.
WINDOWS = {"sleep": (3, 9, 27), "homework": (5, 6, 22), "phone": (9, 14, 30), "satisfaction": (12, 1, 24)}
YEARS = (2025, 2026)
STAGE_MIX = ["primary"] * 10 + ["junior"] * 5 + ["senior"] * 2 + ["nine_year"] * 2 + ["twelve_year"]
QUALITY_LEVELS = (-0.8, -0.4, 0.0, 0.4, 0.8)
TARGETS = {"summary_s": 1.0, "county_s": 10.0, "rss_mb": 1536.0}
PG_DB = "dudao_bench"


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size now, MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_app(url: str):
    from app import create_app
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})


# ----------------------------------------------------------------------------- data generation

def prepare_database(args) -> str:
    """Create (or reuse) the benchmark database; returns its SQLAlchemy URL."""
    if args.db == "sqlite":
        folder = Path(args.sqlite_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "stats_scale.sqlite3"
        url = f"sqlite:///{path}"
        if args.reuse and path.exists() and count_responses(url) == args.responses:
            print(f"reusing {path}")
            return migrate(url)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text
        url = f"{args.pg_server}/{PG_DB}"
        if args.reuse and pg_exists(args.pg_server) and count_responses(url) == args.responses:
            print(f"reusing PostgreSQL database {PG_DB}")
            return migrate(url)
        engine = create_engine(f"{args.pg_server}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB}"))
            conn.execute(text(f"CREATE DATABASE {PG_DB}"))
        engine.dispose()
    generate(url, args)
    return url


def migrate(url: str) -> str:
    """Bring a reused database to the newest migration (a no-op when it is there already)."""
    from flask_migrate import upgrade
    from app.extensions import db
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    print(f"  migrations checked/applied in {time.perf_counter() - started:.1f} s")
    return url


def pg_exists(server: str) -> bool:
    from sqlalchemy import create_engine, text
    engine = create_engine(f"{server}/postgres")
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB}).first()
    engine.dispose()
    return found is not None


def count_responses(url: str) -> int | None:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM responses")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def generate(url: str, args) -> None:
    """Migrate, sync, create the county and bulk-insert the responses."""
    import numpy as np
    from flask_migrate import upgrade

    from app.demo.generate import fake_answers
    from app.extensions import db
    from app.launches.models import Launch
    from app.organisation.models import School, Zone
    from app.surveys.registry import definition_of, latest_version
    from app.surveys.sync import sync_surveys

    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    py_rng = random.Random(args.seed)
    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        sync_surveys(app.config["SURVEYS_DIR"])
        per_zone = args.schools // 10
        schools = []
        for z in range(10):
            zone = Zone(code=f"Z{z + 1:02d}", name=f"责任区{z + 1}")
            db.session.add(zone)
            for s in range(per_zone):
                stage = STAGE_MIX[(z * per_zone + s) % len(STAGE_MIX)]
                schools.append(School(code=f"S{z + 1:02d}{s + 1:02d}", name=f"第{z + 1}区{s + 1}校",
                                      stage=stage, zone=zone))
        db.session.add_all(schools)
        db.session.flush()
        versions = {key: latest_version(key) for key in SURVEYS}
        created = []
        for year in YEARS:
            for key in SURVEYS:
                month, first, last = WINDOWS[key]
                opens = datetime(year, month, first, 0, tzinfo=timezone.utc)
                closes = datetime(year, month, last, 12, tzinfo=timezone.utc)
                for school in schools:
                    launch = Launch(survey_version_id=versions[key].id, school=school,
                                    audience="parent", opens_at=opens, closes_at=closes)
                    created.append((launch, key, school, year, opens, closes))
        db.session.add_all([item[0] for item in created])
        db.session.commit()
        # Plain values from here on: no ORM object may keep a read transaction open while the
        # raw connection writes (an SQLite checkpoint would wait for it).
        launches = [(launch.id, launch.survey_version_id, key, school.id, school.stage, year, opens, closes)
                    for launch, key, school, year, opens, closes in created]
        school_ids = [s.id for s in schools]
        twelve = [s.id for s in schools if s.stage == "twelve_year"]
        definitions = {key: definition_of(versions[key]) for key in SURVEYS}
        db.session.close()

        # Pools of valid answers, by survey, stage and quality level, as stored JSON text.
        comments = ["希望学校多组织一些体育活动。", "作业量比上学期少了，孩子睡得早了。",
                    "老师很负责，经常和家长沟通。", "总体满意，感谢老师们的辛苦付出。"]
        pools = {}
        for key in SURVEYS:
            for stage in set(STAGE_MIX):
                for q, quality in enumerate(QUALITY_LEVELS):
                    pools[key, stage, q] = np.array(
                        [json.dumps(fake_answers(definitions[key], stage, py_rng, quality=quality,
                                                 comments=comments))
                         for _ in range(args.pool)], dtype=object)
        print(f"  answer pools: {len(pools)} x {args.pool} in {time.perf_counter() - started:.1f} s")

        # How many responses each launch gets: two big launches, the rest by school size.
        quality = {sid: int(rng.integers(0, len(QUALITY_LEVELS))) for sid in school_ids}
        big = min(args.big, args.responses // 4)
        big_school = (twelve or school_ids)[0]
        big_sleep, big_sat = (next(i for i, item in enumerate(launches)
                                   if item[2] == key and item[5] == YEARS[-1] and item[3] == big_school)
                              for key in ("sleep", "satisfaction"))
        size = {sid: float(rng.lognormal(0, 0.5)) for sid in school_ids}
        weights = np.array([size[item[3]] for item in launches])
        weights[[big_sleep, big_sat]] = 0
        counts = rng.multinomial(args.responses - 2 * big, weights / weights.sum())
        counts[[big_sleep, big_sat]] = big

        hour_type = db.metadata.tables["responses"].c.submitted_hour.type
        sqlite = url.startswith("sqlite")
        dialect = db.engine.dialect
        bind = hour_type.dialect_impl(dialect).bind_processor(dialect) if sqlite else None
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("PRAGMA synchronous=OFF")
        inserted, batch = 0, []

        def flush():
            nonlocal batch
            if not batch:
                return
            if sqlite:
                # The app's connect hook puts sqlite3 in autocommit mode: one transaction a batch.
                cursor.execute("BEGIN")
                cursor.executemany(
                    "INSERT INTO responses (launch_id, school_id, survey_version_id, submitted_hour,"
                    " receipt, answers) VALUES (?, ?, ?, ?, ?, ?)", batch)
            else:
                with cursor.copy("COPY responses (launch_id, school_id, survey_version_id,"
                                 " submitted_hour, receipt, answers) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            raw.commit()
            batch = []

        for (launch_id, version_id, key, school_id, stage, year, opens, closes), n in zip(
                launches, counts.tolist()):
            if n == 0:
                continue
            pool = pools[key, stage, quality[school_id]]
            answers = pool[rng.integers(0, len(pool), n)]
            span = int((closes - opens).total_seconds())
            offsets = rng.integers(0, span, n) // 3600 * 3600
            hours = {int(o): opens + timedelta(seconds=int(o)) for o in np.unique(offsets)}
            if sqlite:
                hours = {o: bind(h) for o, h in hours.items()}
            else:
                hours = {o: h.isoformat() for o, h in hours.items()}
            receipts = [secrets.token_urlsafe(12) for _ in range(n)]
            batch.extend(zip([launch_id] * n, [school_id] * n, [version_id] * n,
                             [hours[o] for o in offsets.tolist()], receipts, answers.tolist()))
            inserted += n
            if len(batch) >= 100_000:
                flush()
        flush()
        cursor.execute("ANALYZE")
        raw.commit()
        if sqlite:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
        raw.close()
        db.engine.dispose()
    print(f"  {inserted} responses in {len(launches)} launches at {len(school_ids)} schools "
          f"loaded in {time.perf_counter() - started:.1f} s")
    # Bulk-loaded rows are unpublished: take every launch's first step (app.disclosure) here,
    # timed, so the measurements below read published figures as a running system would.
    app = make_app(url)
    with app.app_context():
        from app.disclosure import advance
        began = time.perf_counter()
        steps = advance()
        print(f"  first publication (disclosure gate): {steps} steps in {time.perf_counter() - began:.1f} s")
        db.engine.dispose()


def database_size_mb(url: str) -> float:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s)) / 2**20
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size / 2**20


# ----------------------------------------------------------------------------- measurements

def big_launches():
    """The two 100k launches (sleep, satisfaction) of the benchmark database."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.launches.models import Launch
    from app.responses.models import Response
    rows = db.session.execute(select(Response.launch_id, func.count()).group_by(Response.launch_id)
                              .order_by(func.count().desc()).limit(2)).all()
    return [(db.session.get(Launch, lid), n) for lid, n in rows]


def measure_summary(url: str, runs: int) -> dict:
    from app.results.services import launch_summary
    from app.surveys.registry import definition_of
    app = make_app(url)
    out = {}
    with app.app_context():
        for launch, n in big_launches():
            key = definition_of(launch.survey_version).key
            times, cpu = [], []
            for _ in range(runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                summary = launch_summary(launch)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            assert summary["n"] == n, (summary["n"], n)
            out[key] = {"n": n, "seconds": times, "cpu_seconds": cpu,
                        "indicators": {i["key"]: i["value"] for i in summary["indicators"]}}
    out["peak_rss_mb"] = rss_mb()
    return out


def measure_county(url: str, runs: int) -> dict:
    import pandas as pd  # noqa: F401  (imported before the baseline RSS is read)

    from app.results.reports import county_report
    from app.results.services import county_results
    app = make_app(url)
    with app.app_context():
        from app.extensions import db
        from sqlalchemy import text
        db.session.execute(text("SELECT 1")).all()   # connect before the baseline
        before = current_rss_mb()
        started, started_cpu = time.perf_counter(), time.process_time()
        results = county_results("parent")
        results_s = time.perf_counter() - started
        started = time.perf_counter()
        report = county_report(YEARS[-1], "parent")
        report_s = time.perf_counter() - started
        cpu_s = time.process_time() - started_cpu
        after = rss_mb()
        county = {i["key"]: i["value"] for i in report["indicators"]}
        return {"county_results_s": results_s, "county_report_s": report_s,
                "total_s": results_s + report_s, "cpu_s": cpu_s, "load_1min": os.getloadavg()[0],
                "rss_before_mb": before, "peak_rss_mb": after,
                "rows": int(results.respondents["n"].sum()), "schools": len(report["schools"]),
                "n_2026": report["n"], "indicators_2026": county}


def floor_figures(frame):
    """Plain pandas: per-respondent compliance and satisfaction score, one groupby by school."""
    import numpy as np
    import pandas as pd
    grade = frame["grade"].to_numpy(dtype=float)
    g = np.where(np.isfinite(grade), grade, 0).astype(int)
    sleep_limit = np.array([np.nan] + [10] * 6 + [9] * 3 + [8] * 3)[g]
    homework_limit = np.array([np.nan, 0, 0] + [60] * 4 + [90] * 3 + [np.nan] * 3)[g]
    bedtime_limit = np.array([np.nan] + [1280] * 6 + [1320] * 3 + [1380] * 3)[g]
    sleep = frame["sleep_hours"].to_numpy(dtype=float)
    homework = frame["homework_minutes"].to_numpy(dtype=float)
    bedtime = frame["bedtime"].to_numpy(dtype=float)
    bedtime = np.where(bedtime < 720, bedtime + 1440, bedtime)
    phone = frame["phone_handling"]
    items = [c for c in frame.columns if str(c).startswith("satisfaction:")]
    answers = frame[items].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (np.nansum(answers, axis=1) / np.isfinite(answers).sum(axis=1) - 1) / 4 * 100
        figures = pd.DataFrame({
            "period": frame["period"], "school_id": frame["school_id"],
            "sleep": np.where(np.isnan(sleep) | np.isnan(sleep_limit), np.nan, sleep >= sleep_limit),
            "homework": np.where(np.isnan(homework) | np.isnan(homework_limit), np.nan,
                                 homework <= homework_limit),
            "bedtime": np.where(np.isnan(bedtime) | np.isnan(bedtime_limit), np.nan,
                                bedtime <= bedtime_limit),
            "phone": np.where(phone.isna(), np.nan, phone.isin(["not_brought", "handed_in"])),
            "homework_minutes": homework, "satisfaction": score})
    return figures.groupby(["period", "school_id"]).agg(["count", "mean", "std"])


def measure_floor(url: str, runs: int) -> dict:
    from app.results.services import compute_county, load_measures
    app = make_app(url)
    with app.app_context():
        frame = load_measures("parent")
        floor = []
        for _ in range(max(runs, 3)):
            started = time.perf_counter()
            table = floor_figures(frame)
            floor.append(time.perf_counter() - started)
        compute = []
        for _ in range(runs):
            started = time.perf_counter()
            compute_county(frame)
            compute.append(time.perf_counter() - started)
        return {"floor_s": floor, "compute_county_s": compute, "groups": int(len(table)),
                "frame_mb": float(frame.memory_usage(deep=True).sum() / 2**20)}


def child(task: str, url: str, runs: int) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    done = subprocess.run([sys.executable, __file__, "--measure", task, "--url", url,
                           "--runs", str(runs)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {task} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=200, help="a multiple of 10 (10 zones)")
    parser.add_argument("--big", type=int, default=100_000, help="responses in each big launch")
    parser.add_argument("--pool", type=int, default=2000,
                        help="fake_answers respondents per (survey, stage, quality level)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--sqlite-dir", default=str(Path(tempfile.gettempdir()) / "dudao_bench"))
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--skip", default="", help="comma-separated: summary,county,floor")
    parser.add_argument("--measure", choices=("summary", "county", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = {"summary": measure_summary, "county": measure_county,
                  "floor": measure_floor}[args.measure](args.url, args.runs)
        print(json.dumps(result))
        return 0

    url = prepare_database(args)
    skip = set(filter(None, args.skip.split(",")))
    report = {"db": args.db, "url": url, "responses": args.responses, "schools": args.schools,
              "load_average_at_start": os.getloadavg(),
              "database_mb": database_size_mb(url), "date": datetime.now().isoformat(timespec="seconds"),
              "nproc": os.cpu_count()}
    print(f"{args.db}: {args.responses} responses, {args.schools} schools, "
          f"database {report['database_mb']:.0f} MB")
    ok = True
    if "summary" not in skip:
        summary = report["summary"] = child("summary", url, args.runs)
        for key in ("sleep", "satisfaction"):
            s = summary[key]
            times = ", ".join(f"{t:.3f}" for t in s["seconds"])
            cpu = ", ".join(f"{t:.3f}" for t in s["cpu_seconds"])
            print(f"launch_summary {key:<13} n={s['n']:>7}: {times} s (target < 1 s); this process's CPU {cpu} s")
            ok &= min(s["seconds"]) < TARGETS["summary_s"] and s["seconds"][0] < TARGETS["summary_s"]
    if "county" not in skip:
        runs = report["county"] = [child("county", url, 1) for _ in range(args.runs)]
        for i, c in enumerate(runs, 1):
            print(f"county run {i}: county_results {c['county_results_s']:.2f} s + county_report "
                  f"{c['county_report_s']:.2f} s = {c['total_s']:.2f} s (target < 10 s); peak RSS "
                  f"{c['peak_rss_mb']:.0f} MB (before {c['rss_before_mb']:.0f} MB; target < 1536 MB); "
                  f"{c['rows']} rows; this process's CPU {c['cpu_s']:.2f} s, load average {c['load_1min']:.1f}")
            ok &= c["total_s"] < TARGETS["county_s"] and c["peak_rss_mb"] < TARGETS["rss_mb"]
    if "floor" not in skip:
        floor = report["floor"] = child("floor", url, args.runs)
        best = min(floor["floor_s"])
        print(f"floor (plain pandas groupby, in memory): {', '.join(f'{t:.3f}' for t in floor['floor_s'])} s; "
              f"compute_county in memory: {', '.join(f'{t:.2f}' for t in floor['compute_county_s'])} s; "
              f"frame {floor['frame_mb']:.0f} MB")
        if "county" in report:
            ratios = [c["county_results_s"] / best for c in report["county"]]
            report["ratio_county_results_to_floor"] = ratios
            report["ratio_total_to_floor"] = [c["total_s"] / best for c in report["county"]]
            print("ratio county_results / floor: " + ", ".join(f"{r:.1f}x" for r in ratios)
                  + "; (county_results + county_report) / floor: "
                  + ", ".join(f"{r:.1f}x" for r in report["ratio_total_to_floor"]))
    out = ROOT / "benchmarks" / "output"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"stats_scale-{args.db}-{stamp}.json").write_text(json.dumps(report, indent=2))
    print("targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
