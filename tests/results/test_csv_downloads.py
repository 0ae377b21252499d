"""Chart CSV downloads: formula-like names neutralised, unknown indicator keys 404, safe headers."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest


@pytest.fixture
def formula_zone(make_zone, make_school, make_launch, make_user, add_responses, sleep_answers):
    """Zone Z with a school named like an Excel formula, 12 answers; an admin signed in later."""
    zone = make_zone(code="Z", name="@SUM(1+1)")
    school = make_school(code="EVIL", name='=HYPERLINK("http://evil.example","点击")', zone=zone)
    add_responses(make_launch("sleep", school=school), [sleep_answers("4", 10)] * 12)
    return make_user("office", "admin")


def signed_in(client, user):
    assert client.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
    return client


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_group_names_that_look_like_formulas_are_neutralised_in_zone_and_county_csv(client, formula_zone):
    signed_in(client, formula_zone)
    zone_csv = client.get("/staff/charts/zone/Z/sleep_compliance.csv?year=2026")
    assert zone_csv.status_code == 200
    assert [row[0] for row in rows_of(zone_csv)[1:]] == ['\'=HYPERLINK("http://evil.example","点击")']
    county_csv = client.get("/staff/charts/county/sleep_compliance.csv?year=2026")
    assert [row[0] for row in rows_of(county_csv)[1:]] == ["'@SUM(1+1)"]


@pytest.mark.parametrize("path", [
    "/staff/charts/zone/Z/no_such_indicator.csv", "/staff/charts/county/no_such_indicator.csv",
    "/staff/charts/school/EVIL/no_such_indicator/trend.csv",
    "/staff/charts/zone/Z/睡眠.csv", "/staff/charts/county/%E7%9D%A1.csv",
    "/staff/charts/school/EVIL/%E7%9D%A1%E7%9C%A0/trend.csv",
    '/staff/charts/school/EVIL/a;b="c"/trend.csv',
])
def test_unknown_or_malformed_indicator_keys_are_404(client, formula_zone, path):
    signed_in(client, formula_zone)
    response = client.get(path)
    assert response.status_code == 404
    assert "Content-Disposition" not in response.headers


def test_csv_downloads_name_the_file_in_a_quoted_rfc5987_header(client, formula_zone):
    signed_in(client, formula_zone)
    # The Chinese name starts with the scope and year and names the indicator; the ASCII
    # stand-in says the same with codes.
    for path, start, ascii_name in (
            ("/staff/charts/zone/Z/sleep_compliance.csv", "@SUM(1+1)-2026-睡眠时间达标",
             "zone-Z-2026-sleep_compliance.csv"),
            ("/staff/charts/school/EVIL/sleep_compliance/trend.csv",
             '=HYPERLINK("http:--evil.example","点击")-2026-睡眠时间达标-',
             "EVIL-2026-sleep_compliance-trend.csv")):
        response = client.get(path + "?year=2026")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        value = response.headers["Content-Disposition"]
        assert value.startswith(f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(start, safe="")}')
        assert value.endswith(".csv")
