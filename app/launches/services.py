"""Create, close and describe launches. All writes commit here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from ..audit import record, snapshot
from ..database import read_connection
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..organisation.models import School, User, Zone, utcnow
from ..organisation.services import can_launch_at, school_by_code, zone_by_code
from ..responses.models import Response
from ..surveys.models import SurveyVersion
from ..surveys.registry import definition_of, latest_version
from .models import Launch, LaunchBatch, as_utc


@dataclass
class LaunchRequest:
    """Validated input for one or many launches."""

    version: SurveyVersion
    audience: str
    opens_at: datetime
    closes_at: datetime | None


def parse_launch_request(data: dict) -> LaunchRequest:
    """Check survey, audience and times; 422 naming each bad field."""
    errors = {}
    version = latest_version(data["survey"]) if isinstance(data.get("survey"), str) else None
    if version is None:
        errors["survey"] = _l("No survey has this key.")
    audience = data.get("audience")
    if version is not None:
        audiences = definition_of(version).audiences
        if audience is None and len(audiences) == 1:
            audience = audiences[0]
        if audience not in audiences:
            from ..i18n import audience_name  # the audience in words, not its key
            errors["audience"] = _l("This survey is for: %(a)s.", a="、".join(audience_name(a) for a in audiences))
    now = utcnow()
    opens_at, closes_at = now, None
    try:
        if data.get("opens_at"):
            opens_at = parse_moment(data["opens_at"], end_of_day=False)
    except MomentOutOfRange:
        errors["opens_at"] = _out_of_range()
    except ValueError:
        errors["opens_at"] = _l("Use a date like 2026-12-01 or 2026-12-01T08:00.")
    try:
        if data.get("closes_at"):
            closes_at = parse_moment(data["closes_at"], end_of_day=True)
    except MomentOutOfRange:
        errors["closes_at"] = _out_of_range()
    except ValueError:
        errors["closes_at"] = _l("Use a date like 2026-12-20 or 2026-12-20T18:00.")
    if closes_at is not None and "closes_at" not in errors:
        if closes_at <= now:
            errors["closes_at"] = _l("The closing time must be in the future.")
        elif closes_at <= opens_at:
            errors["closes_at"] = _l("The closing time must be after the opening time.")
    if errors:
        raise InvalidInput(_l("The survey could not be launched."), errors)
    return LaunchRequest(version, audience, opens_at, closes_at)


#: Years a launch may open or close in. Outside them a date is a typo, and converting year 1 or
#: 9999 between time zones overflows datetime.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class MomentOutOfRange(ValueError):
    """A readable date outside FIRST_YEAR..LAST_YEAR."""


def _out_of_range():
    """The field message for a date outside FIRST_YEAR..LAST_YEAR."""
    return _l("Use a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)


def parse_moment(value, *, end_of_day: bool) -> datetime:
    """ISO date or date-time; local time unless an offset is given. A bare date closes at its end.

    Raises ValueError for unreadable input and MomentOutOfRange for a year outside 2000-2100."""
    moment = _read_moment(value, end_of_day)
    # Checked before any time-zone arithmetic, which overflows at the ends of datetime's range.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise MomentOutOfRange(f"year {moment.year} outside {FIRST_YEAR}-{LAST_YEAR}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return moment.astimezone(ZoneInfo("UTC"))


def _read_moment(value, end_of_day: bool) -> datetime:
    """The date or date-time as given (naive or with its offset); ValueError if unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
    elif isinstance(value, str) and not any(c in value.strip() for c in "T: "):
        day = date.fromisoformat(value.strip())  # 2026-12-20 or 20261220
        moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError("not a date")
    return moment


def launch_at_school(user: User, school_code, request_data: LaunchRequest) -> Launch:
    """Open the survey at one school the user may launch at."""
    school = school_by_code(school_code) if isinstance(school_code, str) else None
    if school is None:
        raise InvalidInput(_l("The survey could not be launched."), {"school": _l("No school has this code.")})
    if not can_launch_at(user, school):
        raise Forbidden(_l("You can only launch surveys at schools in your zones."))
    if not school.active:
        raise InvalidInput(_l("The survey could not be launched."),
                           {"school": _l("This school is deactivated.")})
    launch = _new_launch(user, school, request_data, batch=None)
    db.session.flush()
    record("create", "launch", launch.id, after=snapshot(launch, LAUNCH_FIELDS),
           summary=f"{school.name} · {request_data.version.survey.key}", zone_id=school.zone_id)
    db.session.commit()
    return launch


def launch_batch(user: User, zone_code: str | None, request_data: LaunchRequest) -> LaunchBatch:
    """Open the survey at every school of a zone (or of the county when zone_code is None)."""
    if zone_code is None:
        if user.role != "admin":
            raise Forbidden(_l("Only county office staff launch county-wide."))
        schools = list(db.session.scalars(select(School).where(School.active.is_(True))
                                          .order_by(School.code)))
        scope = "county"
    else:
        zone = zone_by_code(zone_code)
        if zone is None:
            raise InvalidInput(_l("The survey could not be launched."), {"zone": _l("No zone has this code.")})
        if not (user.role == "admin" or (user.role == "supervisor" and zone in user.zones)):
            raise Forbidden(_l("You can only launch surveys at schools in your zones."))
        schools = [s for s in zone.schools if s.active]
        scope = f"zone:{zone.code}"
    if not schools:
        raise InvalidInput(_l("There are no schools to launch at."), {"zone": _l("No schools.")})
    batch = LaunchBatch(scope=scope, created_by_id=user.id)
    db.session.add(batch)
    for school in schools:
        _new_launch(user, school, request_data, batch)
    db.session.flush()
    # One event for the batch (a county launch opens hundreds at once), naming its launches.
    record("create", "launch_batch", batch.id,
           after={"scope": scope, "survey": request_data.version.survey.key, "audience": request_data.audience,
                  "closes_at": request_data.closes_at, "launches": [l.id for l in batch.launches]},
           summary=f"{scope} · {request_data.version.survey.key} · {len(schools)}",
           zone_id=None if zone_code is None else zone.id)
    db.session.commit()
    return batch


def _new_launch(user: User, school: School, data: LaunchRequest, batch: LaunchBatch | None) -> Launch:
    launch = Launch(survey_version_id=data.version.id, school=school, audience=data.audience,
                    opens_at=data.opens_at, closes_at=data.closes_at, created_by_id=user.id,
                    batch=batch)
    db.session.add(launch)
    return launch


def close_launch(user: User, launch: Launch) -> None:
    """Close a launch now (idempotent)."""
    if not can_launch_at(user, launch.school):
        raise Forbidden(_l("You can only close launches in your zones."))
    if launch.closed_at is None:
        before = snapshot(launch, LAUNCH_FIELDS)
        launch.closed_at = utcnow()
        record("close", "launch", launch.id, before=before, after=snapshot(launch, LAUNCH_FIELDS),
               summary=launch.school.name, zone_id=launch.school.zone_id)
        db.session.commit()
        forget_public_launch(launch.token)


#: What the trail records of a launch.
LAUNCH_FIELDS = ("school_id", "survey_version_id", "audience", "opens_at", "closes_at", "closed_at")


def parse_new_closing(value) -> datetime | None:
    """A new closing moment typed for a reopening or extension (None: open until closed by
    hand); 422 if unreadable or not in the future."""
    if value in (None, ""):
        return None
    try:
        moment = parse_moment(value, end_of_day=True)
    except MomentOutOfRange:
        raise InvalidInput(_l("The closing date was not changed."), {"closes_at": _out_of_range()}) from None
    except ValueError:
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("Use a date like 2026-12-20 or 2026-12-20T18:00.")}) from None
    if moment <= utcnow():
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("The closing time must be in the future.")})
    return moment


def reopen_launch(user: User, launch: Launch, closes_at: datetime | None) -> None:
    """Accept answers again at a closed launch until `closes_at` (None: until closed by hand).

    Publishing is untouched: answers given after reopening enter figures only through the
    disclosure gate's steps of at least MIN_GROUP_SIZE, like any others, and the launch keeps
    the year it opened in (app.disclosure.gate), so nothing is shown that was not before."""
    if not can_launch_at(user, launch.school):
        raise Forbidden(_l("You can only change launches in your zones."))
    if launch.state(utcnow()) != "closed":
        raise Conflict(_l("Only a closed survey can be reopened."))
    if not launch.school.active:
        raise Conflict(_l("This school is deactivated."))
    if closes_at is not None and closes_at <= as_utc(launch.opens_at):
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("The closing time must be after the opening time.")})
    before = snapshot(launch, LAUNCH_FIELDS)
    launch.closed_at, launch.closes_at = None, closes_at
    record("reopen", "launch", launch.id, before=before, after=snapshot(launch, LAUNCH_FIELDS),
           summary=launch.school.name, zone_id=launch.school.zone_id)
    db.session.commit()
    forget_public_launch(launch.token)


def extend_launch(user: User, launch: Launch, closes_at: datetime | None) -> None:
    """Move a running (or scheduled) launch's closing time later (None: until closed by hand)."""
    if not can_launch_at(user, launch.school):
        raise Forbidden(_l("You can only change launches in your zones."))
    if launch.state(utcnow()) == "closed":
        raise Conflict(_l("This survey is closed; reopen it instead."))
    if launch.closes_at is None and closes_at is not None:
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("This survey has no closing date; it is open until closed by hand.")})
    if closes_at is not None and closes_at <= as_utc(launch.closes_at):
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("Choose a later date than the current closing date.")})
    if closes_at is not None and closes_at <= as_utc(launch.opens_at):
        raise InvalidInput(_l("The closing date was not changed."),
                           {"closes_at": _l("The closing time must be after the opening time.")})
    before = snapshot(launch, LAUNCH_FIELDS)
    launch.closes_at = closes_at
    record("extend", "launch", launch.id, before=before, after=snapshot(launch, LAUNCH_FIELDS),
           summary=launch.school.name, zone_id=launch.school.zone_id)
    db.session.commit()
    forget_public_launch(launch.token)


def running_duplicates(school_codes: list[str], version: SurveyVersion, audience: str) -> list[Launch]:
    """Launches of the same survey (any version) for the same audience still open or scheduled
    at these schools: a second one splits the school's answers between two links."""
    if not school_codes:
        return []
    now = utcnow()
    candidates = db.session.scalars(
        select(Launch).join(Launch.school).join(Launch.survey_version)
        .where(School.code.in_(school_codes), Launch.audience == audience,
               SurveyVersion.survey_id == version.survey_id, Launch.closed_at.is_(None))
        .options(joinedload(Launch.school)).order_by(Launch.id))
    return [l for l in candidates if l.state(now) != "closed"]


def launch_by_token(token: str) -> Launch | None:
    """The launch behind a public token, with its school and survey version loaded."""
    if not token or len(token) > 64:
        return None
    return db.session.scalars(
        select(Launch).where(Launch.token == token)
        .options(joinedload(Launch.school), joinedload(Launch.survey_version))).first()


@dataclass(frozen=True, slots=True)
class PublicSchool:
    """The school of a public launch, as the form shows it."""

    id: int
    name: str
    stage: str


@dataclass(frozen=True, slots=True)
class PublicLaunch:
    """What the public side needs of a launch, read in one query: no ORM objects, and not the
    survey definition (cached per process by app.surveys.registry.definition_for)."""

    id: int
    token: str
    audience: str
    school_id: int
    survey_version_id: int
    content_hash: str
    opens_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    school: PublicSchool

    #: The same rule as the model's: 'scheduled', 'open' or 'closed' at a moment.
    state = Launch.state


_launches, _schools, _versions = Launch.__table__, School.__table__, SurveyVersion.__table__
#: Built once, so SQLAlchemy computes its cache key once and reuses the compiled form.
_PUBLIC_LAUNCH = (
    select(_launches.c.id, _launches.c.token, _launches.c.audience, _launches.c.school_id,
           _launches.c.survey_version_id, _versions.c.content_hash, _launches.c.opens_at,
           _launches.c.closes_at, _launches.c.closed_at, _schools.c.name, _schools.c.stage)
    .join_from(_launches, _schools, _schools.c.id == _launches.c.school_id)
    .join(_versions, _versions.c.id == _launches.c.survey_version_id)
    .where(_launches.c.token == bindparam("token"))
)


#: Seconds a worker keeps what it read about a launch before reading it again. The state is
#: still computed on every request from the current time (closes_at is exact); only a change
#: to the row (closing by hand, a new closing time, a survey edit before any response) reaches
#: the other worker processes up to this late. The worker that closes a launch forgets it at
#: once (close_launch). PUBLIC_LAUNCH_CACHE_SECONDS in the app config overrides it; 0 turns
#: the cache off, which is the default under TESTING (tests change rows behind the app's back).
PUBLIC_LAUNCH_CACHE_SECONDS = 5.0
#: Bound on remembered launches per worker (unknown tokens are never remembered).
_PUBLIC_CACHE_MAX = 20_000
_public_cache: dict[str, tuple[float, PublicLaunch]] = {}


def public_launch(token: str) -> PublicLaunch | None:
    """The launch behind a public token, for the form and the submission endpoints: one Core
    query on a pooled connection outside the request's session, remembered a few seconds."""
    if not token or len(token) > 64:
        return None
    now = monotonic()
    hit = _public_cache.get(token)
    if hit is not None and hit[0] > now:
        return hit[1]
    launch = _read_public_launch(token)
    ttl = current_app.config.get("PUBLIC_LAUNCH_CACHE_SECONDS",
                                 0 if current_app.testing else PUBLIC_LAUNCH_CACHE_SECONDS)
    if launch is None or not ttl:
        _public_cache.pop(token, None)
        return launch
    if len(_public_cache) >= _PUBLIC_CACHE_MAX:
        _public_cache.clear()
    _public_cache[token] = (now + ttl, launch)
    return launch


def forget_public_launch(token: str) -> None:
    """Drop a launch from this worker's cache (after it changed here)."""
    _public_cache.pop(token, None)


def clear_public_cache() -> None:
    """Forget every launch this worker remembers (tests start each from a fresh worker's state)."""
    _public_cache.clear()


def _read_public_launch(token: str) -> PublicLaunch | None:
    with read_connection() as conn:
        row = conn.execute(_PUBLIC_LAUNCH, {"token": token}).first()
    if row is None:
        return None
    (launch_id, token, audience, school_id, version_id, content_hash, opens_at, closes_at,
     closed_at, school_name, stage) = row
    return PublicLaunch(launch_id, token, audience, school_id, version_id, content_hash, opens_at,
                        closes_at, closed_at, PublicSchool(school_id, school_name, stage))


def get_launch(launch_id: int) -> Launch:
    """The launch with that id, or 404."""
    launch = db.session.get(Launch, launch_id)
    if launch is None:
        raise NotFound(_l("No launch has this id."))
    return launch


def response_counts(launch_ids: list[int]) -> dict[int, int]:
    """Responses stored per launch."""
    if not launch_ids:
        return {}
    rows = db.session.execute(select(Response.launch_id, func.count()).where(
        Response.launch_id.in_(launch_ids)).group_by(Response.launch_id))
    return {launch_id: count for launch_id, count in rows}


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for QR codes and API answers (PUBLIC_BASE_URL if set)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    path = url_for(endpoint, **values)
    return (base + path) if base else (request.host_url.rstrip("/") + path)


def launch_links(launch: Launch) -> dict:
    """The public links of a launch, as the API returns them."""
    return {
        "id": launch.id,
        "token": launch.token,
        "form_url": public_url("respond.form", token=launch.token),
        "qr_png_url": public_url("launches.qr_png", token=launch.token),
        "qr_svg_url": public_url("launches.qr_svg", token=launch.token),
        "poster_pdf_url": public_url("launches.poster", token=launch.token),
    }


def local_time(moment: datetime | None) -> datetime | None:
    """A stored UTC time in the county's time zone."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
