"""Configuration of the catalog package, read from the environment in one place."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "catalog.sqlite3"
_DEFAULT_URL = f"sqlite:///{DEFAULT_DB_PATH}"
_made: List[bool] = []


def database_url() -> str:
    """`CATALOG_DB_URL`, or an SQLite file under var/."""
    url = os.environ.get("CATALOG_DB_URL", "").strip()
    if url:
        return url
    if not _made:  # var/ made once per process: the URL is asked ~25 times per action call
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        _made.append(True)
    return _DEFAULT_URL


def data_dir() -> Path:
    """`CATALOG_DATA_DIR` (for tests loading a future version), or catalog/data."""
    return Path(os.environ.get("CATALOG_DATA_DIR", DATA_DIR))
