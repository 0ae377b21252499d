"""Recommendations from the findings, by the rules in reports/recommendations.yaml (templates
filled with published figures only; the office edits the result)."""
from __future__ import annotations

from functools import lru_cache

import yaml

from ...statistics.indicators import DOES_NOT_MEET
from .data import REPORTS_ROOT


@lru_cache(maxsize=1)
def rules() -> list[dict]:
    """The rules of reports/recommendations.yaml, in order."""
    with open(REPORTS_ROOT / "recommendations.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["rules"]


def _headline(topic: dict) -> list[dict]:
    """The topic's own indicators (not dimension indices) that are shown."""
    return [f for f in topic["figures"] if "." not in f["key"] and not f["suppressed"]]


def _matches(rule: dict, topic: dict, model: dict) -> list[dict]:
    """The placeholder sets one rule yields for one topic (one per matching indicator)."""
    when = rule["when"]
    base = {"topic": topic["label"], "year": model["year"]}
    found = []
    if when == "open_problems":
        work = topic.get("rectification")
        if work and work["open"] > 0:
            found.append({**base, "open": work["open"], "escalated": work["escalated"]})
        return found
    for fig in _headline(topic):
        values = {**base, "indicator": fig["name"], "value": fig["text"], "target": fig["target_text"]}
        change = fig.get("change")
        if when == "below_target" and fig["verdict"] == DOES_NOT_MEET:
            found.append(values)
        elif when in ("significant_decline", "improved") and change and change["significant"]:
            if change["better"] == (when == "improved"):
                found.append({**values, "change": change["words"].split("，")[0].replace("比上年", "")})
        elif when == "schools_short" and model["kind"] != "school":
            short = topic["short_schools"].get(fig["key"], [])
            if len(short) >= rule.get("min_schools", 1):
                names = "、".join(s["name"] for s in short[: rule.get("max_names", 5)])
                if len(short) > rule.get("max_names", 5):
                    names += "等"
                found.append({**values, "count": len(short), "schools": names})
    return found


def recommendations(model: dict) -> list[dict]:
    """[{rule, topic, text}] for every rule that matches a topic of the report."""
    out = []
    for topic in model["topics"]:
        for rule in rules():
            for values in _matches(rule, topic, model):
                out.append({"rule": rule["id"], "topic": topic["key"], "text": rule["text"].format_map(values)})
    return out
