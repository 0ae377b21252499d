"""The bare baseline for benchmarks/submit_load.py: plain Flask + sqlite3, nothing else.

POST /api/v1/public/<token>/responses parses the JSON body, does one INSERT in WAL mode and
answers 201 {"receipt"}. The same SQLite settings as the real app (WAL, synchronous=NORMAL,
BEGIN IMMEDIATE, a 30 s busy timeout) so the ratio measures the app's own overhead.

    BASELINE_DB=/tmp/x.sqlite3 .venv/bin/gunicorn -c gunicorn.conf.py --chdir benchmarks baseline_app:app
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading

from flask import Flask, jsonify, request

DB_PATH = os.environ.get("BASELINE_DB", "baseline.sqlite3")
app = Flask(__name__)
_local = threading.local()


def connection() -> sqlite3.Connection:
    """One connection per worker thread, opened on first use."""
    conn = getattr(_local, "connection", None)
    if conn is None:
        conn = _local.connection = sqlite3.connect(DB_PATH, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS responses (id INTEGER PRIMARY KEY, token TEXT NOT NULL,"
            " receipt TEXT NOT NULL UNIQUE, answers TEXT NOT NULL)")
    return conn


@app.post("/api/v1/public/<token>/responses")
def submit(token: str):
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return jsonify({"error": "bad body", "fields": {}}), 422
    receipt = secrets.token_urlsafe(12)
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO responses (token, receipt, answers) VALUES (?, ?, ?)",
                     (token, receipt, json.dumps(body["answers"])))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return jsonify({"receipt": receipt}), 201


@app.get("/healthz")
def healthz():
    connection()
    return jsonify({"status": "ok"})
