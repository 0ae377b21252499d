"""Small helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import functools
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.extensions import db


def form_ticket(page_html: str) -> str:
    """The hidden timing ticket of a served form."""
    return re.search(r'name="_ticket" value="([^"]+)"', page_html).group(1)


def count_responses() -> int:
    """Responses stored, across all launches."""
    from app.responses.models import Response
    return db.session.query(Response).count()


def days_from_now(days: float) -> datetime:
    """A UTC time relative to now."""
    return datetime.now(timezone.utc) + timedelta(days=days)


def valid_answers(launch, seed: int = 1, **overrides) -> dict:
    """A complete, valid answer set for the launch's survey (as an HTML form would send it)."""
    import random

    from app.demo.generate import fake_answers
    from app.surveys.registry import definition_of
    survey = definition_of(launch.survey_version)
    answers = fake_answers(survey, launch.school.stage, random.Random(seed))
    answers.update(overrides)
    return {k: (v if isinstance(v, list) else str(v)) for k, v in answers.items()}


def require_tool(*commands: str, package: str):
    """Decorate a test that needs these commands: skipped where they are missing, but failed
    under CI (CI set in the environment), where a missing tool is a broken set-up (.ci/run)."""
    return _require([c for c in commands if shutil.which(c) is None], package)


def require_file(path: Path, package: str):
    """Decorate a test that needs a file a system package installs (skip locally, fail in CI)."""
    return _require([] if Path(path).is_file() else [str(path)], package)


def _require(missing: list[str], package: str):
    def decorate(test):
        if not missing:
            return test
        reason = f"{', '.join(missing)} not found (Debian package {package})"
        if not os.environ.get("CI"):
            return pytest.mark.skip(reason=reason)(test)

        @functools.wraps(test)
        def fail(*args, **kwargs):
            pytest.fail(f"{reason}: CI must install it (see .ci/run)")
        return fail
    return decorate
