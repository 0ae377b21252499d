"""Load benchmark of the public JSON submission endpoint and the form page (issue 2).

Run from the project root:

    .venv/bin/python benchmarks/submit_load.py [flags]

One run does all of this, on loopback, in a fresh temporary directory:

1. Builds a new SQLite database with the app's own CLI (`flask --app wsgi db upgrade`,
   `surveys sync`, `users create`, `users token`), serves the real app with gunicorn using the
   repository's gunicorn.conf.py (DUDAO_CONFIG=production, a random SECRET_KEY,
   RATELIMIT_ENABLED=0, GUNICORN_WORKERS / GUNICORN_WORKER_CLASS from the flags) and creates a
   zone, a primary school and launches of the `sleep` survey (one for warm-up, one per round)
   through the staff API. The baseline (4.) is served at the same time, loaded only in turn.
2. Warms both servers up, then drives the app for --duration seconds with --connections
   concurrent connections: every request POSTs the same valid answers (built from
   GET /api/v1/surveys/sleep) to /api/v1/public/TOKEN/responses with a unique Idempotency-Key.
   After the deadline no new request starts and in-flight ones are answered, so nothing is
   abandoned half-way. Records accepted (201) submissions/s, p50/p90/p99/max latency, non-2xx
   answers, socket errors and the CPU time the workers used per request (/proc).
3. Checks in the database that the stored responses of the launch equal the 201 answers, that
   no receipt is duplicated, that every stored response has its idempotency row and that the
   set of stored receipts is exactly the set of receipts the client received.
4. Drives benchmarks/baseline_app.py (plain Flask + sqlite3, WAL, parse JSON, one INSERT, 201)
   under the same gunicorn settings and load, checks it the same way and reports app/baseline.
   With --rounds N the two take turns N times (app, baseline, baseline, app, ...).
5. Times the form page GET /s/TOKEN: in-process with the Flask test client (each call timed,
   --form-requests calls after a warm-up of 50; the issue-2 target is a median under 5 ms) and
   over HTTP against gunicorn with one connection (no queueing) and with --connections.

It prints a table and writes JSON to benchmarks/output/submit_load-YYYYmmdd-HHMMSS.json (and
benchmarks/output/submit_load-latest.json). Exit status: 0 if every issue-2 target is met,
1 if one is missed, 2 if the benchmark itself failed.

Load generator: `wrk` (Debian/Ubuntu: `apt-get install -y wrk`; macOS: `brew install wrk`)
with benchmarks/wrk_load.lua. Without wrk, or with --client python, a standard-library client
(one thread and one http.client connection per connection) is used instead; it needs much
more CPU than wrk, so on a small machine it lowers both figures (the ratio stays meaningful,
the absolute numbers do not compare with wrk runs).

Flags:
  --duration S        seconds of measured load per server and round (default 20)
  --rounds N          measured rounds; app and baseline take turns (app, baseline, baseline,
                      app, ...), each round on a launch of its own, so that a busy machine
                      treats both alike; figures are over all rounds (default 1)
  --warmup S          seconds of warm-up load per server, not measured (default 3)
  --connections N     concurrent connections (default 32)
  --threads N         wrk threads (default 2)
  --workers N         gunicorn workers (default 4)
  --worker-class K    gunicorn worker class: sync (default), gthread, ...
  --gthreads N        threads per worker when --worker-class gthread (default 4)
  --form-requests N   in-process form page requests to time (default 2000)
  --form-seconds S    seconds of wrk load on the form page, per concurrency (default 5)
  --client K          auto (default: wrk if installed), wrk or python
  --skip-baseline     do not run the baseline (no ratio)
  --skip-form         do not time the form page
  --py-spy DIR        record a py-spy profile of every worker (app and baseline) during the
                      measured runs into DIR (needs `pip install py-spy` in the venv; profiling only)
  --py-spy-format F   flamegraph (default, .svg), raw (collapsed stacks) or speedscope
  --keep              keep the temporary directory (databases, server logs) and print it
  --output PATH       write the JSON here instead of benchmarks/output/
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
VENV_BIN = Path(sys.executable).parent
LUA = BENCH / "wrk_load.lua"

#: Issue 2 targets.
TARGET_RATIO = 0.7
TARGET_P99_MS = 100.0
TARGET_FORM_MEDIAN_MS = 5.0

SPY_SUFFIX = {"flamegraph": "svg", "raw": "folded", "speedscope": "json"}


class BenchmarkError(RuntimeError):
    """The benchmark could not run (not a missed target)."""


# --- helpers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(name: str) -> str:
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BenchmarkError(f"{name} not found (install requirements.txt into the venv)")
    return found


def http(method: str, url: str, body: dict | None = None, token: str | None = None,
         expect: int | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = raw.decode("utf-8", "replace")
    if expect is not None and status != expect:
        raise BenchmarkError(f"{method} {url} -> {status} (expected {expect}): {payload}")
    return status, payload


def run(cmd: list[str], env: dict, **kwargs) -> str:
    result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BenchmarkError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    wrk = shutil.which("wrk")
    wrk_version = None
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        wrk_version = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else None
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": ram, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version, "wrk": wrk_version}


class Server:
    """A gunicorn process serving one app on a free loopback port."""

    def __init__(self, name: str, app: str, env: dict, workdir: Path, args: argparse.Namespace,
                 pythonpath: Path | None = None):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"gunicorn-{name}.log"
        env = {**env, "GUNICORN_WORKERS": str(args.workers), "GUNICORN_BIND": f"127.0.0.1:{self.port}",
               "GUNICORN_WORKER_CLASS": args.worker_class, "GUNICORN_LOGLEVEL": "warning",
               "GUNICORN_THREADS": str(args.gthreads if args.worker_class == "gthread" else 1)}
        cmd = [tool("gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
        if pythonpath:
            cmd += ["--pythonpath", str(pythonpath)]
        cmd.append(app)
        self.log_file = open(self.log, "w")
        self.process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=self.log_file,
                                        stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"{self.name} server exited:\n{self.log.read_text()}")
            try:
                if http("GET", self.base + "/healthz")[0] == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise BenchmarkError(f"{self.name} server did not start:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the workers (Linux /proc), for CPU per request."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def problems(self) -> list[str]:
        """Worker timeouts, tracebacks and the like from the server log."""
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines()
                if re.search(r"Traceback|WORKER TIMEOUT|\[ERROR\]|\[CRITICAL\]|Exception", line)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --- load generators --------------------------------------------------------------------------

def wrk_load(base: str, method: str, path: str, body_file: Path | None, seconds: float,
             connections: int, threads: int, out_dir: Path) -> dict:
    """Run wrk with benchmarks/wrk_load.lua; the summary it wrote plus the receipts it saw."""
    out_dir.mkdir(parents=True, exist_ok=True)
    nonce = secrets.token_hex(6)
    cap = int(seconds + 0.999) + 6  # wrk always runs this long; threads finish at `seconds`
    threads = min(threads, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{cap}s",
           "--timeout", "5s", "-s", str(LUA), base + path, "--", method, path,
           str(body_file) if body_file else "-", str(out_dir), str(seconds), nonce,
           str(connections // threads)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not (out_dir / "summary.json").exists():
        raise BenchmarkError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    summary = json.loads((out_dir / "summary.json").read_text())
    receipts = []
    for file in sorted(out_dir.glob("receipts-*.txt")):
        receipts += [line for line in file.read_text().splitlines() if line]
    lat = summary["latency_us"]
    window = summary["window_s"] if summary["threads_stopped_cleanly"] == summary["threads"] else 0
    window = window or summary["duration_us"] / 1e6
    statuses = {int(k): v for k, v in summary["statuses"].items()}
    errors = summary["errors"]
    return {
        "client": "wrk", "seconds": window, "requests": summary["requests"], "sent": summary["sent"],
        "statuses": statuses, "receipts": receipts,
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write", "timeout")},
        "latency_ms": {"p50": lat["percentiles"]["50"] / 1000, "p75": lat["percentiles"]["75"] / 1000,
                       "p90": lat["percentiles"]["90"] / 1000, "p99": lat["percentiles"]["99"] / 1000,
                       "p99.9": lat["percentiles"]["99.9"] / 1000, "mean": lat["mean"] / 1000,
                       "max": lat["max"] / 1000},
        "all_threads_finished_cleanly": summary["threads_stopped_cleanly"] == summary["threads"],
        "wrk_stdout": result.stdout,
    }


def python_load(base: str, method: str, path: str, body_file: Path | None, seconds: float,
                connections: int, threads: int, out_dir: Path) -> dict:
    """The standard-library fallback: one thread and one connection per concurrent client."""
    host, port = base.split("//", 1)[1].split(":")
    body = body_file.read_bytes() if body_file else None
    nonce = secrets.token_hex(6)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    receipts: list[str] = []
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    sent = [0]
    start_gate = threading.Barrier(connections + 1)
    deadline = [0.0]

    def client(n: int) -> None:
        conn = HTTPConnection(host, int(port), timeout=5)
        start_gate.wait()
        i = 0
        while time.monotonic() < deadline[0]:
            i += 1
            headers = {}
            if method == "POST":
                headers = {"Content-Type": "application/json", "Idempotency-Key": f"{nonce}-{n}-{i}"}
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                conn.close()
                continue
            except OSError:
                with lock:
                    errors["read"] += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
            with lock:
                sent[0] += 1
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status == 201:
                    receipts.append(json.loads(payload)["receipt"])
        conn.close()

    workers = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for w in workers:
        w.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start_gate.wait()
    for w in workers:
        w.join()
    window = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0

    return {
        "client": "python", "seconds": window, "requests": len(latencies), "sent": sent[0],
        "statuses": statuses, "receipts": receipts, "socket_errors": errors,
        "latency_ms": {"p50": pct(50), "p75": pct(75), "p90": pct(90), "p99": pct(99),
                       "p99.9": pct(99.9), "mean": statistics.fmean(latencies) * 1000 if latencies else 0,
                       "max": latencies[-1] * 1000 if latencies else 0},
        "all_threads_finished_cleanly": True,
    }


def summarise_load(result: dict) -> dict:
    created = result["statuses"].get(201, 0)
    non_2xx = sum(v for k, v in result["statuses"].items() if not 200 <= k < 300)
    return {"accepted": created, "accepted_per_s": created / result["seconds"] if result["seconds"] else 0,
            "requests_per_s": result["requests"] / result["seconds"] if result["seconds"] else 0,
            "non_2xx": non_2xx, "socket_error_count": sum(result["socket_errors"].values())}


# --- the database checks ------------------------------------------------------------------------

def check_app_db(db_path: Path, launch_id: int, receipts_seen: list[str]) -> dict:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        stored = conn.execute("SELECT COUNT(*), COUNT(DISTINCT receipt) FROM responses WHERE launch_id = ?",
                              (launch_id,)).fetchone()
        receipts = {r for (r,) in conn.execute("SELECT receipt FROM responses WHERE launch_id = ?",
                                               (launch_id,))}
        idem = conn.execute("SELECT COUNT(*) FROM submission_keys WHERE launch_id = ? AND kind = 'idem'",
                            (launch_id,)).fetchone()[0]
    return _verdict(stored[0], stored[1], receipts, receipts_seen, idem)


def check_baseline_db(db_path: Path, token: str, receipts_seen: list[str]) -> dict:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        stored = conn.execute("SELECT COUNT(*), COUNT(DISTINCT receipt) FROM responses WHERE token = ?",
                              (token,)).fetchone()
        receipts = {r for (r,) in conn.execute("SELECT receipt FROM responses WHERE token = ?", (token,))}
    return _verdict(stored[0], stored[1], receipts, receipts_seen, None)


def _verdict(stored: int, distinct: int, receipts: set[str], seen: list[str], idem: int | None) -> dict:
    seen_set = set(seen)
    check = {
        "stored": stored, "created_201": len(seen), "distinct_receipts_stored": distinct,
        "duplicate_receipts_stored": stored - distinct,
        "duplicate_receipts_returned": len(seen) - len(seen_set),
        "stored_not_returned": len(receipts - seen_set), "returned_not_stored": len(seen_set - receipts),
    }
    if idem is not None:
        check["idempotency_rows"] = idem
    check["ok"] = (stored == len(seen) and distinct == stored and len(seen_set) == len(seen)
                   and receipts == seen_set and (idem is None or idem == stored))
    return check


# --- the form page ------------------------------------------------------------------------------

def time_form_in_process(env: dict, token: str, count: int) -> dict:
    """Time GET /s/TOKEN through the WSGI app in this process (no network, no queueing)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from app import create_app  # imported late: the config reads the environment on import
    app = create_app()
    client = app.test_client()
    for _ in range(50):
        response = client.get(f"/s/{token}")
        if response.status_code != 200:
            raise BenchmarkError(f"GET /s/{token} -> {response.status_code}")
    times = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(f"/s/{token}")
        body = response.data
        times.append(time.perf_counter() - began)
        if response.status_code != 200 or not body:
            raise BenchmarkError(f"GET /s/{token} -> {response.status_code}")
    times.sort()
    return {"requests": count, "median_ms": statistics.median(times) * 1000,
            "p99_ms": times[int(count * 0.99) - 1] * 1000, "mean_ms": statistics.fmean(times) * 1000,
            "bytes": len(body)}


# --- the run ------------------------------------------------------------------------------------

def valid_answers(definition: dict, grades: tuple[str, ...]) -> dict:
    """One valid answer to every question of the public definition."""
    answers = {}
    for q in definition["questions"]:
        kind = q["type"]
        values = [o["value"] for o in q.get("options", [])]
        if kind == "grade":
            offered = [v for v in values if v in grades]
            if offered:
                answers[q["id"]] = offered[len(offered) // 2]
        elif kind in ("single", "likert"):
            answers[q["id"]] = values[-1]
        elif kind == "multiple":
            answers[q["id"]] = values[:1]
        elif kind == "number":
            low = q.get("min", 0)
            high = q.get("max", low + 10)
            step = q.get("step") or 1
            answers[q["id"]] = low + step * int((high - low) / step / 2)
        elif kind == "time":
            answers[q["id"]] = "21:30"
        elif kind == "text":
            answers[q["id"]] = "孩子一般九点半睡觉，周末会晚一点。"
    return answers


def warm_up(name: str, server: Server, warm_path: str, body_file: Path, args: argparse.Namespace,
            workdir: Path, load) -> None:
    print(f"  {name}: warm-up {args.warmup:g} s ...", flush=True)
    load(server.base, "POST", warm_path, body_file, args.warmup, args.connections, args.threads,
         workdir / f"{name}-warmup")


def measure(name: str, server: Server, path: str, body_file: Path, args: argparse.Namespace,
            out_dir: Path, load) -> dict:
    """One measured load of --duration seconds on one server."""
    profilers = []
    if args.py_spy:
        out = Path(args.py_spy)
        out.mkdir(parents=True, exist_ok=True)
        spy = VENV_BIN / "py-spy"
        for pid in server.worker_pids():
            profilers.append(subprocess.Popen(
                [str(spy), "record", "--pid", str(pid), "--duration", str(int(args.duration)),
                 "--rate", "200", "--format", args.py_spy_format,
                 "-o", str(out / f"{out_dir.name}-worker-{pid}.{SPY_SUFFIX[args.py_spy_format]}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    print(f"  {name}: {args.duration:g} s, {args.connections} connections ...", flush=True)
    cpu_before = server.cpu_seconds()
    result = load(server.base, "POST", path, body_file, args.duration, args.connections, args.threads,
                  out_dir)
    cpu = server.cpu_seconds() - cpu_before
    for p in profilers:
        p.wait()
    result.pop("wrk_stdout", None)
    result["worker_cpu_s"] = cpu
    result["worker_cpu_ms_per_request"] = cpu * 1000 / result["requests"] if result["requests"] else None
    return {**summarise_load(result), **result}


def combine(rounds: list[dict]) -> dict:
    """The rounds of one side taken together: throughput over all rounds, the median p50, the
    worst p99 and max, errors and the database check summed."""
    seconds = sum(r["seconds"] for r in rounds)
    accepted = sum(r["accepted"] for r in rounds)
    requests = sum(r["requests"] for r in rounds)
    cpu = sum(r["worker_cpu_s"] for r in rounds)
    statuses: dict[int, int] = {}
    for r in rounds:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    check = {key: sum(r["check"][key] for r in rounds) for key in rounds[0]["check"] if key != "ok"}
    check["ok"] = all(r["check"]["ok"] for r in rounds)
    return {
        "accepted": accepted, "accepted_per_s": accepted / seconds if seconds else 0,
        "requests_per_s": requests / seconds if seconds else 0, "seconds": seconds,
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "socket_error_count": sum(r["socket_error_count"] for r in rounds),
        "statuses": statuses,
        "latency_ms": {"p50": statistics.median(r["latency_ms"]["p50"] for r in rounds),
                       "p90": max(r["latency_ms"]["p90"] for r in rounds),
                       "p99": max(r["latency_ms"]["p99"] for r in rounds),
                       "max": max(r["latency_ms"]["max"] for r in rounds)},
        "worker_cpu_ms_per_request": cpu * 1000 / requests if requests else None,
        "check": check, "rounds": rounds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--gthreads", type=int, default=4)
    parser.add_argument("--form-requests", type=int, default=2000)
    parser.add_argument("--form-seconds", type=float, default=5)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-form", action="store_true")
    parser.add_argument("--py-spy", metavar="DIR")
    parser.add_argument("--py-spy-format", choices=sorted(SPY_SUFFIX), default="flamegraph")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--output")
    args = parser.parse_args(argv)

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
        if client == "python":
            print("wrk not found (apt-get install -y wrk); using the standard-library client",
                  file=sys.stderr)
    elif client == "wrk" and not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk (or --client python)", file=sys.stderr)
        return 2
    load = wrk_load if client == "wrk" else python_load

    workdir = Path(tempfile.mkdtemp(prefix="dudao-bench-"))
    servers: list[Server] = []
    report: dict = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "machine": machine(), "settings": {
                        "duration_s": args.duration, "rounds": args.rounds, "warmup_s": args.warmup,
                        "connections": args.connections, "threads": args.threads,
                        "workers": args.workers, "worker_class": args.worker_class,
                        "gthreads": args.gthreads if args.worker_class == "gthread" else None,
                        "client": client, "command": " ".join([".venv/bin/python",
                                                               "benchmarks/submit_load.py", *sys.argv[1:]])}}
    try:
        # 1. A fresh database, built by the app's own commands.
        db_path = workdir / "dudao.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": secrets.token_urlsafe(32),
               "RATELIMIT_ENABLED": "0", "DUDAO_CONFIG": "production", "DEMO_ON_FIRST_RUN": "0",
               "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PORT", None)
        flask = [tool("flask"), "--app", "wsgi"]
        print(f"setting up {workdir} ...", flush=True)
        run(flask + ["db", "upgrade"], env)
        run(flask + ["surveys", "sync"], env)
        password = secrets.token_urlsafe(12)
        run(flask + ["users", "create", "bench", "--role", "admin", "--password", password], env)
        api_token = run(flask + ["users", "token", "bench"], env).strip()

        app_server = Server("app", "wsgi:app", env, workdir, args)
        servers.append(app_server)
        base = app_server.base
        http("POST", base + "/api/v1/zones", {"code": "BZ", "name": "基准责任区"}, api_token, expect=201)
        http("POST", base + "/api/v1/schools", {"code": "BS1", "name": "基准小学", "stage": "primary",
                                                 "zone": "BZ"}, api_token, expect=201)
        launches = [http("POST", base + "/api/v1/launches", {"survey": "sleep", "school": "BS1",
                                                              "audience": "parent"}, api_token, expect=201)[1]
                    for _ in range(args.rounds + 1)]
        warm, measured = launches[0], launches[1:]
        _, definition = http("GET", base + "/api/v1/surveys/sleep", token=api_token, expect=200)
        answers = valid_answers(definition, tuple(str(g) for g in range(1, 7)))
        body_file = workdir / "body.json"
        body_file.write_text(json.dumps({"answers": answers}, ensure_ascii=False), encoding="utf-8")
        status, payload = http("POST", f"{base}/api/v1/public/{warm['token']}/responses",
                               {"answers": answers})
        if status != 201:
            raise BenchmarkError(f"the benchmark's answers are not valid: {status} {payload}")
        report["answers"] = answers
        warm_path = f"/api/v1/public/{warm['token']}/responses"

        # 4. The bare baseline, served at the same time but loaded only in its turn.
        base_server = base_db = None
        if not args.skip_baseline:
            base_db = workdir / "baseline.sqlite3"
            with sqlite3.connect(base_db) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("CREATE TABLE responses (id INTEGER PRIMARY KEY, token TEXT NOT NULL,"
                             " receipt TEXT NOT NULL UNIQUE, answers TEXT NOT NULL)")
            base_server = Server("baseline", "baseline_app:app", {**env, "BASELINE_DB": str(base_db)},
                                 workdir, args, pythonpath=BENCH)
            servers.append(base_server)

        # 2-4. Rounds of load, app and baseline taking turns (ABBA...), each checked in its database.
        warm_up("app", app_server, warm_path, body_file, args, workdir, load)
        if base_server:
            warm_up("baseline", base_server, warm_path, body_file, args, workdir, load)
        app_rounds, base_rounds = [], []
        for n, launch in enumerate(measured):
            path = f"/api/v1/public/{launch['token']}/responses"
            order = ["app", "baseline"] if n % 2 == 0 else ["baseline", "app"]
            for side in order:
                if side == "app":
                    result = measure("app", app_server, path, body_file, args, workdir / f"app-{n}", load)
                    time.sleep(0.3)
                    result["check"] = check_app_db(db_path, launch["id"], result.pop("receipts"))
                    app_rounds.append(result)
                elif base_server:
                    result = measure("baseline", base_server, path, body_file, args,
                                     workdir / f"baseline-{n}", load)
                    time.sleep(0.3)
                    result["check"] = check_baseline_db(base_db, launch["token"], result.pop("receipts"))
                    base_rounds.append(result)
        report["app"] = {**combine(app_rounds), "server_log_problems": app_server.problems()[:20]}
        if base_server:
            base_server.stop()
            report["baseline"] = {**combine(base_rounds), "server_log_problems": base_server.problems()[:20]}
            report["ratio"] = (report["app"]["accepted_per_s"] / report["baseline"]["accepted_per_s"]
                               if report["baseline"]["accepted_per_s"] else None)
            report["ratio_by_round"] = [a["accepted_per_s"] / b["accepted_per_s"] if b["accepted_per_s"] else None
                                        for a, b in zip(app_rounds, base_rounds)]

        # 5. The form page.
        if not args.skip_form:
            print("  form page ...", flush=True)
            form_path = f"/s/{measured[0]['token']}"
            http("GET", base + form_path, expect=200)
            single = load(base, "GET", form_path, None, args.form_seconds, 1, 1, workdir / "form-c1")
            many = load(base, "GET", form_path, None, args.form_seconds, args.connections, args.threads,
                        workdir / "form-cN")
            report["form"] = {
                "gunicorn_1_connection": {**summarise_load(single), "latency_ms": single["latency_ms"],
                                          "statuses": single["statuses"]},
                f"gunicorn_{args.connections}_connections": {
                    **summarise_load(many), "latency_ms": many["latency_ms"], "statuses": many["statuses"]},
            }
        app_server.stop()
        if not args.skip_form:
            print("  form page in-process ...", flush=True)
            report["form"]["in_process"] = time_form_in_process(
                {k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "RATELIMIT_ENABLED", "DUDAO_CONFIG",
                                      "DEMO_ON_FIRST_RUN")}, measured[0]["token"], args.form_requests)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    report["targets"] = targets(report)
    print_table(report)
    out = Path(args.output) if args.output else (
        BENCH / "output" / f"submit_load-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not args.output:
        (out.parent / "submit_load-latest.json").write_text(out.read_text())
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if all(t["met"] for t in report["targets"].values() if t["met"] is not None) else 1


def targets(report: dict) -> dict:
    app = report["app"]
    result = {
        "throughput_ratio_>=_0.7": {"value": report.get("ratio"),
                                    "met": None if report.get("ratio") is None else report["ratio"] >= TARGET_RATIO},
        "p99_<_100_ms": {"value": app["latency_ms"]["p99"], "met": app["latency_ms"]["p99"] < TARGET_P99_MS},
        "zero_errors": {"value": app["non_2xx"] + app["socket_error_count"],
                        "met": app["non_2xx"] + app["socket_error_count"] == 0},
        "none_lost_or_duplicated": {"value": app["check"], "met": app["check"]["ok"]},
    }
    form = report.get("form", {}).get("in_process")
    if form:
        result["form_median_<_5_ms"] = {"value": form["median_ms"], "met": form["median_ms"] < TARGET_FORM_MEDIAN_MS}
    return result


def print_table(report: dict) -> None:
    app, base = report["app"], report.get("baseline")
    s = report["settings"]
    print(f"\nPOST /api/v1/public/TOKEN/responses: {s['connections']} connections, "
          f"{s['rounds']} x {s['duration_s']:g} s, "
          f"gunicorn {s['workers']} x {s['worker_class']}, client {s['client']}")
    rows = [
        ("accepted submissions/s", lambda r: f"{r['accepted_per_s']:.0f}"),
        ("accepted (201)", lambda r: str(r["accepted"])),
        ("latency p50 ms", lambda r: f"{r['latency_ms']['p50']:.1f}"),
        ("latency p90 ms", lambda r: f"{r['latency_ms']['p90']:.1f}"),
        ("latency p99 ms", lambda r: f"{r['latency_ms']['p99']:.1f}"),
        ("latency max ms", lambda r: f"{r['latency_ms']['max']:.1f}"),
        ("worker CPU ms per request", lambda r: f"{r['worker_cpu_ms_per_request']:.2f}"),
        ("non-2xx", lambda r: str(r["non_2xx"])),
        ("socket errors", lambda r: str(r["socket_error_count"])),
        ("stored rows", lambda r: str(r["check"]["stored"])),
        ("stored == 201, no duplicates", lambda r: "yes" if r["check"]["ok"] else "NO"),
    ]
    print(f"{'':32}{'app':>12}{'baseline':>12}")
    for label, fmt in rows:
        print(f"{label:32}{fmt(app):>12}{(fmt(base) if base else '-'):>12}")
    if report.get("ratio") is not None:
        print(f"{'throughput app/baseline':32}{report['ratio']:>12.2f}")
        if len(report["ratio_by_round"]) > 1:
            print(f"{'  by round':32}" + ", ".join(f"{r:.2f}" for r in report["ratio_by_round"]))
    form = report.get("form")
    if form:
        print("\nGET /s/TOKEN (form page)")
        if "in_process" in form:
            f = form["in_process"]
            print(f"  in-process, {f['requests']} requests: median {f['median_ms']:.2f} ms, "
                  f"p99 {f['p99_ms']:.2f} ms ({f['bytes']} bytes)")
        for key, r in form.items():
            if key.startswith("gunicorn"):
                print(f"  {key.replace('_', ' ')}: {r['requests_per_s']:.0f} req/s, "
                      f"p50 {r['latency_ms']['p50']:.2f} ms, p99 {r['latency_ms']['p99']:.2f} ms, "
                      f"non-2xx {r['non_2xx']}, socket errors {r['socket_error_count']}")
    print("\ntargets (issue 2)")
    for name, t in report["targets"].items():
        value = t["value"]
        shown = "ok" if isinstance(value, dict) and value.get("ok") else (
            f"{value:.2f}" if isinstance(value, float) else value)
        verdict = "-" if t["met"] is None else ("met" if t["met"] else "MISSED")
        print(f"  {name:28} {str(shown):>10}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
