"""Writing visit records (督导纪实): create and edit drafts, submit (lock and freeze the
evidence), amend. Every write is checked for access, audited and committed here, in one place."""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import record, snapshot
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..organisation.models import School, User, utcnow
from ..organisation.services import can_see_school, school_by_code, visible_zones
from .checklists import item_by_id
from .evidence import cross_check, live_evidence
from .models import VISIT_KINDS, VISIT_METHODS, Problem, Visit, VisitAmendment

#: Fields a draft's PATCH may change (school and supervisors included: a draft is still open).
EDITABLE = ("school", "date", "kind", "theme", "methods", "observations", "highlights",
            "problems_found", "checklist", "supervisors")
#: What the audit trail keeps of a record (the evidence is kept on the record itself).
AUDITED = ("school_id", "date", "kind", "theme", "methods", "observations", "highlights",
           "problems_found", "checklist", "status")
TEXT_LIMIT = 10_000
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


# --- reading ---------------------------------------------------------------------------------

def get_visit(user: User, visit_id: int) -> Visit:
    """The record with that id if the user may see its school: 404 unknown, 403 elsewhere."""
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(_l("No visit record has this number."))
    if not can_see_school(user, visit.school):
        raise Forbidden(_l("This school is not in your zones."))
    return visit


def local_today() -> date:
    """Today in the county's time zone (the default date of a new record)."""
    from ..launches.services import local_time
    return local_time(utcnow()).date()


def parse_month(text: str | None) -> tuple[date, date] | None:
    """YYYY-MM → (first day, first day of the next month); None for no filter; 422 if malformed."""
    if not text:
        return None
    if not _MONTH.fullmatch(text):
        raise InvalidInput(_l("The request is invalid."), {"month": _l("Use a month such as 2026-09.")})
    year, month = int(text[:4]), int(text[5:])
    start = date(year, month, 1)
    return start, date(year + (month == 12), month % 12 + 1, 1)


def list_visits(user: User, school_code: str | None = None, month: str | None = None,
                status: str | None = None, mine: bool = False, limit: int | None = None) -> list[Visit]:
    """Records the user may see, newest first, filtered by school code, month, status, own."""
    query = select(Visit).options(selectinload(Visit.school), selectinload(Visit.supervisors))
    if school_code:
        school = school_by_code(school_code)
        if school is None:
            raise InvalidInput(_l("The request is invalid."), {"school": _l("No school has this code.")})
        if not can_see_school(user, school):
            raise Forbidden(_l("This school is not in your zones."))
        query = query.where(Visit.school_id == school.id)
    elif not user.sees_whole_county:
        zone_ids = [z.id for z in visible_zones(user)]
        query = query.join(School, School.id == Visit.school_id).where(School.zone_id.in_(zone_ids or [-1]))
    span = parse_month(month)
    if span:
        query = query.where(Visit.date >= span[0], Visit.date < span[1])
    if status:
        if status not in ("draft", "submitted"):
            raise InvalidInput(_l("The request is invalid."), {"status": _l("Use draft or submitted.")})
        query = query.where(Visit.status == status)
    if mine:
        query = query.where(Visit.supervisors.any(User.id == user.id))
    query = query.order_by(Visit.date.desc(), Visit.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def last_visits(school_ids: list[int]) -> dict[int, Visit]:
    """Each school's latest submitted visit (by date), for the school list and school page."""
    if not school_ids:
        return {}
    latest = {}
    for visit in db.session.scalars(select(Visit).where(Visit.school_id.in_(school_ids),
                                                        Visit.status == "submitted")
                                    .order_by(Visit.date, Visit.id)):
        latest[visit.school_id] = visit
    return latest


def problem_ids(visit: Visit) -> list[int]:
    """Ids of the problems raised on this visit."""
    return list(db.session.scalars(select(Problem.id).where(Problem.visit_id == visit.id)
                                   .order_by(Problem.id)))


def evidence_of(visit: Visit) -> tuple[list[dict], list[dict], datetime | None]:
    """(evidence, flags, as of): frozen on a submitted record, live (read now) on a draft."""
    if visit.status == "submitted":
        return visit.evidence or [], visit.flags or [], visit.evidence_as_of
    now = utcnow()
    evidence = live_evidence(visit.school, now)
    return evidence, cross_check(visit.checklist or {}, evidence), now


def can_edit(user: User, visit: Visit) -> bool:
    """Admins, and the record's own supervisors while they are responsible for its school."""
    if user.role == "admin":
        return True
    return (user.role == "supervisor" and can_see_school(user, visit.school)
            and any(s.id == user.id for s in visit.supervisors))


def serialise(visit: Visit) -> dict:
    """The API shape of a record (ACCEPTANCE.md, "Visits, problems and the monthly report")."""
    evidence, flags, as_of = evidence_of(visit)
    return {"id": visit.id, "school": visit.school.code, "school_name": visit.school.name,
            "zone": visit.school.zone.code, "date": visit.date.isoformat(), "kind": visit.kind,
            "theme": visit.theme, "status": visit.status,
            "supervisors": [u.username for u in visit.supervisors],
            "methods": list(visit.methods or []), "observations": visit.observations,
            "highlights": visit.highlights, "problems_found": visit.problems_found,
            "checklist": dict(visit.checklist or {}), "evidence": evidence,
            "evidence_as_of": iso_time(as_of), "flags": flags,
            "problems": problem_ids(visit),
            "amendments": [{"id": a.id, "text": a.text, "at": iso_time(a.created_at),
                            "by": a.created_by.username if a.created_by else None}
                           for a in visit.amendments],
            "created_by": visit.created_by.username if visit.created_by else None,
            "created_at": iso_time(visit.created_at), "updated_at": iso_time(visit.updated_at),
            "submitted_at": iso_time(visit.submitted_at)}


def iso_time(moment: datetime | None) -> str | None:
    """A stored time as ISO text in UTC (SQLite hands times back without their zone)."""
    from ..launches.models import as_utc
    return as_utc(moment).isoformat() if moment else None


# --- validating ------------------------------------------------------------------------------

def parse_visit(user: User, body: dict, *, partial: bool = False) -> dict:
    """Checked values from an API body or form; 422 naming every bad field.

    `partial` (PATCH) checks only the fields present. Unknown keys are ignored, so a client may
    send back a record it read (id, status, evidence … are not editable and are left alone).
    """
    errors, values = {}, {}
    if "school" in body or not partial:
        school = body.get("school")
        if not isinstance(school, str) or not school.strip():
            errors["school"] = _l("Give the school's code.")
        else:
            found = school_by_code(school.strip())
            if found is None:
                errors["school"] = _l("No school has this code.")
            elif not can_see_school(user, found):
                raise Forbidden(_l("This school is not in your zones."))
            else:
                values["school"] = found
    if "date" in body or not partial:
        values["date"] = _parse_date(body.get("date"), errors)
    if "kind" in body or not partial:
        kind = body.get("kind")
        if kind not in VISIT_KINDS:
            errors["kind"] = _l("Kind must be one of: %(codes)s.", codes=", ".join(VISIT_KINDS))
        values["kind"] = kind
    if "theme" in body:
        values["theme"] = _text(body["theme"], "theme", errors, limit=200)
    for name in ("observations", "highlights", "problems_found"):
        if name in body:
            values[name] = _text(body[name], name, errors)
    if "methods" in body:
        values["methods"] = _methods(body["methods"], errors)
    if "checklist" in body:
        values["checklist"] = _checklist(body["checklist"], errors)
    if "supervisors" in body:
        values["supervisor_names"] = _names(body["supervisors"], errors)
    if errors:
        raise InvalidInput(_l("The visit record is not valid."), errors)
    return values


def _parse_date(value, errors: dict) -> date | None:
    """A YYYY-MM-DD date (a date object from a form is taken as it is)."""
    if isinstance(value, date):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        parsed = date.fromisoformat(value)
        if len(value) != 10 or not 2000 <= parsed.year <= 2100:
            raise ValueError
        return parsed
    except ValueError:
        errors["date"] = _l("Use a date such as 2026-09-15.")
        return None


def _text(value, name: str, errors: dict, limit: int = TEXT_LIMIT) -> str | None:
    """Optional text, trimmed; empty means none."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = _l("This must be text.")
        return None
    value = value.strip()
    if len(value) > limit:
        errors[name] = _l("At most %(n)d characters.", n=limit)
    return value or None


def _methods(value, errors: dict) -> list[str]:
    """A list of method codes, each once, in the order of VISIT_METHODS."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["methods"] = _l("Methods must be a list of codes.")
        return []
    unknown = [v for v in value if v not in VISIT_METHODS]
    if unknown:
        errors["methods"] = _l("Unknown method: %(codes)s. Use: %(known)s.", codes=", ".join(unknown),
                               known=", ".join(VISIT_METHODS))
    return [m for m in VISIT_METHODS if m in value]


def _checklist(value, errors: dict) -> dict:
    """{item id: true|false} over known checklist items (an item left out is unanswered)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["checklist"] = _l("The checklist must map item ids to true or false.")
        return {}
    known = item_by_id()
    unknown = [k for k in value if k not in known]
    if unknown:
        errors["checklist"] = _l("Unknown checklist item: %(ids)s.", ids=", ".join(map(str, unknown)))
    elif not all(isinstance(v, bool) for v in value.values()):
        errors["checklist"] = _l("Each checklist answer must be true or false.")
    return {k: v for k, v in value.items() if k in known and isinstance(v, bool)}


def _names(value, errors: dict) -> list[str]:
    """Usernames of the record's supervisors (checked against the school's zone later)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["supervisors"] = _l("Supervisors must be a list of usernames.")
        return []
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


def _supervisors(user: User, school: School, names: list[str]) -> list[User]:
    """The creator (or the editing user's record team) plus the named supervisors of the zone."""
    team = [user] if user.role == "supervisor" else []
    wrong = []
    for name in names:
        other = db.session.scalars(select(User).where(User.username == name)).first()
        if other is None or other.role != "supervisor" or school.zone not in other.zones:
            wrong.append(name)
        elif all(member.id != other.id for member in team):   # by id: UserMixin's == compares sign-ins
            team.append(other)
    if wrong:
        raise InvalidInput(_l("The visit record is not valid."), {"supervisors": _l(
            "Not a supervisor of this school's zone: %(names)s.", names=", ".join(wrong))})
    if not team:
        team = [user]   # an office member recording a visit alone is its author
    return team


# --- writing ---------------------------------------------------------------------------------

def create_visit(user: User, body: dict) -> Visit:
    """A new draft at a school of the user's zones (admins: any); 201 shape via serialise."""
    if not user.can_write:
        raise Forbidden(_l("You do not have permission to do this."))
    values = parse_visit(user, body)
    school = values.pop("school")
    team = _supervisors(user, school, values.pop("supervisor_names", []))
    visit = Visit(school=school, created_by=user, status="draft",
                  **{"methods": [], "checklist": {}, **values})
    visit.supervisors.extend(team)
    db.session.add(visit)
    db.session.flush()
    record("create", "visit", visit.id, after=_audited(visit), zone_id=school.zone_id,
           summary=f"{school.code} {visit.date.isoformat()} {visit.kind}")
    _commit()
    return visit


def update_visit(user: User, visit: Visit, body: dict) -> Visit:
    """Change fields of a draft (its supervisors or an admin); 409 once submitted."""
    _check_editor(user, visit)
    _lock(visit)
    if visit.status != "draft":
        raise Conflict(_l("This record has been submitted and is locked; add an amendment instead."))
    values = parse_visit(user, body, partial=True)
    before = _audited(visit)
    names = values.pop("supervisor_names", None)
    school = values.pop("school", visit.school)
    visit.school = school
    for name, value in values.items():
        setattr(visit, name, value)
    if names is not None or school.zone_id != before.get("zone_id"):
        # A move to another zone keeps only the team members responsible for the new school.
        keep = names if names is not None else [u.username for u in visit.supervisors
                                                 if u.id != user.id and school.zone in u.zones]
        visit.supervisors = _team_for(user, visit, school, keep)
    visit.updated_at = utcnow()
    record("update", "visit", visit.id, before=before, after=_audited(visit),
           zone_id=school.zone_id, summary=school.code)
    _commit()
    return visit


def _team_for(user: User, visit: Visit, school: School, names: list[str]) -> list[User]:
    """The team after an edit: the record's creator stays on it when still responsible."""
    creator = visit.created_by
    if creator is not None and creator.role == "supervisor" and creator.id != user.id \
            and school.zone in creator.zones and creator.username not in names:
        names = [creator.username, *names]
    return _supervisors(user, school, names)


def submit_visit(user: User, visit: Visit) -> Visit:
    """Lock the record and freeze its evidence and flags as they read at this moment."""
    _check_editor(user, visit)
    _lock(visit)
    if visit.status != "draft":
        raise Conflict(_l("This record has already been submitted."))
    now = utcnow()
    evidence = live_evidence(visit.school, now)
    visit.evidence = evidence
    visit.flags = cross_check(visit.checklist or {}, evidence)
    visit.evidence_as_of = now
    visit.status, visit.submitted_at, visit.updated_at = "submitted", now, now
    record("submit", "visit", visit.id, before={"status": "draft"},
           after={"status": "submitted", "evidence_as_of": now, "flags": len(visit.flags)},
           zone_id=visit.school.zone_id, summary=visit.school.code)
    _commit()
    return visit


def amend_visit(user: User, visit: Visit, body: dict) -> VisitAmendment:
    """Add a correction to a submitted record; the record itself stays as submitted."""
    _check_editor(user, visit)
    if visit.status != "submitted":
        raise Conflict(_l("A draft is corrected by editing it; amendments are for submitted records."))
    text = body.get("text") if isinstance(body, dict) else None
    errors = {}
    text = _text(text, "text", errors)
    if not text and "text" not in errors:
        errors["text"] = _l("Write the correction.")
    if errors:
        raise InvalidInput(_l("The amendment is not valid."), errors)
    amendment = VisitAmendment(visit=visit, text=text, created_by=user)
    db.session.add(amendment)
    db.session.flush()
    record("amend", "visit", visit.id, after={"amendment": amendment.id, "text": text},
           zone_id=visit.school.zone_id, summary=visit.school.code)
    _commit()
    return amendment


def _lock(visit: Visit) -> None:
    """Re-read the row locked (PostgreSQL), so two submits or a PATCH racing a submit cannot
    both see a draft; SQLite serialises writers anyway."""
    db.session.refresh(visit, with_for_update=True)


def _check_editor(user: User, visit: Visit) -> None:
    """403 unless the user may change this record."""
    if not can_edit(user, visit):
        raise Forbidden(_l("Only the record's supervisors and the county office can change it."))


def _audited(visit: Visit) -> dict:
    """The record's fields for the audit trail (with its team and zone)."""
    data = snapshot(visit, AUDITED)
    data["supervisors"] = sorted(u.username for u in visit.supervisors)
    data["zone_id"] = visit.school.zone_id if visit.school else None
    return data


def _commit() -> None:
    """The one commit of a visit write (the change and its audit event together)."""
    db.session.commit()
