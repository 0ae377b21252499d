"""Published steps: the only way a response enters any figure.

The rule (docs/privacy.md, "The disclosure gate"):

* A launch publishes in steps. A step is taken only when at least MIN_GROUP_SIZE responses of
  the launch are pending (stored, not yet published); it publishes all of them at once, by
  writing its step number on each (`Response.step`). Figures everywhere count only responses
  with a step. So every published group, on every surface and at every moment, is a union of
  whole steps of ≥ MIN_GROUP_SIZE responses: a launch's published responses, its school's (the
  union over the school's launches of one audience opened in that year), its zone's, the
  county's. Any difference between two readings, or between two surfaces, is again a union of
  whole steps.
* A step is per figure too. A figure ("q:ID" for a question, "i:KEY" for an indicator) counts
  fewer people than the responses of a step when some leave a question out or fall outside a
  standard's grade bands. A figure therefore moves to a new step only when the respondents it
  would add since its own last step are none or at least MIN_GROUP_SIZE; otherwise it stays
  where it was (the launch's `lagging` map holds such figures and the step they stand at), and
  catches up at a later step. So the set of people behind one figure also only ever grows by
  whole blocks of ≥ MIN_GROUP_SIZE of that figure's respondents, on every surface.
* A launch belongs to one year, the local year it opened in, so launch ⊂ school-year ⊂
  zone-year ⊂ county-year exactly (a launch spanning New Year is not split across two years).

Steps are taken lazily, when figures are read (`advance`), so reading never lags by as many as
MIN_GROUP_SIZE responses; taking a step is a compare-and-set on the launch row, so two workers
reading at once cannot take two steps that together publish a smaller group.
"""
from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import and_, func, null, select, update

from ..database import end_session_transaction, read_connection, write_connection
from ..launches.models import Launch
from ..responses.models import Response

_launches = Launch.__table__
_responses = Response.__table__


def published_only():
    """The SQL condition every query behind a published figure must carry."""
    return Response.step.isnot(None)


def publication_state() -> tuple[int, int]:
    """(launches, steps taken in all): changes exactly when what is published changes."""
    with read_connection() as conn:
        count, steps = conn.execute(select(func.count(), func.sum(_launches.c.published_step))).one()
    return int(count), int(steps or 0)


def advance(launch_ids=None) -> int:
    """Take a step at every launch (of `launch_ids`, or all) with enough pending responses.

    Returns how many steps were taken. Cheap when nothing is due: one query on the partial
    index of pending responses.
    """
    size = current_app.config["MIN_GROUP_SIZE"]
    query = (select(_responses.c.launch_id).where(_responses.c.step.is_(None))
             .group_by(_responses.c.launch_id).having(func.count() >= size))
    if launch_ids is not None:
        query = query.where(_responses.c.launch_id.in_(list(launch_ids)))
    with read_connection() as conn:
        due = conn.execute(query).scalars().all()
    return sum(take_step(launch_id) for launch_id in due)


def take_step(launch_id: int) -> bool:
    """Publish every pending response of a launch as one step, if there are enough.

    Returns whether a step was taken (False when another worker took it first, or too few are
    pending). Everything happens in one write transaction: the step on the launch row, the step
    number on the responses, and the figures that must lag behind it.
    """
    size = current_app.config["MIN_GROUP_SIZE"]
    with write_connection() as conn:
        row = conn.execute(select(_launches.c.published_step, _launches.c.lagging)
                           .where(_launches.c.id == launch_id)).one_or_none()
        if row is None:
            return False
        step, lagging = int(row.published_step or 0), dict(row.lagging or {})
        pending = conn.execute(select(func.count()).where(
            _responses.c.launch_id == launch_id, _responses.c.step.is_(None))).scalar()
        if pending < size:
            return False
        claimed = conn.execute(update(_launches).where(
            _launches.c.id == launch_id, _launches.c.published_step == step)
            .values(published_step=step + 1))
        if claimed.rowcount != 1:
            return False   # another worker took this step; its block stands alone
        conn.execute(update(_responses).where(
            _responses.c.launch_id == launch_id, _responses.c.step.is_(None)).values(step=step + 1))
        new_lagging = _lagging_after(conn, launch_id, step + 1, lagging, size)
        conn.execute(update(_launches).where(_launches.c.id == launch_id)
                     .values(lagging=new_lagging or None))
    # The request's session may hold a read snapshot from before the step: end it, so what it
    # reads next (and its ORM objects, expired on commit) include the step.
    end_session_transaction()
    return True


def _lagging_after(conn, launch_id: int, step: int, lagging: dict, size: int) -> dict:
    """The figures that must stay behind after `step`, with the step each stands at.

    A figure standing at step t (t = step − 1 unless it was lagging already) moves to `step`
    when the respondents it counts among the responses of steps t+1 … step are 0 or at least
    `size`; otherwise it stays at t.
    """
    from ..results.services import figure_counts   # results builds frames; the gate decides
    launch = conn.execute(select(_launches.c.survey_version_id, _launches.c.school_id)
                          .where(_launches.c.id == launch_id)).one()
    since = defaultdict(list)   # the step a figure stands at -> figures standing there
    counts = figure_counts(conn, launch_id, launch.survey_version_id, launch.school_id, after=step - 1)
    for figure in counts:
        since[lagging.get(figure, step - 1)].append(figure)
    for figure, at in lagging.items():
        if figure not in counts:
            since[at].append(figure)
    result = {}
    for at, figures in since.items():
        added = counts if at == step - 1 else figure_counts(
            conn, launch_id, launch.survey_version_id, launch.school_id, after=at)
        for figure in figures:
            n = added.get(figure, 0)
            if 0 < n < size:
                result[figure] = at
    return result


def figure_steps(launch_id: int) -> tuple[int, dict]:
    """(published step, {figure: the step it stands at} for figures lagging behind it)."""
    with read_connection() as conn:
        row = conn.execute(select(_launches.c.published_step, _launches.c.lagging)
                           .where(_launches.c.id == launch_id)).one()
    return int(row.published_step or 0), dict(row.lagging or {})


def lagging_launches() -> dict[str, list[tuple[int, int]]]:
    """{figure: [(launch id, step it stands at), ...]} over every launch with a lagging figure."""
    result: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with read_connection() as conn:
        rows = conn.execute(select(_launches.c.id, _launches.c.lagging)
                            .where(_launches.c.lagging.isnot(None))).all()
    for launch_id, lagging in rows:
        for figure, at in (lagging or {}).items():
            result[figure].append((launch_id, int(at)))
    return dict(result)


def behind(value, figure: str, lags: dict, launch_column, step_column):
    """`value`, or NULL for responses a lagging figure does not count yet (SQL CASE)."""
    from sqlalchemy import case
    pairs = lags.get(figure)
    if not pairs:
        return value
    return case(*[(and_(launch_column == launch_id, step_column > at), null()) for launch_id, at in pairs],
                else_=value)
