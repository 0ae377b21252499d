"""Zones and schools on the office's pages: create, rename, edit, move, (de)activate, search,
and enrolment in the school import; every change one audit event."""
from __future__ import annotations

import io

from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, Zone
from tests.office_support import events, office, sign_in  # noqa: F401  (fixtures)


def school(code: str) -> School:
    """The school as stored now."""
    db.session.expire_all()
    return db.session.query(School).filter_by(code=code).one()


def test_create_zone_and_rename_it(client, sign_in, office):
    sign_in(office)
    assert client.post("/staff/admin/zones", data={"code": "CG", "name": "城关责任区"}).status_code == 302
    zone = db.session.query(Zone).filter_by(code="CG").one()
    assert client.post("/staff/admin/zones/CG", data={"name": "城关新区"}).status_code == 302
    db.session.expire_all()
    assert zone.name == "城关新区"
    created, renamed = events(entity="zone")
    assert (created.action, created.after, created.zone_id) == (
        "create", {"code": "CG", "name": "城关责任区"}, zone.id)
    assert (renamed.action, renamed.before, renamed.after) == (
        "update", {"name": "城关责任区"}, {"name": "城关新区"})


def test_zone_code_taken_or_bad_is_refused(client, sign_in, office, make_zone):
    make_zone(code="CG", name="城关")
    sign_in(office)
    assert client.post("/staff/admin/zones", data={"code": "CG", "name": "又一个"}).status_code == 409
    assert client.post("/staff/admin/zones", data={"code": "C G", "name": "x"}).status_code == 400
    assert client.post("/staff/admin/zones/CG", data={"name": ""}).status_code == 400
    assert db.session.query(Zone).count() == 1 and events() == []


def test_create_school_with_enrolment(client, sign_in, office, make_zone):
    zone = make_zone(code="CG")
    sign_in(office)
    response = client.post("/staff/admin/schools/new", data={
        "code": "S9", "name": "城关九小", "stage": "junior", "enrolment": "812", "zone": "CG"})
    assert response.status_code == 302
    stored = school("S9")
    assert (stored.name, stored.stage, stored.enrolment, stored.zone.code, stored.active) == (
        "城关九小", "junior", 812, "CG", True)
    [event] = events(entity="school")
    assert (event.action, event.entity_id, event.zone_id) == ("create", str(stored.id), zone.id)
    assert event.after == {"code": "S9", "name": "城关九小", "stage": "junior", "enrolment": 812,
                           "zone": "CG", "active": True}


def test_create_school_refuses_a_bad_enrolment_and_a_missing_code(client, sign_in, office, make_zone):
    make_zone(code="CG")
    sign_in(office)
    base = {"code": "S9", "name": "城关九小", "stage": "junior", "zone": "CG"}
    assert client.post("/staff/admin/schools/new", data={**base, "enrolment": "-3"}).status_code == 400
    assert client.post("/staff/admin/schools/new", data={**base, "enrolment": "many"}).status_code == 400
    assert client.post("/staff/admin/schools/new", data={**base, "code": ""}).status_code == 422
    assert db.session.query(School).count() == 0 and events() == []


def test_edit_school_records_only_what_changed(client, sign_in, office, make_school, make_zone):
    zone = make_zone(code="CG")
    make_school(code="S1", name="城关一小", zone=zone)
    sign_in(office)
    response = client.post("/staff/admin/schools/S1", data={
        "name": "城关第一小学", "stage": "nine_year", "enrolment": "640", "zone": "CG"})
    assert response.status_code == 302
    stored = school("S1")
    assert (stored.name, stored.stage, stored.enrolment) == ("城关第一小学", "nine_year", 640)
    [event] = events(entity="school")
    assert event.action == "update"
    assert event.before == {"name": "城关一小", "stage": "primary", "enrolment": None}
    assert event.after == {"name": "城关第一小学", "stage": "nine_year", "enrolment": 640}


def test_move_school_to_another_zone_changes_who_sees_it(client, sign_in, office, make_school,
                                                         make_zone, make_user):
    cg, xc = make_zone(code="CG"), make_zone(code="XC")
    make_school(code="S1", name="城关一小", zone=cg)
    old_supervisor = make_user("zhang", role="supervisor", zones=[cg])
    new_supervisor = make_user("li", role="supervisor", zones=[xc])
    sign_in(office)
    client.post("/staff/admin/schools/S1", data={"name": "城关一小", "stage": "primary", "zone": "XC"})
    assert school("S1").zone.code == "XC"
    [event] = events(entity="school")
    assert (event.action, event.before, event.after, event.zone_id) == (
        "move", {"zone": "CG"}, {"zone": "XC"}, xc.id)
    sign_in(old_supervisor)
    assert client.get("/staff/schools/S1").status_code == 404
    sign_in(new_supervisor)
    assert client.get("/staff/schools/S1").status_code == 200


def test_saving_an_unchanged_school_records_nothing(client, sign_in, office, make_school, make_zone):
    make_school(code="S1", name="城关一小", zone=make_zone(code="CG"))
    sign_in(office)
    client.post("/staff/admin/schools/S1", data={"name": "城关一小", "stage": "primary", "zone": "CG"})
    assert events() == []


def test_search_by_name_or_code_and_filter_by_zone(client, sign_in, office, make_school, make_zone):
    cg, xc = make_zone(code="CG"), make_zone(code="XC")
    make_school(code="CG01", name="城关一小", zone=cg)
    make_school(code="CG02", name="城关二中", zone=cg, stage="junior")
    make_school(code="XC01", name="西城一小", zone=xc)
    sign_in(office)

    def listed(query: str) -> set[str]:
        page = client.get("/staff/admin/schools" + query).text
        return {code for code in ("CG01", "CG02", "XC01") if f'/staff/admin/schools/{code}"' in page}
    assert listed("") == {"CG01", "CG02", "XC01"}
    assert listed("?q=一小") == {"CG01", "XC01"}
    assert listed("?q=cg0") == {"CG01", "CG02"}
    assert listed("?q=一小&zone=XC") == {"XC01"}
    assert listed("?zone=CG") == {"CG01", "CG02"}
    assert listed("?q=%25") == set()  # a typed % is a character, not a wildcard


def test_deactivated_school_leaves_lists_and_launch_choices_but_keeps_its_data(
        client, sign_in, office, make_school, make_zone, make_launch):
    zone = make_zone(code="CG")
    make_school(code="S1", name="城关一小", zone=zone)
    closed = make_school(code="S2", name="城关二小", zone=zone)
    launch = make_launch("sleep", school=closed)
    sign_in(office)
    assert client.post("/staff/admin/schools/S2/active", data={"active": "0"}).status_code == 302
    assert school("S2").active is False
    [event] = events(entity="school")
    assert (event.action, event.before, event.after) == ("deactivate", {"active": True}, {"active": False})
    assert '/staff/admin/schools/S2"' not in client.get("/staff/admin/schools").text
    assert '/staff/admin/schools/S2"' in client.get("/staff/admin/schools?show=all").text
    form = client.get("/staff/launches/new").text
    assert 'value="S1"' in form and 'value="S2"' not in form
    response = client.post("/staff/launches/new", data={"survey": "sleep", "audience": "parent",
                                                        "scope": "school", "school": "S2"})
    assert response.status_code != 302
    client.post("/staff/launches/new", data={"survey": "reading", "audience": "parent",
                                             "scope": "zone", "zone": "CG"})
    db.session.expire_all()
    assert {l.school.code for l in db.session.query(Launch)} == {"S1", "S2"}
    assert {l.school.code for l in db.session.query(Launch) if l.id != launch.id} == {"S1"}
    assert client.get(f"/staff/launches/{launch.id}").status_code == 200  # its data is kept
    client.post("/staff/admin/schools/S2/active", data={"active": "1"})
    assert school("S2").active is True
    assert [e.action for e in events(entity="school")] == ["deactivate", "activate"]


def test_import_reads_enrolment_and_records_one_event_with_counts(client, sign_in, office, make_zone,
                                                                  make_school):
    zone = make_zone(code="CG")
    make_school(code="S1", name="旧名", zone=zone, enrolment=100)
    make_school(code="S3", name="三小", zone=zone, enrolment=300)
    sign_in(office)
    content = ("学校代码,学校名称,学段,责任区,在校生数\n"
               "S1,城关一小,小学,CG,1250\nS2,城关二小,初中,CG,\n").encode("utf-8")
    response = client.post("/staff/schools/import", data={"file": (io.BytesIO(content), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert school("S1").enrolment == 1250 and school("S2").enrolment is None
    assert school("S3").enrolment == 300
    [event] = events(entity="school")
    assert (event.action, event.after) == ("import", {"created": 1, "updated": 1, "zones_created": []})
    # A file without the column leaves stored enrolment alone.
    content = "code,name,stage,zone\nS1,城关一小,primary,CG\n".encode("utf-8")
    client.post("/staff/schools/import", data={"file": (io.BytesIO(content), "s.csv")},
                content_type="multipart/form-data")
    assert school("S1").enrolment == 1250
    assert len(events(entity="school", action="import")) == 2


def test_import_refuses_a_bad_enrolment_and_writes_nothing(client, sign_in, office, make_zone):
    make_zone(code="CG")
    sign_in(office)
    content = "code,name,stage,zone,enrolment\nS1,城关一小,primary,CG,-5\n".encode("utf-8")
    response = client.post("/staff/schools/import", data={"file": (io.BytesIO(content), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.query(School).count() == 0 and events() == []


def test_cli_import_is_recorded_as_cli(runner, make_zone, tmp_path):
    make_zone(code="CG")
    path = tmp_path / "s.csv"
    path.write_text("code,name,stage,zone\nS1,城关一小,primary,CG\n", encoding="utf-8")
    assert runner.invoke(args=["schools", "import", str(path)]).exit_code == 0
    [event] = events(entity="school")
    assert (event.action, event.actor, event.after["created"]) == ("import", "cli", 1)


def test_edit_page_shows_the_schools_current_values(client, sign_in, office, make_school, make_zone):
    make_zone(code="CG")
    make_school(code="S1", name="东湖一小", zone=make_zone(code="DH"), stage="junior", enrolment=432)
    sign_in(office)
    page = client.get("/staff/admin/schools/S1").text
    assert '<option selected value="DH">' in page or '<option value="DH" selected>' in page
    assert '<option selected value="junior">' in page or '<option value="junior" selected>' in page
    assert 'value="432"' in page and 'value="东湖一小"' in page
