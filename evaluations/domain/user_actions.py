"""One user action, one entry in the change log: every history record written while an action runs carries the
action's mark (in django-simple-history's history_change_reason) and, outside a request, the acting user.

A request is one action (evaluations.middleware.UserActionMiddleware); outside a request, the services marked
``records_user_action`` (the workflow steps, scoring, imports, explanations, rectification) are one action each,
and other callers open one with ``user_action(user)``. An action opened inside another joins it.
evaluations.queries.audit groups the change log by this mark (records written before marks existed are grouped by
person and time).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from simple_history.signals import pre_create_historical_record

# Marks begin with this, so a reason written by other code (simple-history's own tools) is never taken for one.
MARK_PREFIX = "action:"


@dataclass(frozen=True)
class _Action:
    mark: str
    user: object | None


_current: ContextVar[_Action | None] = ContextVar("user_action", default=None)


@contextmanager
def user_action(user=None) -> Iterator[str]:
    """Group every history record written inside into one action; ``user``: who acts, where no request says so."""
    running = _current.get()
    if running is not None:
        yield running.mark
        return
    action = _Action(MARK_PREFIX + uuid.uuid4().hex, user if getattr(user, "pk", None) else None)
    token = _current.set(action)
    try:
        yield action.mark
    finally:
        _current.reset(token)


def history_defaults() -> dict:
    """The keyword arguments that give records written in bulk (simple-history's bulk_update_with_history, which
    sends no signal per record) the running action's mark and user."""
    action = _current.get()
    if action is None:
        return {}
    return {"default_change_reason": action.mark, "default_user": action.user}


def records_user_action(service: Callable) -> Callable:
    """A service whose writes are one user action by its ``user`` keyword argument (inside a request: the
    request's action), so a command or the demo calling it leaves one entry per call, attributed."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        with user_action(kwargs.get("user")):
            return service(*args, **kwargs)

    return run


def _stamp(sender, history_instance, **kwargs) -> None:
    action = _current.get()
    if action is None:
        return
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = action.mark
    if history_instance.history_user_id is None and action.user is not None:
        history_instance.history_user = action.user


def connect() -> None:
    pre_create_historical_record.connect(_stamp, dispatch_uid="evaluations-user-action-mark")
