"""A plausible year of supervision for the demo county: monthly visits with the month's theme,
problems (most struck off, some rectifying, two escalated, one 难点问题), follow-ups and the
supervisors' submitted monthly reports. Dated relative to today, so the demo always shows the
last twelve months. Writes go through the problem and report services (history, audit), then
their timestamps are moved back to the days they stand for.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..organisation.models import Zone
from . import monthly, problems
from .models import VISIT_METHODS, MonthlyReport, Problem, Visit

#: The month's supervision theme (月度督导主题), by calendar month.
THEMES = {9: "作业管理", 10: "睡眠管理", 11: "手机管理", 12: "课后服务", 1: "期末考试与寒假安全",
          2: "开学准备", 3: "读物管理", 4: "体质健康", 5: "校园安全", 6: "考试管理",
          7: "暑期安全", 8: "秋季开学准备"}
#: Problems the demo raises: (category, description, requirement, indicator or None).
PROBLEMS = [
    ("homework", "三年级部分班级书面作业量偏大，家长反映孩子每天做作业超过1小时。",
     "严格控制书面作业总量，建立作业公示制度。", "homework_compliance"),
    ("homework", "一、二年级仍布置书面家庭作业。", "一、二年级不布置书面家庭作业。", None),
    ("sleep", "学校早读要求学生7:10前到校，影响学生睡眠。", "调整作息时间，小学上午上课时间不早于8:20。",
     "sleep_compliance"),
    ("phones", "手机统一保管制度未落实，课堂上发现学生使用手机。", "落实手机入校申请和统一保管制度。",
     "phone_compliance"),
    ("after_school", "课后服务结束时间早于当地正常下班时间。", "完善课后服务时间安排，满足家长需求。",
     "after_school_compliance"),
    ("reading", "个别班主任推荐学生购买指定教辅资料。", "立即停止推荐或变相要求购买教辅。", "reading_compliance"),
    ("physical_activity", "大课间活动时间被压缩，学生校内体育活动不足1小时。", "保证每天校内体育活动1小时。",
     "activity_compliance"),
    ("safety", "校门口上下学时段交通秩序混乱，缺少护学岗。", "设立护学岗，协调交警加强疏导。", None),
    ("teaching", "部分教师未按课程标准进度授课，存在超前教学。", "按课程标准组织教学。", None),
    ("fees", "课后服务收费公示不规范。", "规范收费公示，接受家长监督。", None),
    ("teaching", "家长对学校教育教学和家校沟通的满意度偏低。", "改进家校沟通，定期召开家长会并公开办学情况。",
     "satisfaction_index"),
]


def load_demo_visits(seed: int = 2026, today: date | None = None) -> None:
    """Add a year of visits, problems, follow-ups and monthly reports to the demo county."""
    rng = random.Random(seed + 7)
    today = today or problems.local_today()
    zones = list(db.session.scalars(select(Zone).order_by(Zone.code)))
    months = _last_months(today, 12)
    evidence = _evidence_by_school()
    for zone in zones:
        supervisor = next(iter(zone.supervisors), None)
        if supervisor is None:
            continue
        for school in zone.schools:
            for index, (year, month) in enumerate(months):
                if month in (2, 8) and rng.random() < 0.5 or rng.random() < 0.06:
                    continue  # holidays and the odd busy month: the gaps coverage shows
                last_day = today.day if (year, month) == (today.year, today.month) else 28
                day = date(year, month, rng.randint(3, max(3, min(last_day, 26))))
                if day > today:
                    continue
                draft = (year, month) == (today.year, today.month) and rng.random() < 0.3
                _visit(school, supervisor, day, rng, evidence.get(school.code, {}), draft=draft,
                       comprehensive=month in (5, 11) and rng.random() < 0.5)
    db.session.commit()
    _raise_problems(rng, today)
    _monthly_reports(zones, months[:-1])
    problems.refresh_all_escalations(today)


def _last_months(today: date, count: int) -> list[tuple[int, int]]:
    """(year, month) of the `count` months ending with today's, oldest first."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def _evidence_by_school() -> dict:
    """{school code: the survey evidence per year} as a visit in that year would have frozen it,
    from the county report (one call per year and audience: the same figures school_report
    gives each school, suppression included)."""
    from flask import json

    from ..results.reports import AUDIENCES, county_report
    try:
        from .evidence import INDICATOR_FIELDS, cross_check
    except ImportError:  # the demo still loads without the evidence module
        return {}
    by_school: dict = {}
    for audience in AUDIENCES:
        for year in county_report(None, audience).get("years") or []:
            for row in county_report(year, audience)["schools"]:
                if not row.get("n"):
                    continue
                by_school.setdefault(row["code"], {}).setdefault(year, []).append({
                    "audience": audience, "year": year, "n": row["n"],
                    "indicators": [{k: item[k] for k in INDICATOR_FIELDS if k in item}
                                   for item in row["indicators"]]})
    plain = json.loads(json.dumps({code: {str(y): b for y, b in years.items()} for code, years in by_school.items()}))
    return {code: {"years": {int(y): b for y, b in years.items()}, "cross_check": cross_check}
            for code, years in plain.items()}


def _evidence_on(evidence: dict, day: date) -> list:
    """The evidence a visit on `day` saw: this year's once the spring surveys ran (from April), else
    the latest earlier year's."""
    years = sorted(y for y in evidence.get("years", {}) if y < day.year or (y == day.year and day.month >= 4))
    return evidence["years"][years[-1]] if years else []


def _at(day: date, hour: int = 10) -> datetime:
    """A moment on a local day (as UTC), for back-dating demo rows."""
    return datetime.combine(day, time(hour), tzinfo=problems.local_zone()).astimezone(timezone.utc)


def _visit(school, supervisor, day: date, rng: random.Random, evidence, *, draft: bool,
           comprehensive: bool) -> Visit:
    """One visit record: the month's theme, a few methods, checklist answers, evidence frozen."""
    blocks, cross_check = _evidence_on(evidence, day), evidence.get("cross_check")
    core = ["campus_patrol", "principal_report"] if comprehensive else ["campus_patrol"]
    methods = sorted(set(core + rng.sample([m for m in VISIT_METHODS if m not in core], rng.randint(2, 4))),
                     key=VISIT_METHODS.index)
    checklist = {item: rng.random() < 0.85 for item in ("homework_within_limits", "phones_managed",
                                                         "sleep_protected")}
    visit = Visit(school=school, date=day, kind="comprehensive" if comprehensive else rng.choice(
        ["routine", "routine", "routine", "special"]), theme=THEMES[day.month], methods=methods,
        observations=f"围绕“{THEMES[day.month]}”开展督导，查看校园、查阅资料并与师生交流。",
        highlights=rng.choice([None, "课后服务内容丰富，学生参与度高。", "作业公示制度执行较好。",
                               "家校沟通渠道畅通。"]),
        checklist=checklist, status="draft" if draft else "submitted", created_by_id=supervisor.id,
        created_at=_at(day, 9), updated_at=_at(day, 17))
    visit.supervisors.append(supervisor)
    if not draft:
        visit.evidence = [{**b, "as_of": _at(day, 17).isoformat()} for b in blocks]
        visit.flags = cross_check(checklist, blocks) if cross_check else []
        visit.evidence_as_of = visit.submitted_at = _at(day, 17)
    db.session.add(visit)
    return visit


def _raise_problems(rng: random.Random, today: date) -> None:
    """About thirty problems on the year's visits, in every state the loop knows."""
    visits = list(db.session.scalars(select(Visit).where(Visit.status == "submitted").order_by(Visit.date)))
    if not visits:
        return
    chosen = rng.sample(visits, min(30, len(visits)))
    chosen.sort(key=lambda v: v.date)
    escalated_by_follow_ups = escalated_by_deadline = departments = False
    for visit in chosen:
        category, description, requirement, indicator = rng.choice(PROBLEMS)
        if visit.evidence and visit.evidence[0]["year"] < today.year and rng.random() < 0.6:
            # Last year's evidence on the record: satisfaction has a later year to compare with.
            category, description, requirement, indicator = PROBLEMS[-1]
        age = (today - visit.date).days
        supervisor = visit.supervisors[0]
        if age > 90:
            deadline = visit.date + timedelta(days=rng.choice([0, 14, 30]))
        else:
            deadline = today + timedelta(days=rng.randint(10, 45))
        with _on(visit.date):
            problem = problems.raise_problem(
                visit.school, category=category, description=description,
                deadline="immediate" if deadline == visit.date else deadline, requirement=requirement,
                indicator=indicator, visit=visit, actor=supervisor)
        _backdate(problem, visit.date)
        if age > 90:                      # struck off after a follow-up found it rectified
            check = min(deadline + timedelta(days=rng.randint(1, 10)), today - timedelta(days=1))
            _follow_up(problem, check, True, "已整改到位。", supervisor)
            with _on(check):
                problems.close_problem(problem, note="经回访核实，整改到位，予以销号。", actor=supervisor)
            problem.closed_at = problem.history[-1].at = _at(check, 16)
        elif 40 < age <= 90 and not escalated_by_follow_ups:
            escalated_by_follow_ups = True   # twice found not rectified: 重点问题
            for days in (15, 30):
                _follow_up(problem, visit.date + timedelta(days=days), False, "仍未整改到位。", supervisor)
        elif 40 < age <= 90 and not escalated_by_deadline:
            escalated_by_deadline = True     # long past its deadline: the system escalates it
            problem.deadline = visit.date + timedelta(days=10)
        elif age > 20 and not departments:
            departments = True
            problem.category, problem.description = "safety", "校门口道路狭窄，上下学时段交通拥堵，存在安全隐患。"
            problem.requirement, problem.indicator, problem.baseline = "协调交警、住建部门拓宽道路并设置护学岗。", None, None
            _follow_up(problem, visit.date + timedelta(days=14), False, "学校已设护学岗，道路拓宽需其他部门解决。",
                       supervisor)
            problems.update_problem(problem, {"needs_departments": True, "note": "需交警、住建部门协调。"},
                                    supervisor)
            problem.history[-1].at = _at(visit.date + timedelta(days=14), 16)
        elif age > 20:
            _follow_up(problem, visit.date + timedelta(days=14), rng.random() < 0.5, "正在整改。", supervisor)
        db.session.commit()


@contextmanager
def _on(day: date):
    """Run services as if today were `day` (escalation and 立行立改 read the county's today)."""
    config = current_app.config
    before = config.get("DUDAO_TODAY")
    config["DUDAO_TODAY"] = day
    try:
        yield
    finally:
        config["DUDAO_TODAY"] = before


def _backdate(problem: Problem, day: date) -> None:
    """Date the problem and its first history event on the visit's day."""
    problem.created_at = problem.history[0].at = _at(day, 16)


def _follow_up(problem: Problem, day: date, rectified: bool, note: str, actor) -> None:
    """A follow-up on its own day (the service records it now; the demo moves it back)."""
    known = len(problem.history)
    with _on(day):
        follow_up = problems.add_follow_up(problem, day=day, rectified=rectified, note=note, actor=actor)
    follow_up.created_at = _at(day, 15)
    for event in problem.history[known:]:   # the events this follow-up added
        event.at = _at(day, 15)


def _monthly_reports(zones, months) -> None:
    """Each supervisor's submitted report for every past month but one (so "not submitted" shows);
    the rows are the report's figures as they stood at the end of each month."""
    from ..organisation.models import User
    office = db.session.scalars(select(User).where(User.role == "admin")).first()
    if office is None:
        return
    for index, (year, month) in enumerate(months):
        period = monthly.Month(year, month)
        report = monthly.monthly_report(office, period)
        for row in report["rows"]:
            zone = next(z for z in zones if z.code == row["zone"])
            if zone is zones[-1] and index == len(months) - 1:
                continue  # the last zone's supervisor has not reported last month yet
            supervisor = next(u for u in zone.supervisors if u.username == row["supervisor"])
            codes = {s.code for s in zone.schools}
            db.session.add(MonthlyReport(
                supervisor_id=supervisor.id, zone_id=zone.id, month=period.code,
                figures={**row, "not_visited": [c for c in report["not_visited"] if c in codes]},
                submitted_at=_at(period.due() - timedelta(days=1), 11)))
    db.session.commit()
