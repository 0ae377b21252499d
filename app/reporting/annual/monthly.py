"""The monthly supervision report (问题管理月报表) as PDF, from app/visits/monthly.py's figures."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ...extensions import db
from ...organisation.models import User, Zone
from .data import place_name
from .pdf import render_pdf


class _Office:
    """The county office's view for a report job: every zone (the job checked the requester)."""

    role = "admin"
    sees_whole_county = True


def monthly_model(month: str, zone_code: str | None) -> dict:
    """The monthly report's rows with zone names and supervisors' display names."""
    from ...visits.monthly import monthly_report, parse_month

    parsed = parse_month(month)
    report = monthly_report(_Office(), parsed, zone_code)
    zones = {z.code: z.name for z in db.session.scalars(select(Zone))}
    users = {u.username: (u.display_name or u.username) for u in db.session.scalars(select(User))}
    rows = [{**row, "zone_name": zones.get(row["zone"], row["zone"]),
             "supervisor_name": users.get(row["supervisor"], row["supervisor"])} for row in report["rows"]]
    totals = {name: sum(r[name] for r in rows) for name in
              ("visits", "problems_found", "problems_closed", "problems_overdue", "problems_escalated")}
    return {"month": parsed, "code": report["month"], "rows": rows, "totals": totals,
            "not_visited": report["not_visited"], "zone": zones.get(zone_code) if zone_code else None,
            "place_name": place_name()}


def build_monthly_pdf(month: str, zone_code: str | None, progress) -> tuple[bytes, dict]:
    """See app.reporting.annual.build_monthly_pdf."""
    progress(0.0, "读取督导记录")
    model = monthly_model(month, zone_code)
    progress(0.5, "排版PDF")
    scope = model["zone"] or model["place_name"]
    title = f"{scope}{model['month'].year}年{model['month'].month}月督导问题管理月报"
    data = render_pdf("annual/monthly.html", m=model, title=title)
    progress(1.0, "完成")
    return data, {"data_as_of": datetime.now(timezone.utc).isoformat(),
                  "filename": f"{scope}-{model['code']}-督导月报.pdf", "content_type": "application/pdf"}
