"""Every response carries the security headers; the pages still work under the policy."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXED = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    parts = [p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";")]
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_protected(response):
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (name, response.request.path)
    if response.mimetype not in ("text/html", "image/svg+xml"):
        return
    csp = policy(response)
    assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'self'"
    assert "'unsafe-inline'" not in csp["script-src"] and "*" not in response.headers["Content-Security-Policy"]


@pytest.fixture
def signed_in_admin(client, make_user):
    make_user("office", "admin")
    assert client.post("/login", data={"username": "office", "password": "password123"}).status_code == 302
    return client


def test_public_pages_api_and_errors_carry_the_security_headers(client, make_launch):
    launch = make_launch("sleep")
    for path in ("/healthz", "/login", f"/s/{launch.token}", f"/s/{launch.token}/qr.svg", "/privacy",
                 "/s/unknown-token", "/api/v1/surveys", "/no/such/page"):
        assert_protected(client.get(path))
    assert_protected(client.post(f"/api/v1/public/{launch.token}/responses", data="{",
                                 content_type="application/json"))
    for path in ("/login", f"/s/{launch.token}", f"/s/{launch.token}/qr.svg", "/no/such/page"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"], path


def test_poster_pdfs_get_the_fixed_headers_but_no_policy_that_would_blank_the_pdf_viewer(client,
                                                                                       make_launch):
    response = client.get(f"/s/{make_launch('sleep').token}/poster.pdf")
    assert response.status_code == 200
    assert_protected(response)
    assert "Content-Security-Policy" not in response.headers


def test_staff_pages_cannot_be_framed(signed_in_admin, make_launch):
    launch = make_launch("sleep")
    for path in ("/staff/", "/staff/launches/new", f"/staff/launches/{launch.id}", "/staff/schools/import"):
        response = signed_in_admin.get(path)
        assert response.status_code == 200, path
        assert_protected(response)


def test_every_inline_script_runs_only_with_this_responses_nonce(client, make_launch):
    launch = make_launch("sleep")
    first, second = client.get(f"/s/{launch.token}"), client.get(f"/s/{launch.token}")
    nonces = []
    for page in (first, second):
        scripts = re.findall(r"<script([^>]*)>", page.text)
        assert scripts, "the public form has its show-if script"
        nonce = policy(page)["script-src"].split("'nonce-")[1].rstrip("'")
        assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_inline_styles_of_the_pages_are_allowed_and_nothing_external_is_loaded(client, make_launch):
    page = client.get(f"/s/{make_launch('sleep').token}")
    assert "<style>" in page.text and "'unsafe-inline'" in policy(page)["style-src"]
    assert not re.search(r'(src|href)="(https?:)?//', page.text)


def test_qr_images_from_the_public_base_url_are_allowed_on_staff_pages(make_app):
    client = make_app(sync=False, PUBLIC_BASE_URL="https://dudao.example.gov.cn/survey").test_client()
    assert "https://dudao.example.gov.cn" in policy(client.get("/login"))["img-src"]


def test_trusted_hosts_refuse_requests_for_another_host(make_app):
    client = make_app(sync=False, TRUSTED_HOSTS=["dudao.example.gov.cn"]).test_client()
    assert client.get("/healthz", headers={"Host": "dudao.example.gov.cn"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_trusted_hosts_are_read_from_the_environment():
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TRUSTED_HOSTS": " dudao.example.gov.cn, localhost "}
    out = subprocess.run([sys.executable, "-c", "import config; print(config.Config.TRUSTED_HOSTS)"],
                         cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['dudao.example.gov.cn', 'localhost']"
    env.pop("TRUSTED_HOSTS")
    out = subprocess.run([sys.executable, "-c", "import config; print(config.Config.TRUSTED_HOSTS)"],
                         cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "None"
