"""Fixtures for the staff API tests: users of each role with their bearer-token headers."""
from __future__ import annotations

import pytest


@pytest.fixture
def admin_headers(make_user, token_for):
    """Bearer headers of a county office admin."""
    return token_for(make_user("admin", role="admin"))


@pytest.fixture
def viewer_headers(make_user, token_for):
    """Bearer headers of a county-wide viewer."""
    return token_for(make_user("viewer", role="viewer"))


@pytest.fixture
def supervisor(make_user, make_zone):
    """A supervisor responsible for one zone (code 'OWN')."""
    return make_user("supervisor", role="supervisor", zones=[make_zone(code="OWN", name="城关责任区")])


@pytest.fixture
def supervisor_headers(supervisor, token_for):
    """Bearer headers of that supervisor."""
    return token_for(supervisor)
