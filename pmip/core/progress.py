"""Progress of a long piece of work (an import of tens of thousands of rows), as the work reports it.

A service that may run long takes `progress: Progress = no_progress` and calls it as it goes:
`progress(done, total, phase="检查")` — `done` of `total` units (rows) of the named phase. It is only a report: the
callee decides how often to store it (the back office's jobs, `pmip.jobs`, write it at most about once a second, in
their own short transactions, never in the service's). A service never depends on what the callee does with it.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, *, phase: str = "") -> None: ...


def no_progress(done: int, total: int, *, phase: str = "") -> None:
    """The default: nobody is watching."""
