"""Every route of the problems API is documented in app/visits/openapi_problems.yaml."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

FRAGMENT = Path(__file__).parents[2] / "app" / "visits" / "openapi_problems.yaml"


def test_every_problems_api_route_is_documented(app):
    documented = yaml.safe_load(FRAGMENT.read_text(encoding="utf-8"))["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("problems_api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "{id}", rule.rule)
        assert path in documented, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented[path], (method, path)
