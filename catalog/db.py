"""The database: one lazily created engine per URL, and short-lived sessions.

No session lives at module level; callers use `with session_scope() as s:`.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from catalog import config
from catalog.models import Base

_engines: Dict[str, Engine] = {}
_lock = threading.Lock()


def get_engine(url: Optional[str] = None) -> Engine:
    """The shared engine for `url` (default: `CATALOG_DB_URL` or the SQLite file under var/)."""
    url = url or config.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            # a pre-ping guards against a server that dropped a kept connection (PostgreSQL restarted); an SQLite
            # file has no server, and the ping was a query on every checkout (a third of the receipt's write)
            kwargs: Dict[str, Any] = {"future": True, "pool_pre_ping": not url.startswith("sqlite")}
            if url.startswith("sqlite"):
                kwargs["connect_args"] = {"check_same_thread": False}
                if _is_file(url):
                    # SQLAlchemy 1.4 opens and closes a file's connection for every session (NullPool): on every
                    # turn the pragmas ran again and closing the last connection checkpointed and removed the
                    # write-ahead log (~1.5 ms of the receipt's write, scripts/profile_turn.py). Kept connections
                    # (2.0's default for files) skip both.
                    kwargs["poolclass"] = QueuePool
            engine = create_engine(url, **kwargs)
            if url.startswith("sqlite"):
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[url] = engine
        return engine


def _is_file(url: str) -> bool:
    """An SQLite URL naming a file (not `sqlite://` or `:memory:`, which are one connection's own database)."""
    path = url.split("///", 1)[1] if "///" in url else ""
    return bool(path) and not path.startswith(":memory:") and "mode=memory" not in url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - trivial
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # a write-ahead log: the answer receipts and the unanswered log are written on every turn, and a commit in
    # the default rollback-journal mode with full fsync cost ~16 ms of a turn under load (scripts/profile_turn.py);
    # readers (the two servers, the console) no longer wait for a writer. NORMAL syncs at checkpoints: a power cut
    # can lose the last few receipts, never corrupt the file. (An in-memory database keeps its own mode.)
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_schema(engine: Optional[Engine] = None) -> None:
    """Create missing tables, and add the columns a newer model has to a table an older one created.

    Only additive changes are made (new nullable or defaulted columns); the loader then replaces the
    version's rows, so a database from before a column existed (the shared PostgreSQL of a machine, an
    old var/ file) keeps working without a migration tool.
    """
    engine = engine or get_engine()
    Base.metadata.create_all(engine)
    existing = inspect(engine)
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            ddl = column.type.compile(engine.dialect)
            default = column.default.arg if column.default is not None and column.default.is_scalar else None
            clause = f" DEFAULT '{default}'" if isinstance(default, str) else ""
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {ddl}{clause}'))


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def forget(url: str) -> None:
    """Dispose of the engine of `url` and drop it (a scratch database that is about to be deleted)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def ping(url: Optional[str] = None) -> None:
    """Run `SELECT 1` on the catalog database (the health checks of both servers); raises when it does not answer."""
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
