"""The fast paths of app.results.services give what the plain pandas paths give (issue 3).

* county tables aggregated in SQL (`county_results(method="sql")`) against the statistics package
  over every response's measures (`method="pandas"`): every row, n, k, mean, sd, value,
  interval, limit and suppression flag, within 1e-9;
* the reports built on them (county, zone, school) the same both ways;
* a launch summary from answers extracted in SQL against `build_frame` over decoded responses.

The data: a few hundred responses from the demo generator (fake_answers) to every parent survey
over two years, at schools of every stage in two zones, with a launch straddling New Year, a
tiny school (suppression), a second version of the satisfaction survey lacking one item (alpha
over complete cases only), a parent survey also launched for students (the audience filter),
and a county override switching the activity rule to its `total` mode.
"""
from __future__ import annotations

import copy
import random
import secrets
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from app.demo.generate import fake_answers
from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, Zone
from app.responses.models import Response
from app.results import services
from app.results.reports import county_report, school_report, zone_report
from app.surveys.models import Survey, SurveyVersion
from app.surveys.registry import definition_of, latest_version

PARENT_SURVEYS = ("sleep", "homework", "phone", "satisfaction", "activity", "after_school", "reading")
FLOATS = ["k", "mean", "sd", "value", "ci_low", "ci_high", "limit"]


def _satisfaction_without_one_item() -> SurveyVersion:
    """A second satisfaction version lacking its first item (and responses to both)."""
    first = latest_version("satisfaction")
    source = copy.deepcopy(first.definition)
    dropped = next(q for q in source["questions"] if q.get("measure") == "satisfaction")
    source["questions"].remove(dropped)
    version = SurveyVersion(survey_id=first.survey_id, version=first.version + 1, definition=source,
                            content_hash="v2-" + secrets.token_hex(8), title=first.title)
    db.session.add(version)
    db.session.flush()
    return version


def _populate(seed: int = 7) -> None:
    rng = random.Random(seed)
    zones = [Zone(code=f"CZ{i}", name=f"责任区{i}") for i in (1, 2)]
    stages = ["primary", "junior", "senior", "nine_year", "twelve_year", "primary", "junior"]
    schools = [School(code=f"CS{i}", name=f"学校{i}", stage=stage, zone=zones[i % 2])
               for i, stage in enumerate(stages)]
    db.session.add_all(zones + schools)
    db.session.flush()
    versions = [latest_version(key) for key in PARENT_SURVEYS] + [_satisfaction_without_one_item()]
    quality = {s.id: rng.uniform(-1, 1) for s in schools}
    rows = []
    for version in versions:
        survey = definition_of(version)
        for year in (2025, 2026):
            for school in schools:
                # A launch of December 2025 runs into January 2026 (local time, UTC+8).
                opens = (datetime(2025, 12, 30, 0, tzinfo=timezone.utc) if year == 2025 and school.id % 3 == 0
                         else datetime(year, 4, 1, tzinfo=timezone.utc))
                audience = "student" if (survey.key == "sleep" and school is schools[1] and year == 2026) else "parent"
                launch = Launch(survey_version_id=version.id, school=school, audience=audience,
                                opens_at=opens, closes_at=opens + timedelta(days=5))
                db.session.add(launch)
                db.session.flush()
                # The last school is tiny: its figures are suppressed (and complementary ones).
                count = rng.randint(2, 6) if school is schools[-1] else rng.randint(8, 30)
                for _ in range(count):
                    hour = opens + timedelta(hours=rng.randrange(0, 5 * 24))
                    rows.append({"launch_id": launch.id, "school_id": school.id,
                                 "survey_version_id": version.id, "submitted_hour": hour,
                                 "receipt": secrets.token_urlsafe(12),
                                 "answers": fake_answers(survey, school.stage, rng, quality=quality[school.id],
                                                         comments=["很好", "作业多"])})
    db.session.execute(insert(Response), rows)
    db.session.commit()


@pytest.fixture
def county(make_app, tmp_path):
    overrides = tmp_path / "county.yaml"
    overrides.write_text("indicators:\n  activity_compliance: {mode: total}\n", encoding="utf-8")
    app = make_app(STANDARDS_OVERRIDES=str(overrides))
    with app.app_context():
        _populate()
        services._cache.clear()
        yield app
    services._cache.clear()


def _assert_same_table(fast: pd.DataFrame, plain: pd.DataFrame, by: list[str]) -> None:
    order = ["period", *by, "key"]
    fast = fast.sort_values(order).reset_index(drop=True)
    plain = plain.sort_values(order).reset_index(drop=True)
    assert list(fast.columns) == list(plain.columns)
    assert len(fast) == len(plain) > 0
    for column in ["period", *by, "key", "kind", "n", "suppressed"]:
        assert fast[column].astype(object).tolist() == plain[column].astype(object).tolist(), column
    for column in FLOATS:
        a, b = fast[column].to_numpy(dtype=float), plain[column].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=column)


def test_county_tables_aggregated_in_sql_equal_the_pandas_tables(county):
    fast = services.county_results("parent", method="sql")
    plain = services.county_results("parent", method="pandas")
    assert fast.measures_of(school_id=-1).empty      # SQL path: no respondent frame kept ...
    assert fast._measures is None and plain._measures is not None   # ... unless asked for
    assert fast.periods == plain.periods == [2025, 2026]
    assert fast.items == plain.items and len(fast.items) >= 2
    assert list(fast.schema.columns) == list(plain.measures.columns)
    _assert_same_table(fast.schools, plain.schools, ["zone_id", "school_id"])
    _assert_same_table(fast.zones, plain.zones, ["zone_id"])
    _assert_same_table(fast.county, plain.county, [])
    keys = set(plain.county["key"])
    assert {"sleep_compliance", "homework_compliance", "bedtime_compliance", "phone_compliance",
            "activity_compliance", "reading_compliance", "after_school_compliance",
            "homework_minutes_mean", "satisfaction_index", "satisfaction_alpha"} <= keys
    assert plain.schools["suppressed"].any() and not plain.schools["suppressed"].all()
    school_id = int(plain.measures["school_id"].iloc[0])
    mine = fast.measures_of(school_id=school_id, period=2026).sort_values("response_id").reset_index(drop=True)
    theirs = plain.measures_of(school_id=school_id, period=2026).sort_values("response_id").reset_index(drop=True)
    assert len(mine) > 0
    pd.testing.assert_frame_equal(mine, theirs)
    counts = lambda r: r.respondents.sort_values(["period", "school_id"])[["period", "zone_id", "school_id", "n"]]
    pd.testing.assert_frame_equal(counts(fast).reset_index(drop=True).astype("int64"),
                                  counts(plain).reset_index(drop=True).astype("int64"))


def test_sql_path_counts_only_the_audience_and_respondents_across_new_year(county):
    fast = services.county_results("parent", method="sql")
    students = services.county_results("student", method="sql")
    plain_students = services.county_results("student", method="pandas")
    assert students.periods == plain_students.periods == [2026]
    _assert_same_table(students.schools, plain_students.schools, ["zone_id", "school_id"])
    published = db.session.scalar(select(db.func.count()).select_from(Response).where(Response.step.isnot(None)))
    assert 0 < published <= db.session.scalar(select(db.func.count()).select_from(Response))
    assert int(fast.respondents["n"].sum()) + int(students.respondents["n"].sum()) == published


def test_reports_are_the_same_both_ways(county):
    def reports(method):
        county.config["COUNTY_AGGREGATION"] = method
        services._cache.clear()
        school = db.session.scalars(select(School).order_by(School.id)).first()
        zone = db.session.scalars(select(Zone).order_by(Zone.id)).first()
        return [county_report(2026, "parent"), county_report(2025, "parent"),
                zone_report(zone, 2026, "parent"), school_report(school, 2026, "parent")]

    fast, plain = reports("sql"), reports("pandas")
    county.config.pop("COUNTY_AGGREGATION")
    _assert_close(fast, plain)


def test_launch_summary_from_sql_columns_equals_build_frame(county):
    for key in ("sleep", "homework", "satisfaction", "phone"):
        launch = db.session.scalars(select(Launch).join(SurveyVersion).join(Survey)
                                    .where(Survey.key == key).order_by(Launch.id)).first()
        fast = services.launch_summary(launch)
        plain = services.launch_summary_from_records(launch)
        assert fast["n"] > 0
        _assert_close(fast, plain)


def test_launch_summary_of_an_empty_launch(county, make_launch):
    launch = make_launch("sleep")
    assert services.launch_summary(launch)["n"] == 0
    _assert_close(services.launch_summary(launch), services.launch_summary_from_records(launch))


def _assert_close(fast, plain, path="$"):
    """Equal JSON-like structures, floats within 1e-9."""
    if isinstance(plain, dict):
        assert isinstance(fast, dict) and set(fast) == set(plain), (path, set(fast) ^ set(plain))
        for key in plain:
            _assert_close(fast[key], plain[key], f"{path}.{key}")
    elif isinstance(plain, list):
        assert isinstance(fast, list) and len(fast) == len(plain), path
        for i, (a, b) in enumerate(zip(fast, plain)):
            _assert_close(a, b, f"{path}[{i}]")
    elif isinstance(plain, float) and not isinstance(plain, bool):
        assert isinstance(fast, (int, float)), path
        assert fast == pytest.approx(plain, rel=1e-9, abs=1e-9), path
    else:
        assert fast == plain, (path, fast, plain)
