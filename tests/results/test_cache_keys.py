"""Cached results follow what they depend on: published steps, the schools' zones, the targets."""
from __future__ import annotations

from app.extensions import db
from app.organisation.models import School, Zone


def _sleep(report):
    return next(i for i in report["indicators"] if i["key"] == "sleep_compliance")


def test_moving_a_school_to_another_zone_changes_both_zones_figures_at_once(
        client, make_zone, make_school, make_launch, make_user, add_responses, sleep_answers, token_for):
    z1, z2 = make_zone(code="Z1"), make_zone(code="Z2")
    for code, zone, hours in (("A", z1, 10), ("B", z1, 10), ("C", z2, 8)):
        add_responses(make_launch("sleep", school=make_school(code=code, zone=zone)), [sleep_answers("3", hours)] * 10)
    headers = token_for(make_user("office", "admin"))
    before = client.get("/api/v1/zones/Z2/indicators?year=2026", headers=headers).json
    assert _sleep(before)["n"] == 10 and _sleep(before)["value"] == 0.0
    school = db.session.query(School).filter_by(code="B").one()
    school.zone_id = db.session.query(Zone).filter_by(code="Z2").one().id
    db.session.commit()
    after = client.get("/api/v1/zones/Z2/indicators?year=2026", headers=headers).json
    assert _sleep(after)["n"] == 20 and _sleep(after)["value"] == 0.5
    assert {s["code"] for s in after["schools"]} == {"B", "C"}


def test_a_new_target_changes_verdicts_at_once(client, make_school, make_launch, make_user, add_responses,
                                               sleep_answers, token_for):
    from app.results.models import CountyTarget
    school = make_school(code="A")
    add_responses(make_launch("sleep", school=school), [sleep_answers("3", 10)] * 6 + [sleep_answers("3", 8)] * 4)
    headers = token_for(make_user("office", "admin"))
    db.session.add(CountyTarget(key="sleep_compliance", value=0.5, updated_at=db.func.now()))
    db.session.commit()
    first = _sleep(client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json)
    assert first["target"] == 0.5 and first["verdict"] == "meets"
    db.session.get(CountyTarget, "sleep_compliance").value = 0.9
    db.session.commit()
    second = _sleep(client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json)
    assert second["target"] == 0.9 and second["verdict"] != "meets"
