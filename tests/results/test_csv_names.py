"""Download names: scope and year in the UTF-8 name, an ASCII stand-in that still says something."""
from __future__ import annotations

import pytest

from app.downloads import ascii_filename, content_disposition


@pytest.mark.parametrize("name, fallback", [
    ("海报-1.zip", "download-1.zip"),             # was "-1.zip"
    ("城关责任区-2026-睡眠时间达标.csv", "download-2026.csv"),
    ("S001-城关镇第一小学-睡眠.pdf", "S001.pdf"),
    ("posters-12.zip", "posters-12.zip"),
    ("睡眠.csv", "download.csv"),
])
def test_ascii_fallback_is_never_only_separators_and_digits(name, fallback):
    assert ascii_filename(name) == fallback


def test_a_given_ascii_name_is_used_for_old_clients_and_made_safe():
    value = content_disposition("城关责任区-2026-睡眠时间达标.csv", ascii_name="zone-CG-2026-sleep_compliance.csv")
    assert value.startswith('attachment; filename="zone-CG-2026-sleep_compliance.csv"; filename*=UTF-8\'\'')
    evil = content_disposition("x.csv", ascii_name='a";b\r\n.csv')
    assert evil.count('"') == 2 and "\r" not in evil and "\n" not in evil


def test_county_csv_is_named_for_the_county_and_the_year(client, make_zone, make_school, make_launch,
                                                        make_user, add_responses, sleep_answers):
    from urllib.parse import unquote
    zone = make_zone(code="CG", name="城关责任区")
    add_responses(make_launch("sleep", school=make_school(code="S1", zone=zone)), [sleep_answers("4", 10)] * 12)
    client.post("/login", data={"username": make_user("office", "admin").username, "password": "password123"})
    zone_value = client.get("/staff/charts/zone/CG/sleep_compliance.csv?year=2026").headers["Content-Disposition"]
    county_value = client.get("/staff/charts/county/sleep_compliance.csv?year=2026").headers["Content-Disposition"]
    assert unquote(zone_value.split("''")[1]) == "城关责任区-2026-睡眠时间达标.csv"
    assert 'filename="zone-CG-2026-sleep_compliance.csv"' in zone_value
    assert unquote(county_value.split("''")[1]).endswith("-2026-睡眠时间达标.csv")
    assert 'filename="county-2026-sleep_compliance.csv"' in county_value
