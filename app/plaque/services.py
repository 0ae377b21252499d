"""Writes and queries of the plaque and of anonymous reports. Views call these; they commit here.

Working days are Monday to Friday. Public holidays (and the weekend days worked in their place)
are not known to the app, so a deadline over a holiday comes out a little early, never late.
"""
from __future__ import annotations

import secrets
from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import record, snapshot
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..launches.models import Launch, as_utc
from ..launches.services import public_url
from ..organisation.models import School, User, Zone, utcnow
from ..organisation.services import can_see_school, visible_zones
from ..organisation.text import clean_text, is_visibly_empty
from ..responses.services import coarse_hour
from .models import (CATEGORIES, KINDS, STATUSES, Complaint, ComplaintEvent, PlaqueLink,
                     code_digest, new_follow_up_code)

MAX_TEXT = 2000
MAX_CONTACT = 200
MAX_NOTE = 2000
#: Information a reporter may add to one report (more is flooding, not following up).
MAX_ADDITIONS = 20
AUDIENCES = ("parent", "student", "teacher")
#: What the trail keeps of a report: never its text or contact, only how it is handled.
AUDIT_FIELDS = ("status", "outcome", "problem_id")
#: Report categories → rectification problem categories (app.visits.models.PROBLEM_CATEGORIES).
#: Tutoring for pay and teacher conduct are breaches of teachers' ethics (师德); bullying and
#: food are the school's safety duty.
PROBLEM_CATEGORY = {
    "homework": "homework", "tutoring": "ethics", "fees": "fees", "safety": "safety",
    "bullying": "safety", "conduct": "ethics", "food": "safety", "facilities": "other",
    "other": "other", None: "other",
}
#: Allowed moves: status → statuses it may go to. received → closed is only for spam, and
#: verifying → closed only for spam or for a suggestion or praise (nothing to verify as true).
TRANSITIONS = {
    "received": ("verifying", "closed"),
    "verifying": ("substantiated", "unsubstantiated", "closed"),
    "substantiated": ("closed",),
    "unsubstantiated": ("closed",),
    "closed": (),
}


# --- the plaque ------------------------------------------------------------------------------

def live_plaque(school: School) -> PlaqueLink:
    """The school's live plaque link, made on first use (the plaque is printed once)."""
    link = db.session.scalars(select(PlaqueLink).where(
        PlaqueLink.school_id == school.id, PlaqueLink.retired_at.is_(None))
        .order_by(PlaqueLink.id.desc())).first()
    if link is None:
        link = PlaqueLink(school=school)
        db.session.add(link)
        db.session.commit()
    return link


def plaque_by_token(token: str) -> PlaqueLink | None:
    """The plaque link behind a public token (live or retired), or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalars(select(PlaqueLink).where(PlaqueLink.token == token)
                              .options(joinedload(PlaqueLink.school))).first()


def can_manage_plaque(user: User, school: School) -> bool:
    """Admins, and supervisors of the school's zone, may regenerate its plaque."""
    return user.role == "admin" or (user.role == "supervisor" and school.zone in user.zones)


def school_for(user: User, code: str) -> School:
    """The school with that code if the user may see it (404 / 403)."""
    school = db.session.scalars(select(School).where(School.code == code)).first()
    if school is None:
        raise NotFound(_l("No school has this code."))
    if not can_see_school(user, school):
        raise Forbidden(_l("You do not have permission to do this."))
    return school


def regenerate_plaque(user: User, school: School) -> PlaqueLink:
    """Retire the school's plaque link and make a new one (when a plaque is abused)."""
    if not can_manage_plaque(user, school):
        raise Forbidden(_l("You do not have permission to do this."))
    old = live_plaque(school)
    # Every live link is retired, including one a simultaneous first request may have made.
    for link in db.session.scalars(select(PlaqueLink).where(
            PlaqueLink.school_id == school.id, PlaqueLink.retired_at.is_(None))):
        link.retired_at = utcnow()
    new = PlaqueLink(school=school)
    db.session.add(new)
    db.session.flush()
    record("regenerate", "plaque", school.id, before={"link": old.id}, after={"link": new.id},
           summary=f"{school.code}: new plaque link", zone_id=school.zone_id, actor=user)
    db.session.commit()
    return new


def plaque_links(link: PlaqueLink) -> dict:
    """The public links of a plaque, as the API returns them."""
    return {
        "url": public_url("plaque_public.page", token=link.token),
        "qr_png_url": public_url("plaque_public.qr_png", token=link.token),
        "qr_svg_url": public_url("plaque_public.qr_svg", token=link.token),
        "poster_pdf_url": public_url("plaque_public.poster", token=link.token),
        "poster_a3_pdf_url": public_url("plaque_public.poster", token=link.token, size="a3"),
    }


def open_launches(school: School, now: datetime | None = None) -> dict[str, list[Launch]]:
    """The school's launches taking answers now, by audience (parent, student, teacher)."""
    now = now or utcnow()
    rows = db.session.scalars(select(Launch).where(
        Launch.school_id == school.id, Launch.closed_at.is_(None), Launch.opens_at <= now)
        .options(joinedload(Launch.survey_version)).order_by(Launch.opens_at)).all()
    grouped: dict[str, list[Launch]] = {audience: [] for audience in AUDIENCES}
    for launch in rows:
        if launch.state(now) == "open":
            grouped.setdefault(launch.audience, []).append(launch)
    return {audience: launches for audience, launches in grouped.items() if launches}


def supervisor_names(school: School) -> list[str]:
    """Names of the school's responsible supervisors (its zone's), as the plaque shows them."""
    return [u.display_name or u.username for u in school.zone.supervisors
            if u.active and u.role == "supervisor"]


# --- filing and following a report (public) --------------------------------------------------

def _text(value, field: str, errors: dict, *, limit: int, required: bool) -> str | None:
    """A cleaned text field of at most `limit` characters (None when empty and optional)."""
    if value is None or (isinstance(value, str) and is_visibly_empty(value)):
        if required:
            errors[field] = _l("This field is required.")
        return None
    if not isinstance(value, str):
        errors[field] = _l("Must be text.")
        return None
    value = clean_text(value)
    if len(value) > limit:
        errors[field] = _l("At most %(n)d characters.", n=limit)
        return None
    return value


def parse_report(data) -> dict:
    """Check a report {"kind", "category"?, "text", "contact"?}; InvalidInput names each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput(_l("The body must be a JSON object."))
    errors: dict = {}
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = _l("Choose complaint, suggestion or praise.")
    category = data.get("category")
    if category in ("", None):
        category = None
    elif category not in CATEGORIES:
        errors["category"] = _l("Choose one of the categories, or none.")
    text = _text(data.get("text"), "text", errors, limit=MAX_TEXT, required=True)
    contact = _text(data.get("contact"), "contact", errors, limit=MAX_CONTACT, required=False)
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    return {"kind": kind, "category": category, "text": text, "contact": contact}


def file_report(link: PlaqueLink, clean: dict) -> tuple[str, str]:
    """Store a checked report at the plaque's school; returns (receipt, follow-up code).

    Nothing about the sender is stored: no address, agent or cookie, the time to the hour."""
    code = new_follow_up_code()
    complaint = Complaint(school_id=link.school_id, kind=clean["kind"], category=clean["category"],
                          text=clean["text"], contact=clean["contact"], status="received",
                          received_hour=coarse_hour(utcnow()), receipt=secrets.token_urlsafe(9),
                          follow_up_hash=code_digest(code))
    db.session.add(complaint)
    db.session.commit()
    return complaint.receipt, code


def report_by_code(code) -> Complaint | None:
    """The report a follow-up code belongs to, or None."""
    if not isinstance(code, str) or not (8 <= len(code) <= 64):
        return None
    return db.session.scalars(select(Complaint).where(
        Complaint.follow_up_hash == code_digest(code))).first()


def reporter_view(complaint: Complaint) -> dict:
    """What the reporter may see: status, the reply, and what they added (never staff notes)."""
    view = {"status": complaint.status}
    if complaint.reply:
        view["reply"] = complaint.reply
    view["additions"] = [{"at": event.at.isoformat(), "text": event.note}
                         for event in complaint.events if event.kind == "addition"]
    return view


def add_information(complaint: Complaint, text) -> None:
    """Append what the reporter adds (time to the hour); closed reports take no more."""
    errors: dict = {}
    text = _text(text, "text", errors, limit=MAX_TEXT, required=True)
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    if complaint.status == "closed":
        raise Conflict(_l("This report is closed; it cannot take more information."))
    if sum(1 for e in complaint.events if e.kind == "addition") >= MAX_ADDITIONS:
        raise Conflict(_l("This report cannot take more information."))
    complaint.events.append(ComplaintEvent(kind="addition", at=coarse_hour(utcnow()), note=text))
    db.session.commit()


# --- handling (staff) ------------------------------------------------------------------------

def check_can_handle(user: User, school: School) -> None:
    """403 unless the user handles reports at the school: admins, supervisors of its zone."""
    if not (user.role == "admin" or (user.role == "supervisor" and school.zone in user.zones)):
        raise Forbidden(_l("You do not have permission to do this."))


def handled_zones(user: User) -> list[Zone]:
    """Zones whose reports the user handles (viewers: none, 403)."""
    if user.role not in ("admin", "supervisor"):
        raise Forbidden(_l("You do not have permission to do this."))
    return visible_zones(user)


def get_complaint(complaint_id: int, user: User) -> Complaint:
    """A report the user handles (404 / 403)."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_l("Not found."))
    check_can_handle(user, complaint.school)
    return complaint


def list_complaints(user: User, *, status: str | None = None, zone_code: str | None = None,
                    kind: str | None = None, school_code: str | None = None,
                    overdue_only: bool = False) -> list[Complaint]:
    """Reports in the user's zones, newest first, filtered (422 for an unknown filter value)."""
    zones = handled_zones(user)
    errors: dict = {}
    if status and status not in STATUSES:
        errors["status"] = _l("Unknown status.")
    if kind and kind not in KINDS:
        errors["kind"] = _l("Unknown kind.")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    zone_ids = [z.id for z in zones]
    if zone_code:
        zone = db.session.scalars(select(Zone).where(Zone.code == zone_code)).first()
        if zone is None:
            raise NotFound(_l("No zone has this code."))
        if zone.id not in zone_ids:
            raise Forbidden(_l("You do not have permission to do this."))
        zone_ids = [zone.id]
    query = (select(Complaint).join(School, School.id == Complaint.school_id)
             .where(School.zone_id.in_(zone_ids))
             .options(joinedload(Complaint.school).joinedload(School.zone))
             .order_by(Complaint.received_hour.desc(), Complaint.id.desc()))
    if status:
        query = query.where(Complaint.status == status)
    if kind:
        query = query.where(Complaint.kind == kind)
    if school_code:
        query = query.where(School.code == school_code)
    rows = list(db.session.scalars(query).unique())
    if overdue_only:
        today = local_today()
        rows = [c for c in rows if overdue(c, today)]
    return rows


def transition(complaint: Complaint, user: User, data) -> Complaint:
    """Move a report on ({"status", "note"?, "reply"?, "spam"?}): an event, the trail, and on
    closing the contact erased. 422 for bad fields, 409 for a move the rules do not allow."""
    check_can_handle(user, complaint.school)
    if not isinstance(data, dict):
        raise InvalidInput(_l("The body must be a JSON object."))
    errors: dict = {}
    target = data.get("status")
    if target not in STATUSES or target == "received":
        errors["status"] = _l("Choose verifying, substantiated, unsubstantiated or closed.")
    note = _text(data.get("note"), "note", errors, limit=MAX_NOTE, required=False)
    reply = _text(data.get("reply"), "reply", errors, limit=MAX_TEXT, required=False)
    spam = data.get("spam", False)
    if not isinstance(spam, bool):
        errors["spam"] = _l("Must be true or false.")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    current = complaint.status
    if target not in TRANSITIONS[current]:
        raise Conflict(_l("A report that is %(now)s cannot become %(then)s.",
                          now=status_label(current), then=status_label(target)),
                       {"status": _l("Allowed next: %(next)s.", next=", ".join(
                           str(status_label(s)) for s in TRANSITIONS[current]) or "—")})
    if target == "closed" and current in ("received", "verifying") and not spam \
            and not (current == "verifying" and complaint.kind != "complaint"):
        raise Conflict(_l("Only spam can be closed before it is verified; a complaint needs "
                          "a verdict (substantiated or unsubstantiated) first."),
                       {"status": _l("Mark it as spam, or record a verdict first.")})
    before = snapshot(complaint, AUDIT_FIELDS)
    now = utcnow()
    complaint.status = target
    if current == "received":
        complaint.acknowledged_at = now
    if target in ("substantiated", "unsubstantiated") or (target == "closed" and complaint.concluded_at is None):
        complaint.concluded_at = complaint.concluded_at or now
    if target == "closed":
        complaint.outcome = ("spam" if spam else current if current in ("substantiated", "unsubstantiated")
                             else "noted")
        complaint.closed_at = now
        complaint.contact = None  # erased for good: the reporter left it only for the handling
    complaint.events.append(ComplaintEvent(kind="status", at=now, actor_id=user.id,
                                           actor_name=user.display_name or user.username,
                                           status_from=current, status_to=target, note=note))
    if reply is not None:
        _set_reply(complaint, user, reply, now)
    after = snapshot(complaint, AUDIT_FIELDS)
    record("update", "complaint", complaint.id, before=before,
           after={**after, "contact_erased": True} if target == "closed" else after,
           summary=f"{complaint.school.code}: {current} → {target}",
           zone_id=complaint.school.zone_id, actor=user)
    db.session.commit()
    return complaint


def _set_reply(complaint: Complaint, user: User, reply: str, now: datetime) -> None:
    """Set the reply the reporter sees, as a history event (the caller audits and commits)."""
    complaint.reply = reply
    complaint.events.append(ComplaintEvent(kind="reply", at=now, actor_id=user.id,
                                           actor_name=user.display_name or user.username,
                                           note=reply))


def save_reply(complaint: Complaint, user: User, reply) -> Complaint:
    """Write or change the reply the reporter sees, without moving the status."""
    check_can_handle(user, complaint.school)
    errors: dict = {}
    reply = _text(reply, "reply", errors, limit=MAX_TEXT, required=True)
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    _set_reply(complaint, user, reply, utcnow())
    record("update", "complaint", complaint.id, before={"reply_set": False},
           after={"reply_set": True}, summary=f"{complaint.school.code}: reply",
           zone_id=complaint.school.zone_id, actor=user)
    db.session.commit()
    return complaint


def raise_problem_from(complaint: Complaint, user: User, data) -> "Problem":  # noqa: F821
    """Raise a rectification problem at the school of a substantiated report, linked both ways
    (complaint.problem_id; the problem's page finds the report by that key)."""
    from ..visits.problems import raise_problem
    check_can_handle(user, complaint.school)
    if not isinstance(data, dict):
        raise InvalidInput(_l("The body must be a JSON object."))
    if complaint.status != "substantiated" and not (
            complaint.status == "closed" and complaint.outcome == "substantiated"):
        raise Conflict(_l("Only a substantiated report can raise a rectification problem."))
    if complaint.problem_id is not None:
        raise Conflict(_l("A problem has already been raised from this report."))
    category = data.get("category") or PROBLEM_CATEGORY[complaint.category]
    # Staff write the description for the school: the reporter's own words are never copied
    # into a problem, which monthly reports and exports may show.
    description = data.get("description")
    # raise_problem commits on its own; the link follows in a second, small commit.
    problem = raise_problem(complaint.school, category=category, description=description,
                            deadline=data.get("deadline"), requirement=data.get("requirement"),
                            actor=user, note=data.get("note"))
    complaint.problem_id = problem.id
    complaint.events.append(ComplaintEvent(kind="problem", actor_id=user.id,
                                           actor_name=user.display_name or user.username,
                                           note=str(problem.id)))
    record("update", "complaint", complaint.id, before={"problem_id": None},
           after={"problem_id": problem.id}, summary=f"{complaint.school.code}: problem raised",
           zone_id=complaint.school.zone_id, actor=user)
    db.session.commit()
    return problem


def complaint_for_problem(problem_id: int) -> Complaint | None:
    """The report a problem was raised from (for the problem's page), or None."""
    return db.session.scalars(select(Complaint).where(Complaint.problem_id == problem_id)).first()


# --- time limits -----------------------------------------------------------------------------

def local_today() -> date:
    """Today in the county (config DUDAO_TODAY overrides it, as for problems)."""
    from ..visits.problems import local_today as today
    return today()


def add_working_days(day: date, n: int) -> date:
    """The date n working days (Mon-Fri; public holidays unknown) after `day`."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def due_dates(complaint: Complaint) -> tuple[date, date]:
    """(acknowledge by, conclude by): county-local dates counted from the day it arrived."""
    from ..visits.problems import local_date
    received = local_date(as_utc(complaint.received_hour))
    config = current_app.config
    return (add_working_days(received, config["COMPLAINT_ACK_WORKING_DAYS"]),
            add_working_days(received, config["COMPLAINT_CONCLUDE_WORKING_DAYS"]))


def overdue(complaint: Complaint, today: date | None = None) -> list[str]:
    """Which limits the report has passed unmet: "acknowledge" and/or "conclude"."""
    today = today or local_today()
    ack_by, conclude_by = due_dates(complaint)
    flags = []
    if complaint.status == "received" and today > ack_by:
        flags.append("acknowledge")
    if complaint.status in ("received", "verifying") and today > conclude_by:
        flags.append("conclude")
    return flags


# --- counts for the office and the reports ---------------------------------------------------

def complaint_counts(zone_id: int | None = None, school_id: int | None = None,
                     start: datetime | date | None = None, end: datetime | date | None = None) -> dict:
    """Counts only (never texts) of reports received in [start, end): by kind, category, status
    and outcome, with how many are overdue now. For the monthly and annual reports."""
    from ..visits.problems import start_of_local_day
    query = select(Complaint).join(School, School.id == Complaint.school_id)
    if zone_id is not None:
        query = query.where(School.zone_id == zone_id)
    if school_id is not None:
        query = query.where(Complaint.school_id == school_id)
    if start is not None:
        query = query.where(Complaint.received_hour >= (
            start if isinstance(start, datetime) else start_of_local_day(start)))
    if end is not None:
        query = query.where(Complaint.received_hour < (
            end if isinstance(end, datetime) else start_of_local_day(end)))
    rows = list(db.session.scalars(query))
    today = local_today()
    return {
        "total": len(rows),
        "by_kind": _count(rows, "kind", KINDS),
        "by_category": {**_count(rows, "category", CATEGORIES),
                        "none": sum(1 for c in rows if c.category is None)},
        "by_status": _count(rows, "status", STATUSES),
        "by_outcome": _count(rows, "outcome", ("substantiated", "unsubstantiated", "noted", "spam")),
        "substantiated": sum(1 for c in rows if c.status == "substantiated"
                             or c.outcome == "substantiated"),
        "problems_raised": sum(1 for c in rows if c.problem_id is not None),
        "overdue": sum(1 for c in rows if overdue(c, today)),
    }


def _count(rows, attribute: str, keys) -> dict[str, int]:
    """How many rows have each key as `attribute` (every key present, zeros included)."""
    counts = Counter(getattr(row, attribute) for row in rows)
    return {key: counts.get(key, 0) for key in keys}


def overview(user: User) -> dict:
    """The office overview: counts per zone and per school in the user's zones, and the county."""
    zones = handled_zones(user)
    return {
        "county": complaint_counts() if user.role == "admin" else None,
        "zones": [{"zone": zone, "counts": complaint_counts(zone_id=zone.id),
                   "schools": [{"school": school, "counts": complaint_counts(school_id=school.id)}
                               for school in zone.schools]} for zone in zones],
    }


# --- JSON and labels -------------------------------------------------------------------------

def complaint_json(complaint: Complaint, today: date | None = None) -> dict:
    """A report as the staff API shows it (only to those who handle it)."""
    ack_by, conclude_by = due_dates(complaint)
    return {
        "id": complaint.id,
        "school": complaint.school.code,
        "school_name": complaint.school.name,
        "zone": complaint.school.zone.code,
        "kind": complaint.kind,
        "category": complaint.category,
        "text": complaint.text,
        "contact": complaint.contact,
        "status": complaint.status,
        "outcome": complaint.outcome,
        "received": as_utc(complaint.received_hour).isoformat(),
        "reply": complaint.reply,
        "problem_id": complaint.problem_id,
        "acknowledge_by": ack_by.isoformat(),
        "conclude_by": conclude_by.isoformat(),
        "overdue": overdue(complaint, today),
    }


def event_json(event: ComplaintEvent) -> dict:
    """One history step for staff."""
    return {"kind": event.kind, "at": as_utc(event.at).isoformat(), "by": event.actor_name,
            "from": event.status_from, "to": event.status_to, "note": event.note}


KIND_LABELS = {"complaint": _l("Complaint"), "suggestion": _l("Suggestion"), "praise": _l("Praise")}
CATEGORY_LABELS = {
    "homework": _l("Homework burden"), "tutoring": _l("Paid tutoring by teachers"),
    "fees": _l("Fees and charges"), "safety": _l("Safety"), "bullying": _l("Bullying"),
    "conduct": _l("Teacher conduct"), "food": _l("School meals"), "facilities": _l("Facilities"),
    "other": _l("Other"),
}
STATUS_LABELS = {
    "received": _l("Received"), "verifying": _l("Being verified"),
    "substantiated": _l("Substantiated"), "unsubstantiated": _l("Not substantiated"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {"substantiated": _l("Substantiated"), "unsubstantiated": _l("Not substantiated"),
                  "noted": _l("Noted"), "spam": _l("Spam")}
OVERDUE_LABELS = {"acknowledge": _l("Not acknowledged in time"),
                  "conclude": _l("Not concluded in time")}


def status_label(status: str):
    """The status in words."""
    return STATUS_LABELS.get(status, status)
