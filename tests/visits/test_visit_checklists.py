"""The objective checklist: data in surveys/checklists.yaml, a pure loader, GET /api/v1/checklists."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.statistics.indicators import HOMEWORK_MEAN, SATISFACTION_INDEX
from app.statistics.standards import national_standards
from app.visits.checklists import ChecklistError, load_checklists

FILE = Path(__file__).resolve().parents[2] / "surveys" / "checklists.yaml"
KNOWN = {*national_standards().rules, HOMEWORK_MEAN, SATISFACTION_INDEX}


def test_the_project_checklist_ties_each_item_to_an_existing_indicator():
    items = {item.id: item for item in load_checklists(FILE, KNOWN)}
    assert items["homework_within_limits"].indicator == "homework_compliance"
    assert items["phones_managed"].indicator == "phone_compliance"
    assert items["sleep_protected"].indicator == "sleep_compliance"
    assert all(item.indicator in KNOWN and item.label for item in items.values())
    assert {item.audience for item in items.values()} <= {"parent", "student", "teacher"}


@pytest.mark.parametrize("text, item, problem", [
    ("items: []", None, "non-empty 'items'"),
    ("items:\n  - {id: a, label: x, theme: sleep}", "a", "'indicator' is required"),
    ("items:\n  - {id: a, label: x, theme: weather, indicator: sleep_compliance}", "a", "'theme' must be"),
    ("items:\n  - {id: a, label: x, theme: sleep, indicator: nap_compliance}", "a", "does not exist"),
    ("items:\n  - {id: a, label: x, theme: sleep, indicator: sleep_compliance}\n"
     "  - {id: a, label: y, theme: sleep, indicator: sleep_compliance}", "a", "used twice"),
    ("items:\n  - {id: A-1, label: x, theme: sleep, indicator: sleep_compliance}", "A-1", "lower-case"),
    ("items:\n  - {id: a, label: x, theme: sleep, indicator: sleep_compliance, audience: dog}", "a", "'audience'"),
    ("items:\n  - {id: a, label: x, theme: sleep, indicator: sleep_compliance, colour: red}", "a", "unknown field"),
    ("items:\n  - just text", "#1", "mapping"),
    ("items: [", None, "not valid YAML"),
])
def test_a_bad_checklist_names_the_file_and_the_item(tmp_path, text, item, problem):
    path = tmp_path / "checklists.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklists(path, KNOWN)
    assert caught.value.source == str(path) and caught.value.item == item
    assert problem in str(caught.value) and str(path) in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ChecklistError, match="file not found"):
        load_checklists(tmp_path / "none.yaml")


def test_checklists_api_lists_items_for_every_signed_in_role(client, make_user, token_for):
    for role in ("admin", "supervisor", "viewer"):
        response = client.get("/api/v1/checklists", headers=token_for(make_user(f"u_{role}", role=role)))
        assert response.status_code == 200
        by_id = {item["id"]: item for item in response.json}
        assert by_id["sleep_protected"]["indicator"] == "sleep_compliance"
        assert set(by_id["phones_managed"]) >= {"id", "label", "theme", "indicator"}
    assert client.get("/api/v1/checklists").status_code == 401
