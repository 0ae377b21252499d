"""Server logs never hold a respondent's address or the launch token (issue 6, item 6)."""
from __future__ import annotations

import json
import logging
import runpy
import threading
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from support import valid_answers

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def dev_server(app):
    """The app behind werkzeug's development server (what `flask run` uses), on a free port."""
    # Alembic's fileConfig (the session's migrations) disables loggers that existed before it.
    logging.getLogger("werkzeug").disabled = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()


def _fetch(url, data=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_dev_server_logs_no_address_or_token_for_public_submissions(dev_server, make_launch, caplog):
    launch = make_launch("sleep")
    body = json.dumps({"answers": valid_answers(launch, sleep_hours="9")}).encode()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert _fetch(f"{dev_server}/s/{launch.token}") == 200
        status = _fetch(f"{dev_server}/api/v1/public/{launch.token}/responses", body)
        assert status in (201, 422)
        assert _fetch(f"{dev_server}/login") == 200
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "/login" in logged  # the server does log, and staff pages still show
    assert launch.token not in logged and "127.0.0.1" not in logged
    assert "/s/" not in logged and "/api/v1/public/" not in logged


class Captured(logging.Handler):
    """Keeps the formatted messages (gunicorn's loggers do not propagate to caplog)."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _gunicorn_logger():
    conf = runpy.run_path(str(GUNICORN_CONF))
    from gunicorn.config import Config
    cfg = Config()
    cfg.set("errorlog", "-")
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", conf["access_log_format"])
    return conf, conf["logger_class"](cfg)


def test_gunicorn_error_log_redacts_client_addresses_and_tokens():
    conf, logger = _gunicorn_logger()
    assert conf["accesslog"] is None and "%(h)s" not in conf["access_log_format"]
    captured = Captured()
    logger.error_log.addHandler(captured)
    # The messages gunicorn's workers write (gunicorn/workers/base.py handle_error).
    logger.warning("Invalid request from ip=203.0.113.7: Invalid HTTP request line: 'x'")
    logger.warning("Invalid request from ip=2001:db8::17: bad header")
    logger.exception("Error handling request %s", "/s/Xy7kP2qL9mN4vR8tW3sZ5a")
    logged = "\n".join(captured.lines)
    assert "Invalid request from ip=-" in logged and "Error handling request /s/…" in logged
    assert "203.0.113.7" not in logged and "2001:db8::17" not in logged
    assert "Xy7kP2qL9mN4vR8tW3sZ5a" not in logged


def test_gunicorn_never_access_logs_public_paths():
    _conf, logger = _gunicorn_logger()
    captured = Captured()
    logger.access_log.addHandler(captured)
    resp = SimpleNamespace(status="201 Created", status_code=201, sent=10, response_length=10,
                           headers=[])

    def request(path):
        req = SimpleNamespace(method="POST", path=path, query="", version=(1, 1), headers=[],
                              uri=path)
        environ = {"PATH_INFO": path, "REMOTE_ADDR": "198.51.100.4", "QUERY_STRING": "",
                   "REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": path}
        return req, environ

    from datetime import timedelta
    logger.access(resp, *request("/api/v1/public/Tok123456/responses"), timedelta(seconds=0.01))
    logger.access(resp, *request("/s/Tok123456"), timedelta(seconds=0.01))
    logger.access(resp, *request("/staff/launches"), timedelta(seconds=0.01))
    logged = captured.lines
    assert len(logged) == 1 and "/staff/launches" in logged[0]
    assert "198.51.100.4" not in logged[0]
