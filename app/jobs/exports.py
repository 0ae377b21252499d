"""Response data export: one row per published response of one survey in a scope.

What the file holds, and why:
* Only published responses (a step taken by the disclosure gate, app/disclosure/gate.py), so the
  rows are always whole blocks of at least MIN_GROUP_SIZE; an answer to a question whose figure
  still lags behind its launch's step (gate "lagging") is left blank, as the figure is not
  published for those respondents yet.
* Labels, not codes: first header row the question (or "question: option"), second header row
  the codes (question id, "id.option"). Multiple choice: one 0/1 column per option, blank when
  the question was not answered at all.
* The submission time only as stored (to the hour, in local time), never finer; no response
  id and no receipt (their order would tell who answered first); rows ordered by zone, school,
  launch, hour and then by the random receipt, which tells nothing.
* Free text only when asked for, and only for admins (county office staff, who already read
  comments on the launch pages); others get 403 when they ask.
* A launch or school export with fewer than MIN_GROUP_SIZE published responses is refused.
* CSV: UTF-8 with BOM, every text cell through app/reporting/csvsafe.py. XLSX: XlsxWriter in
  constant-memory mode, a new sheet every `row_limit` rows (1,048,576 is Excel's limit), each
  sheet with both header rows.
"""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..definitions import AUDIENCES, survey_from_stored
from ..definitions.model import pick
from ..disclosure import advance
from ..disclosure.gate import published_only
from ..errors import Forbidden, InvalidInput
from ..extensions import db
from ..i18n import audience_name
from ..launches.models import Launch
from ..organisation.models import School, User, Zone
from ..reporting.csvsafe import safe_cell
from ..responses.models import Response
from ..surveys.models import Survey, SurveyVersion
from .services import Scope, check_scope, parse_scope, temporary_path

#: Excel's (and WPS's) row limit per sheet, header rows included.
XLSX_MAX_ROWS = 1_048_576
#: Rows fetched from the database at a time.
BATCH = 5000
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# ---------------------------------------------------------------- the request

def parse_export_request(body: dict, user: User) -> dict:
    """A POST /exports body → the job's fields; 422 naming bad fields, 403 for a scope or free
    text the user may not have, 422 when too few responses are published."""
    errors: dict = {}
    scope = None
    try:
        scope = parse_scope(body.get("scope", "county"), allow_launch=True)
    except InvalidInput as exc:
        errors.update(exc.fields)
    fmt = body.get("format", "csv")
    if fmt not in CONTENT_TYPES:
        errors["format"] = _l("Format must be csv or xlsx.")
    year = body.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        errors["year"] = _l("Use a four-digit year such as 2026.")
    audience = body.get("audience")
    if audience is not None and audience not in AUDIENCES:
        errors["audience"] = _l("Audience must be parent, student or teacher.")
    free_text = body.get("free_text", False)
    if not isinstance(free_text, bool):
        errors["free_text"] = _l("free_text must be true or false.")
    survey = body.get("survey")
    if scope is not None and scope.kind == "launch":
        survey = _survey_key_of(scope.launch)
        year = audience = None
    elif not isinstance(survey, str) or db.session.scalar(select(Survey.id).where(Survey.key == survey)) is None:
        errors["survey"] = _l("Choose a survey (its key, e.g. sleep).")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    check_scope(user, scope)
    if free_text and user.role != "admin":
        raise Forbidden(_l("Only county office staff may export free-text answers."))
    options = {"survey": survey, "free_text": free_text}
    check_enough(scope, options, year, audience)
    return {"kind": "export", "scope": scope, "year": year, "format": fmt, "audience": audience,
            "options": options}


def _survey_key_of(launch: Launch) -> str:
    """The key of the survey a launch runs."""
    return db.session.scalar(select(Survey.key).join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
                             .where(SurveyVersion.id == launch.survey_version_id))


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """UTC bounds of a local calendar year (a launch belongs to the local year it opened in)."""
    local = ZoneInfo(current_app.config["TIMEZONE"])
    start = datetime(year, 1, 1, tzinfo=local).astimezone(timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=local).astimezone(timezone.utc)
    return start, end


def export_launches(scope: Scope, options: dict, year: int | None, audience: str | None) -> list:
    """The launches an export covers, in file order (zone, school, launch), with their labels."""
    query = (select(Launch.id, Launch.audience, Launch.survey_version_id, School.code.label("school_code"),
                    School.name.label("school_name"), Zone.code.label("zone_code"),
                    Zone.name.label("zone_name"))
             .join(School, Launch.school_id == School.id).join(Zone, School.zone_id == Zone.id)
             .join(SurveyVersion, Launch.survey_version_id == SurveyVersion.id)
             .join(Survey, SurveyVersion.survey_id == Survey.id)
             .where(Survey.key == options["survey"]).order_by(Zone.code, School.code, Launch.id))
    if scope.kind == "launch":
        query = query.where(Launch.id == scope.launch.id)
    elif scope.kind == "school":
        query = query.where(Launch.school_id == scope.school.id)
    elif scope.kind == "zone":
        query = query.where(School.zone_id == scope.zone.id)
    if year is not None:
        start, end = _year_bounds(year)
        query = query.where(Launch.opens_at >= start, Launch.opens_at < end)
    if audience is not None:
        query = query.where(Launch.audience == audience)
    return list(db.session.execute(query))


def published_count(launch_ids: list[int]) -> int:
    """Published responses of these launches (after taking any step that is due)."""
    if not launch_ids:
        return 0
    advance(launch_ids)
    return int(db.session.scalar(select(func.count()).where(
        Response.launch_id.in_(launch_ids), published_only())) or 0)


def check_enough(scope: Scope, options: dict, year, audience) -> int:
    """422 unless the export holds at least MIN_GROUP_SIZE published responses."""
    size = current_app.config["MIN_GROUP_SIZE"]
    count = published_count([row.id for row in export_launches(scope, options, year, audience)])
    if count < size:
        raise InvalidInput(_l("This export would hold fewer than %(n)d published responses, so it is "
                              "refused to protect the respondents.", n=size), {"scope": _l(
                                  "Too few published responses.")})
    return count


# ---------------------------------------------------------------- columns

class Column:
    """One output column: header label, header code, and how to read it from answers."""

    __slots__ = ("label", "code", "question", "option")

    def __init__(self, label: str, code: str, question=None, option: str | None = None):
        self.label, self.code, self.question, self.option = label, code, question, option


def _questions(version_ids: list[int]) -> list:
    """The questions of these versions, newest version's order first, each id once."""
    seen, questions = set(), []
    rows = db.session.execute(select(SurveyVersion.id, SurveyVersion.definition)
                              .where(SurveyVersion.id.in_(version_ids)).order_by(SurveyVersion.id.desc()))
    for _id, stored in rows:
        for question in survey_from_stored(stored).questions:
            if question.id not in seen:
                seen.add(question.id)
                questions.append(question)
    return questions


def columns_for(questions: list, free_text: bool) -> tuple[list[Column], list[Column]]:
    """(fixed columns, answer columns): multiple choice split per option; text only if asked."""
    fixed = [Column(_("Zone"), "zone"), Column(_("School code"), "school_code"),
             Column(_("School"), "school"), Column(_("Respondents"), "audience"),
             Column(_("Launch no."), "launch"), Column(_("Submitted (hour)"), "submitted_hour")]
    answers = []
    for question in questions:
        label = pick(question.label, "zh") or question.id
        if question.type == "multiple":
            answers += [Column(f"{label}：{pick(option.label, 'zh')}", f"{question.id}.{option.value}",
                               question, option.value) for option in question.options]
        elif question.type != "text" or free_text:
            answers.append(Column(label, question.id, question))
    return fixed, answers


def _cell_reader(column: Column):
    """A function answers → cell value for one answer column."""
    question, qid = column.question, column.question.id
    if question.type == "multiple":
        option = column.option

        def read(answers):
            chosen = answers.get(qid)
            if chosen is None:
                return None
            return 1 if option in chosen else 0
        return read
    if question.options:
        labels = {option.value: safe_cell(pick(option.label, "zh")) for option in question.options}

        def read(answers):
            value = answers.get(qid)
            return None if value is None else labels.get(str(value), safe_cell(str(value)))
        return read
    if question.type == "number":
        return lambda answers: answers.get(qid)
    return lambda answers: (lambda v: None if v is None else safe_cell(str(v)))(answers.get(qid))


# ---------------------------------------------------------------- rows

def export_rows(launches: list, answer_columns: list[Column], fixed_count: int):
    """Yield each published response as a list of cells, launch by launch, in file order."""
    local = ZoneInfo(current_app.config["TIMEZONE"])
    readers = [_cell_reader(column) for column in answer_columns]
    # Each launch's step and lagging figures read together, and rows taken up to that step only:
    # a step taken meanwhile cannot slip in rows whose lagging answers this map does not know.
    state = {launch_id: (step, lags) for launch_id, step, lags in db.session.execute(
        select(Launch.id, Launch.published_step, Launch.lagging)
        .where(Launch.id.in_([row.id for row in launches])))}
    position = {column.question.id: [] for column in answer_columns}
    for i, column in enumerate(answer_columns):
        position[column.question.id].append(fixed_count + i)
    number = 0
    with db.engine.connect() as conn:
        for launch in launches:
            # A figure lagging at step `at` is not published for responses of later steps.
            upto, lagging = state[launch.id]
            lags = [(at, position[figure[2:]]) for figure, at in (lagging or {}).items()
                    if figure.startswith("q:") and figure[2:] in position]
            fixed = [safe_cell(launch.zone_name), safe_cell(launch.school_code),
                     safe_cell(launch.school_name), audience_name(launch.audience), launch.id]
            result = conn.execution_options(stream_results=True, max_row_buffer=BATCH).execute(
                select(Response.submitted_hour, Response.step, Response.answers)
                .where(Response.launch_id == launch.id, published_only(), Response.step <= upto)
                .order_by(Response.submitted_hour, Response.receipt))
            hours: dict = {}
            for hour, step, answers in result:
                text = hours.get(hour)
                if text is None:
                    moment = hour if hour.tzinfo else hour.replace(tzinfo=timezone.utc)
                    text = hours[hour] = f"{moment.astimezone(local):%Y-%m-%d %H:00}"
                number += 1
                row = [number, *fixed, text, *[read(answers) for read in readers]]
                for at, cells in lags:
                    if step > int(at):
                        for cell in cells:
                            row[cell] = None
                yield hour, row


# ---------------------------------------------------------------- writers

def write_csv_file(path, header_rows: list[list], rows, progress, total: int) -> None:
    """UTF-8 with BOM; cells are already neutralised (csvsafe) where they are text."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle)
        for header in header_rows:
            writer.writerow([safe_cell(cell) for cell in header])
        for done, row in enumerate(rows, 1):
            writer.writerow(row)
            if done % 20000 == 0:
                progress(0.1 + 0.85 * done / max(total, 1), _("Writing rows"))


def _write_typed(write_string, write_number, row_number: int, values) -> None:
    """One worksheet row by cell type: text as text, numbers as numbers, None left empty."""
    for index, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            write_string(row_number, index, value)
        else:
            write_number(row_number, index, value)


def write_xlsx_file(path, header_rows: list[list], rows, progress, total: int,
                    row_limit: int = XLSX_MAX_ROWS, notes: list[tuple] = ()) -> int:
    """XlsxWriter in constant-memory mode (each row goes to disk as it is written, so memory
    stays flat at any size); a new sheet, with both header rows, every `row_limit` rows.
    Text is always written as text (never read as a formula, a number or a URL), numbers as
    numbers, and an empty answer as an empty cell. Returns how many data sheets were written."""
    import xlsxwriter
    if row_limit <= len(header_rows):
        raise ValueError("row_limit must leave room for data rows")
    width = len(header_rows[0])
    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "tmpdir": str(Path(path).parent),
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    if total * width > 50_000_000:   # a sheet's XML could pass 4 GB: the ZIP needs 64-bit sizes
        workbook.use_zip64()
    bold = workbook.add_format({"bold": True})
    sheet, used, sheets = None, row_limit, 0
    text_cell = number_cell = None

    def new_sheet():
        nonlocal sheet, used, sheets, text_cell, number_cell
        sheets += 1
        sheet = workbook.add_worksheet(_("Data %(n)d", n=sheets))
        sheet.freeze_panes(len(header_rows), 0)
        for index, label in enumerate(header_rows[0]):
            sheet.set_column(index, index, 8 if index == 0 else min(40, max(10, len(str(label)) * 1.6)))
        for number, header in enumerate(header_rows):
            for index, value in enumerate(header):
                sheet.write_string(number, index, str(safe_cell(value)), bold)
        used = len(header_rows)
        text_cell, number_cell = sheet.write_string, sheet.write_number

    for done, row in enumerate(rows, 1):
        if used >= row_limit:
            new_sheet()
        _write_typed(text_cell, number_cell, used, row)
        used += 1
        if done % 20000 == 0:
            progress(0.1 + 0.85 * done / max(total, 1), _("Writing rows"))
    if sheet is None:
        new_sheet()
    about = workbook.add_worksheet(_("About"))
    about.set_column(0, 0, 12)
    about.set_column(1, 1, 60)
    for number, line in enumerate(notes):
        _write_typed(about.write_string, about.write_number, number, [safe_cell(v) for v in line])
    workbook.close()
    return sheets


# ---------------------------------------------------------------- the command

def build_export(stored_scope: dict, fmt: str, options: dict, progress, *, year: int | None = None,
                 audience: str | None = None, row_limit: int = XLSX_MAX_ROWS):
    """Write the export of a scope to a temporary file; returns (its Path, meta)."""
    progress(0.0, _("Finding responses"))
    scope = parse_scope(stored_scope, allow_launch=True)
    total = check_enough(scope, options, year, audience)
    launches = export_launches(scope, options, year, audience)
    questions = _questions(sorted({row.survey_version_id for row in launches}))
    fixed, answers = columns_for(questions, bool(options.get("free_text")))
    header_rows = [[_("No."), *[c.label for c in fixed], *[c.label for c in answers]],
                   ["row", *[c.code for c in fixed], *[c.code for c in answers]]]
    newest = [None]

    def cells():
        for hour, row in export_rows(launches, answers, len(fixed) + 1):
            if newest[0] is None or hour > newest[0]:
                newest[0] = hour
            yield row

    progress(0.1, _("Writing rows"))
    path = temporary_path(f".{fmt}")
    title = db.session.scalar(select(SurveyVersion.title).join(Survey, SurveyVersion.survey_id == Survey.id)
                              .where(Survey.key == options["survey"]).order_by(SurveyVersion.id.desc()).limit(1))
    if fmt == "csv":
        write_csv_file(path, header_rows, cells(), progress, total)
    else:
        notes = [(_("Scope"), scope.label()), (_("Survey"), options["survey"]),
                 (_("Year"), year or _("All years")), (_("Responses"), total),
                 (_("Note"), _("Only published responses; submission time to the hour; "
                               "free text only when asked for by county office staff."))]
        write_xlsx_file(path, header_rows, cells(), progress, total, row_limit=row_limit, notes=notes)
    as_of = newest[0] or datetime(2000, 1, 1, tzinfo=timezone.utc)
    as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
    name_parts = [scope.label(), str(title or options["survey"]), str(year) if year else None,
                  _("response data")]
    progress(1.0, _("Done"))
    return path, {"data_as_of": as_of.isoformat(), "content_type": CONTENT_TYPES[fmt],
                  "filename": "-".join(p for p in name_parts if p) + f".{fmt}"}
