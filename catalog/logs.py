"""Structured (JSON) logs for every process (issue 14): one JSON object per line, with the turn's keys, so that
one turn can be followed across the Rasa replica, the action server and nginx.

    QUALIBOT_LOG_FORMAT=json     JSON lines (production: scripts/run_prod.sh, the Kubernetes manifests)
    QUALIBOT_LOG_FORMAT=text     (default) the usual "time level logger message" lines

The keys of a turn are bound for the code that runs it (`bound(conversation=…, message_id=…, receipt=…)`, on
structlog's context variables, so concurrent turns of one process never mix): `message_id` is the key nginx logs
as `request_id` (it sets X-Request-Id, which the REST channel takes as the message id) and the action server
receives in the tracker; `receipt` is the answer's code (catalog/receipts.py). A log call's `extra={…}` fields are
kept too. Built on structlog's ProcessorFormatter, so every stdlib logger (Rasa's, Sanic's, ours) is rendered.

Personal data: every record's message is masked when it is created (catalog/pii.py's record factory, installed by
importing `bot` or `actions`); the bound and extra values are masked here as well.
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Dict, Iterator, List, Mapping, MutableMapping, Optional

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from catalog.pii import mask

ENV = "QUALIBOT_LOG_FORMAT"
# the attributes every LogRecord has: anything else on a record came from `extra={...}`
_RECORD_ATTRS = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {"message", "asctime"}


def _extra(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    record = event.get("_record")
    if isinstance(record, logging.LogRecord):
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_") and key not in event:
                event[key] = value
        event["logger"] = record.name
    return event


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def _mask_fields(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    for key, value in list(event.items()):
        if key not in ("event", "_record", "_from_structlog", "exception") and not key.startswith("_"):
            event[key] = _masked(value)
    return event


def _mask_exception(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    if isinstance(event.get("exception"), str):
        event["exception"] = mask(event["exception"])
    return event


def formatter() -> logging.Formatter:
    """The JSON formatter: time (UTC, ISO 8601), level, logger, event (the message), the turn's keys, extras."""
    pre: List[Processor] = [structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level,
           structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"), _extra, _mask_fields]
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, _mask_exception,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        foreign_pre_chain=pre)


def wants_json(environ: Optional[Mapping[str, str]] = None) -> bool:
    env = os.environ if environ is None else environ
    return (env.get(ENV) or "").strip().lower() == "json"


def configure(level: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> None:
    """Log as QUALIBOT_LOG_FORMAT says: JSON lines on every handler of the root logger (one on stderr if it has
    none), else the plain format when nothing is configured yet. Idempotent."""
    root = logging.getLogger()
    if level:
        root.setLevel(level)
    if not wants_json(environ):
        if not root.handlers:
            logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    logging.captureWarnings(True)  # Python's warnings as log lines too (else plain text on stderr)
    json_formatter = formatter()
    for handler in root.handlers:
        handler.setFormatter(json_formatter)
    for name in ("sanic.root", "sanic.error", "sanic.access", "rasa"):  # loggers with handlers of their own
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(json_formatter)


@contextlib.contextmanager
def bound(**keys: Any) -> Iterator[None]:
    """Bind the turn's keys (None values are left out) to every log line of the code inside."""
    values: MutableMapping[str, Any] = {k: v for k, v in keys.items() if v is not None}
    with structlog.contextvars.bound_contextvars(**values):
        yield


def current() -> Dict[str, Any]:
    """The keys bound now (tests, and a channel that passes them on)."""
    return dict(structlog.contextvars.get_contextvars())
