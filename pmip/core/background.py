"""Hand work to a background task by the task's dotted path (Django's tasks framework).

A task module imports its service (the task body calls it); a service that enqueues its own task names the task
by path here instead of importing the task module, so the two never import each other (the acyclic-siblings
contract in pyproject.toml). The task object is looked up when enqueueing, as the worker looks it up to run it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import Task, TaskResult
from django.utils.module_loading import import_string


def task_at(path: str) -> Task:
    """The task defined at `path` ("pmip.notifications.tasks.deliver_outbox")."""
    task = import_string(path)
    if not isinstance(task, Task):
        raise TypeError(f"{path} is not a task")
    return task


def can_defer(path: str) -> bool:
    """Whether the backend of the task at `path` runs tasks at a later time (`run_after`)."""
    return task_at(path).get_backend().supports_defer


def enqueue(path: str, *args: Any, run_after: dt.datetime | None = None) -> TaskResult:
    """Enqueue the task at `path` with `args` (to run at `run_after` when given: its backend must defer)."""
    task = task_at(path)
    if run_after is not None:
        task = task.using(run_after=run_after)
    return task.enqueue(*args)
