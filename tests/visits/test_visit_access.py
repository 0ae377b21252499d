"""Who may do what with visit records: supervisors at schools of their zones (and on their own
records), admins everywhere, viewers read-only; reaching another zone's record by id is a 403."""
from __future__ import annotations

import pytest

BODY = {"date": "2026-06-10", "kind": "routine"}


@pytest.fixture
def records(client, token_for, supervisor, other_supervisor, school, other_school):
    """A submitted and a draft record in each zone, each by that zone's supervisor."""
    made = {}
    for user, where in ((supervisor, school), (other_supervisor, other_school)):
        for state in ("draft", "submitted"):
            body = client.post("/api/v1/visits", json={**BODY, "school": where.code},
                               headers=token_for(user)).json
            if state == "submitted":
                client.post(f"/api/v1/visits/{body['id']}/submit", headers=token_for(user))
            made[(where.code, state)] = body["id"]
    return made


def write_calls(ids, code):
    """(method, path, body) of every write on the records of one school."""
    return [("post", "/api/v1/visits", {**BODY, "school": code}),
            ("patch", f"/api/v1/visits/{ids[(code, 'draft')]}", {"theme": "改"}),
            ("post", f"/api/v1/visits/{ids[(code, 'draft')]}/submit", None),
            ("post", f"/api/v1/visits/{ids[(code, 'submitted')]}/amendments", {"text": "更正"})]


def test_supervisor_writes_in_own_zone_and_nowhere_else(client, token_for, supervisor, records):
    headers = token_for(supervisor)
    for method, path, body in write_calls(records, "S100"):
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.json)
    for method, path, body in write_calls(records, "S200"):
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.status_code)


def test_supervisor_cannot_read_another_zones_record_by_id(client, token_for, supervisor, records):
    headers = token_for(supervisor)
    for state in ("draft", "submitted"):
        assert client.get(f"/api/v1/visits/{records[('S200', state)]}", headers=headers).status_code == 403
        assert client.get(f"/api/v1/visits/{records[('S100', state)]}", headers=headers).status_code == 200
    listed = {v["id"] for v in client.get("/api/v1/visits", headers=headers).json}
    assert listed == {records[("S100", "draft")], records[("S100", "submitted")]}
    assert client.get("/api/v1/visits?school=S200", headers=headers).status_code == 403


def test_the_other_zones_record_stays_unchanged(client, token_for, supervisor, other_supervisor, records):
    draft_id = records[("S200", "draft")]
    client.patch(f"/api/v1/visits/{draft_id}", json={"theme": "入侵"}, headers=token_for(supervisor))
    body = client.get(f"/api/v1/visits/{draft_id}", headers=token_for(other_supervisor)).json
    assert body["theme"] is None and body["status"] == "draft"


def test_a_supervisor_of_the_zone_not_on_the_record_cannot_change_it(client, token_for, make_user,
                                                                     zone, records):
    colleague = make_user("sup_c", role="supervisor", zones=[zone])
    headers = token_for(colleague)
    draft_id = records[("S100", "draft")]
    assert client.get(f"/api/v1/visits/{draft_id}", headers=headers).status_code == 200
    assert client.patch(f"/api/v1/visits/{draft_id}", json={"theme": "x"}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/visits/{draft_id}/submit", headers=headers).status_code == 403


def test_admin_reads_and_writes_everywhere(client, token_for, admin, records):
    headers = token_for(admin)
    assert len(client.get("/api/v1/visits", headers=headers).json) == 4
    for code in ("S100", "S200"):
        for method, path, body in write_calls(records, code):
            response = getattr(client, method)(path, json=body, headers=headers)
            assert response.status_code in (200, 201), (path, response.json)


def test_an_admin_may_record_a_visit_for_a_zone_supervisor(client, token_for, admin, supervisor, school):
    body = client.post("/api/v1/visits", json={**BODY, "school": "S100", "supervisors": ["sup"]},
                       headers=token_for(admin)).json
    assert body["supervisors"] == ["sup"]
    # The supervisor named on it may then finish it.
    assert client.patch(f"/api/v1/visits/{body['id']}", json={"theme": "睡眠"},
                        headers=token_for(supervisor)).status_code == 200


def test_viewer_reads_everything_and_writes_nothing(client, token_for, viewer, records):
    headers = token_for(viewer)
    assert len(client.get("/api/v1/visits", headers=headers).json) == 4
    for visit_id in records.values():
        assert client.get(f"/api/v1/visits/{visit_id}", headers=headers).status_code == 200
    for code in ("S100", "S200"):
        for method, path, body in write_calls(records, code):
            response = getattr(client, method)(path, json=body, headers=headers)
            assert response.status_code == 403, (path, response.status_code)


def test_no_token_no_access(client, records):
    assert client.get("/api/v1/visits").status_code == 401
    assert client.post("/api/v1/visits", json={**BODY, "school": "S100"}).status_code == 401
    assert client.get(f"/api/v1/visits/{records[('S100', 'draft')]}").status_code == 401


def test_unknown_and_absurd_ids_are_404(client, token_for, admin, records):
    headers = token_for(admin)
    assert client.get("/api/v1/visits/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/visits/99999999999999999999", headers=headers).status_code == 404
    assert client.patch("/api/v1/visits/999999", json={}, headers=headers).status_code == 404
