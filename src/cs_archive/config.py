"""Where things live and which model reads them: one place, each overridable by env."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX = "index"


def index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--index DIR, else $CS_ARCHIVE_INDEX, else ./index."""
    return Path(explicit or os.environ.get("CS_ARCHIVE_INDEX") or DEFAULT_INDEX)


def store_location(store: str | None, index: str | os.PathLike | None) -> Path | str:
    """--store URL (faiss:///path or postgresql://…) or $CS_ARCHIVE_STORE wins over the index
    options. A PostgreSQL URL stays a string; everything else is a folder."""
    url = store or os.environ.get("CS_ARCHIVE_STORE")
    if url:
        from .index.base import resolve

        return resolve(url)
    return index_dir(index)


def model_name() -> str:
    """$CS_ARCHIVE_MODEL: a sentence-transformers model folder, or "hash" (a fast deterministic
    stand-in for tests of the mechanics). Default: the packaged all-MiniLM-L6-v2."""
    return os.environ.get("CS_ARCHIVE_MODEL") or "all-MiniLM-L6-v2"
