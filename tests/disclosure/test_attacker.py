"""An attacker who reads every published figure, on every surface, at every moment, and solves
the linear system for a small group, must fail (docs/privacy.md, "The disclosure gate").

The attacker is strong: they know the order in which responses arrived at each launch, which
year each launch counts in, and which respondents answered each question (say, they answered
most of them themselves). What they do not know is the answers of the others. From each
published figure (a count or a mean with its n) they read one linear equation over the
respondents' unknown values: the set it sums is what the documented rule implies from the n
they see (a launch's figure counts the first n of its eligible arrivals; a school's figure,
the union of its launches' figures read at the same moment; a zone's and the county's, the
union of their schools'). The test checks that the sets line up (a figure's n is the sum of
its parts: otherwise the attacker would learn something the rule does not say), then that no
small group can be solved for: the respondents split into classes on which every equation
has the same coefficient, every class of published respondents has at least MIN_GROUP_SIZE
members, and no single respondent's indicator vector is in the row space.

Breaking any one rule of the gate makes this test fail (checked by hand, see the note on
issue 6): publishing responses one by one; letting a figure move by fewer respondents than
the threshold (no per-figure lag); counting a launch that spans New Year in two years.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, Zone
from app.responses.models import Response
from app.results import reports, services
from app.surveys.registry import latest_version

SIZE = 3   # MIN_GROUP_SIZE for this test: small, so few responses take many steps
REASON = "screens"   # the option of the optional "reasons" question the attacker targets


@st.composite
def counties(draw):
    """Zones of schools of launches (2025, 2026, or one spanning New Year), and arrivals."""
    zones = draw(st.integers(1, 2))
    schools = [draw(st.integers(0, zones - 1)) for _ in range(draw(st.integers(1, 4)))]
    launches = [(draw(st.integers(0, len(schools) - 1)), draw(st.sampled_from(["2025", "2026", "span"])))
                for _ in range(draw(st.integers(1, 5)))]
    arrivals = draw(st.lists(st.tuples(
        st.integers(0, len(launches) - 1),         # which launch
        st.sampled_from([7.0, 8.5, 9.0, 10.0, 11.0]),   # sleep hours
        st.sampled_from(["1", "2", "3", "4", "5", "6"]),   # grade
        st.sampled_from([None, None, REASON, "homework"]),   # optional question, often left out
        st.booleans()), min_size=1, max_size=28))   # read every surface after this one?
    return zones, schools, launches, arrivals


@pytest.fixture
def gate_app(make_app):
    app = make_app(MIN_GROUP_SIZE=SIZE)
    with app.app_context():
        yield app


def _reset():
    for model in (Response, Launch, School, Zone):
        db.session.execute(delete(model))
    db.session.commit()
    services.clear_caches()


def _opening(kind: str) -> datetime:
    return {"2025": datetime(2025, 4, 1, tzinfo=timezone.utc), "2026": datetime(2026, 4, 1, tzinfo=timezone.utc),
            "span": datetime(2025, 12, 20, tzinfo=timezone.utc)}[kind]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(county=counties())
def test_no_group_under_the_threshold_can_be_solved_for_from_everything_published(gate_app, county):
    _reset()
    zone_count, school_zones, launch_specs, arrivals = county
    version = latest_version("sleep")
    zones = [Zone(code=f"Z{i}", name=f"区{i}") for i in range(zone_count)]
    schools = [School(code=f"S{i}", name=f"校{i}", stage="primary", zone=zones[z]) for i, z in enumerate(school_zones)]
    launches = [Launch(survey_version_id=version.id, school=schools[s], audience="parent", opens_at=_opening(kind))
                for s, kind in launch_specs]
    db.session.add_all(zones + schools + launches)
    db.session.commit()
    year_of = {launch.id: _opening(kind).astimezone(timezone(timedelta(hours=8))).year
               for launch, (_, kind) in zip(launches, launch_specs)}

    people = []   # (launch id, sleep compliant?, sleep hours, answered reasons?, chose REASON?)
    arrived = defaultdict(list)   # launch id -> indexes into people, in arrival order
    observations = defaultdict(list)   # system -> [(set of people, value)]
    readings = 0
    for i, (which, hours, grade, reason, read) in enumerate(arrivals):
        launch = launches[which]
        # A spanning launch gets answers on both sides of New Year (local time).
        when = _opening(launch_specs[which][1]) + timedelta(days=(i * 3) % 40)
        answers = {"grade": grade, "sleep_hours": hours, "bedtime": "21:00", "wake_time": "06:40"}
        if reason:
            answers["reasons"] = [reason]
        db.session.execute(insert(Response), [{
            "launch_id": launch.id, "school_id": launch.school_id, "survey_version_id": version.id,
            "submitted_hour": when, "receipt": secrets.token_urlsafe(12), "answers": answers}])
        db.session.commit()
        arrived[launch.id].append(len(people))
        people.append((launch.id, hours >= 10, hours, reason is not None, reason == REASON))
        if read or i == len(arrivals) - 1:
            readings += 1
            _read_everything(launches, schools, zones, year_of, people, arrived, observations)

    assert readings >= 1
    for system, rows in observations.items():
        _assert_unsolvable(system, rows, len(people))


def _prefix(launch_id, n, arrived, people, eligible) -> frozenset:
    """The first n eligible arrivals of a launch: the set a figure with that n counts."""
    members = [p for p in arrived[launch_id] if eligible(people[p])]
    assert n <= len(members), "a figure counts more respondents than have arrived"
    return frozenset(members[:n])


def _read_everything(launches, schools, zones, year_of, people, arrived, observations):
    """Every figure the attacker can read now, as (set, value) equations per system."""
    compliant = lambda person: True
    answered = lambda person: person[3]
    parts = defaultdict(dict)   # (scope, year) -> {launch id: set counted by sleep_compliance}
    for launch in launches:
        summary = services.launch_summary(launch)
        hours = next(q for q in summary["questions"] if q["id"] == "sleep_hours")
        if not hours["suppressed"]:
            members = _prefix(launch.id, hours["n"], arrived, people, compliant)
            observations["sleep_hours"].append((members, hours["mean"] * hours["n"]))
        reasons = next(q for q in summary["questions"] if q["id"] == "reasons")
        if not reasons["suppressed"]:
            members = _prefix(launch.id, reasons["n"], arrived, people, answered)
            observations["reasons"].append((members, reasons["counts"][REASON]))
        sleep = next(i for i in summary["indicators"] if i["key"] == "sleep_compliance")
        members = _prefix(launch.id, sleep["n"], arrived, people, compliant)
        if not sleep["suppressed"]:
            observations["sleep_compliance"].append((members, sleep["value"] * sleep["n"]))
        year = year_of[launch.id]
        for scope in (("school", launch.school_id), ("zone", launch.school.zone_id), ("county", 0)):
            parts[(scope, year)][launch.id] = members
    for year in (2025, 2026):
        figures = [(("county", 0), reports.county_report(year, "parent")["indicators"])]
        figures += [(("zone", z.id), reports.zone_report(z, year, "parent")["indicators"]) for z in zones]
        figures += [(("school", s.id), reports.school_report(s, year, "parent")["indicators"]) for s in schools]
        for scope, indicators in figures:
            sleep = next((i for i in indicators if i["key"] == "sleep_compliance"), None)
            counted = frozenset().union(*parts.get((scope, year), {}).values())
            if sleep is None:
                assert not counted, (scope, year, "published launches but no figure")
                continue
            # The documented nesting: a scope counts exactly its launches' published figures of that year.
            assert sleep["n"] == len(counted), (scope, year, sleep["n"], len(counted))
            if not sleep["suppressed"]:
                observations["sleep_compliance"].append((counted, sleep["value"] * sleep["n"]))


def _assert_unsolvable(system: str, rows, people: int) -> None:
    """No published group smaller than SIZE, and no single respondent, is determined."""
    matrix = np.zeros((len(rows), people))
    for r, (members, _value) in enumerate(rows):
        matrix[r, list(members)] = 1.0
    # Classes of respondents whose columns are identical: every solvable group is a union of them.
    classes = defaultdict(list)
    for person in range(people):
        column = matrix[:, person]
        if column.any():
            classes[column.tobytes()].append(person)
    for members in classes.values():
        assert len(members) >= SIZE, (system, "a group of", len(members), "is set apart by the figures")
    rank = np.linalg.matrix_rank(matrix) if len(rows) else 0
    for person in range(people):
        unit = np.zeros(people)
        unit[person] = 1.0
        assert np.linalg.matrix_rank(np.vstack([matrix, unit])) > rank, (system, "respondent", person, "solved")
