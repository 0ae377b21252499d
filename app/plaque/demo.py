"""A handful of demo reports in different states for the demo county (called by `flask demo load`)."""
from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta, timezone

from ..extensions import db
from ..organisation.models import School
from ..responses.services import coarse_hour
from .models import Complaint, ComplaintEvent, code_digest, new_follow_up_code

#: (kind, category, text, status, outcome, days ago, reply, contact).
DEMO_REPORTS = [
    ("complaint", "homework", "孩子每天作业要写到晚上十点半以后，周末还有很多试卷。", "received", None, 1, None,
     "家长 139****0000"),
    ("complaint", "tutoring", "有老师暗示学生去他家里补课，每次收费一百元。", "verifying", None, 6,
     "已受理，正在核实，请耐心等待。", None),
    ("complaint", "fees", "学校要求统一购买教辅资料，没有说明是自愿的。", "substantiated", None, 12,
     "经核实情况属实，已要求学校整改并退还费用。", None),
    ("complaint", "food", "食堂饭菜有时是凉的。", "unsubstantiated", None, 9,
     "经现场查看，食堂保温设施正常，我们会持续关注。", None),
    ("suggestion", "facilities", "建议在校门口增设家长等候区，雨天接送不方便。", "closed", "noted", 20,
     "感谢建议，已转学校研究。", None),
    ("praise", "other", "班主任对孩子很有耐心，谢谢老师！", "closed", "noted", 15, None, None),
    ("complaint", None, "加微信领取免费资料……", "closed", "spam", 4, None, None),
    ("complaint", "homework", "小学一年级也布置了书面家庭作业。", "received", None, 8, None, None),
]


def add_demo_complaints(schools: list[School], rng: random.Random) -> None:
    """Add DEMO_REPORTS at random schools (flushed; the caller commits). Old ones run overdue."""
    if not schools:
        return
    now = datetime.now(timezone.utc)
    for kind, category, text, status, outcome, days, reply, contact in DEMO_REPORTS:
        school = rng.choice(schools)
        received = coarse_hour(now - timedelta(days=days))
        closed = status == "closed"
        complaint = Complaint(
            school=school, kind=kind, category=category, text=text, status=status, outcome=outcome,
            contact=None if closed else contact, received_hour=received,
            receipt=secrets.token_urlsafe(9), follow_up_hash=code_digest(new_follow_up_code()),
            reply=reply,
            acknowledged_at=received + timedelta(days=1) if status != "received" else None,
            concluded_at=received + timedelta(days=3) if status not in ("received", "verifying") else None,
            closed_at=received + timedelta(days=4) if closed else None)
        previous = "received"
        for step in _path(status, outcome):
            complaint.events.append(ComplaintEvent(kind="status", at=received + timedelta(days=1),
                                                   actor_name="督学", status_from=previous,
                                                   status_to=step))
            previous = step
        db.session.add(complaint)
    db.session.flush()


def _path(status: str, outcome: str | None) -> list[str]:
    """The statuses a demo report went through to reach its state."""
    if status == "received":
        return []
    if outcome == "spam":
        return ["closed"]
    path = ["verifying"]
    if status in ("substantiated", "unsubstantiated"):
        path.append(status)
    elif status == "closed":
        path.append("closed")
    return path
