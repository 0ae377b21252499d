"""The staff navigation: each feature registers its own links, base.html renders them in order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, url_for


@dataclass(frozen=True)
class NavItem:
    """One link in the staff top bar."""

    #: Flask endpoint the link points to (no URL arguments).
    endpoint: str
    #: Lazy-translated label.
    label: object
    #: Who sees the link: a predicate over the signed-in user.
    visible: Callable[[object], bool]
    #: Position in the bar (smaller first).
    order: int

    def url(self) -> str:
        """The link's URL."""
        return url_for(self.endpoint)


def everyone(user) -> bool:
    """Every signed-in staff member."""
    return True


def admins(user) -> bool:
    """County office staff only."""
    return user.role == "admin"


def writers(user) -> bool:
    """Staff who may write (admins and supervisors)."""
    return user.can_write


def register(app: Flask, endpoint: str, label, visible: Callable[[object], bool] = everyone,
             order: int = 50) -> None:
    """Add a link to the staff bar (call from a feature's init_app)."""
    items = app.extensions.setdefault("dudao.nav", [])
    items.append(NavItem(endpoint, label, visible, order))
    items.sort(key=lambda item: item.order)


def items_for(app: Flask, user) -> list[NavItem]:
    """The links this user sees, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in app.extensions.get("dudao.nav", []) if item.visible(user)]


def init_app(app: Flask) -> None:
    """Expose `nav_items` to templates."""
    from flask import current_app
    from flask_login import current_user

    @app.context_processor
    def nav_context():
        return {"nav_items": lambda: items_for(current_app, current_user)}
