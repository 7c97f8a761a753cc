"""Where things live and which model reads them: one place, each overridable by env."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX = "index"


def index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--index DIR, else $CS_ARCHIVE_INDEX, else ./index."""
    return Path(explicit or os.environ.get("CS_ARCHIVE_INDEX") or DEFAULT_INDEX)


def store_location(store: str | None, index: str | os.PathLike | None) -> Path:
    """--store URL (faiss:///path) or $CS_ARCHIVE_STORE wins over the index options."""
    url = store or os.environ.get("CS_ARCHIVE_STORE")
    if url:
        if url.startswith("faiss://"):
            return Path(url[len("faiss://"):] or DEFAULT_INDEX)
        if url.startswith(("postgresql://", "postgres://")):
            raise ValueError("the PostgreSQL store is not available in this version; use faiss:///PATH or --index DIR")
        raise ValueError(f"unknown store URL {url!r}; use faiss:///PATH or --index DIR")
    return index_dir(index)


def model_name() -> str:
    """$CS_ARCHIVE_MODEL: a sentence-transformers model folder, or "hash" (a fast deterministic
    stand-in for tests of the mechanics). Default: the packaged all-MiniLM-L6-v2."""
    return os.environ.get("CS_ARCHIVE_MODEL") or "all-MiniLM-L6-v2"
