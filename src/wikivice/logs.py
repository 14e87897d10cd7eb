"""Logging for every process: readable lines in a terminal, or one JSON object a line
(`WIKIVICE_LOG_FORMAT=json`) for a log collector; the job and its wiki on every line of a
job's work.

A job thread binds its job (`bind(job=12)`, then `bind(wiki="en", title="…")` once the
page is known) in a context variable; every record logged meanwhile carries them, the
threads the job starts included (they start in a copy of its context: `in_context`).

Quiet by default: at INFO, a fetch logs its start and its end, not its requests (httpx's
per-request lines, Alembic's and the access log are at DEBUG).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
# Loggers whose INFO lines are one per request or per migration step: DEBUG detail.
CHATTY = ("httpx", "httpcore", "alembic", "huey", "uvicorn.access")
# Never mutated: `bind` sets a new dict, so a thread's copy of the context stays its own.
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "wikivice_log_context", default=None
)
FIELDS = ("job", "wiki", "title")


def bind(**fields: Any) -> None:
    """Add fields to every record this thread (and the threads it starts with
    `in_context`) logs from now on."""
    _context.set({**(_context.get() or {}), **fields})


def unbind() -> None:
    _context.set(None)


def in_context(target: Callable[P, T]) -> Callable[P, T]:
    """`target`, to be run once in another thread with this thread's log fields (each
    call of `in_context` takes its own copy of the context: one per thread or task)."""
    context = contextvars.copy_context()
    return lambda *args, **kwargs: context.run(target, *args, **kwargs)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_context.get() or {}).items():
            setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    """`07:15:02 INFO  jobs.runner: job 12 done: 4,000 new revisions [job=12 wiki=en]`"""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        name = record.name.removeprefix("wikivice.")
        line = f"{stamp} {record.levelname:<7} {name}: {record.getMessage()}"
        fields = [f"{key}={getattr(record, key)}" for key in FIELDS if hasattr(record, key)]
        if fields:
            line += f"  [{' '.join(fields)}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the job's
    fields when there are any, the thread, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        entry["thread"] = record.threadName
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_lock = threading.Lock()


def configure(level: str = "info", fmt: str = "text") -> None:
    """Set up the root logger for this process (again, if called again)."""
    if level not in LEVELS:
        raise ValueError(f"log level {level!r} is not one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ContextFilter())
    numeric = getattr(logging, level.upper())
    with _lock:
        root = logging.getLogger()
        for old in list(root.handlers):
            root.removeHandler(old)
        root.addHandler(handler)
        root.setLevel(numeric)
        for name in CHATTY:
            logging.getLogger(name).setLevel(
                logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING
            )
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            logger.handlers.clear()  # uvicorn's own, if it installed them: ours instead
            logger.propagate = True
