"""A generation's folder of numpy arrays beside its SQLite file (``postings``: the lexical arm's
postings; ``facets``: what the filters ask of each chunk): written whole into a fresh folder
that then takes the old one's place, read back memory-mapped, with a ``meta.json`` whose
``format`` says which layout it holds."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np


def _beside(target: Path) -> tuple[Path, Path]:
    return target.with_name(target.name + ".tmp"), target.with_name(target.name + ".old")


def replace(target: Path, fill: Callable[[Path], None]) -> None:
    """``fill(folder)`` writes the new contents into a fresh folder, which then takes the place
    of ``target`` (a reader that mapped the old files keeps them)."""
    tmp, stale = _beside(target)
    for d in (tmp, stale):
        shutil.rmtree(d, ignore_errors=True)
    fill(tmp)
    if target.exists():
        os.replace(target, stale)
    os.replace(tmp, target)
    shutil.rmtree(stale, ignore_errors=True)


def remove(target: Path) -> None:
    """``target`` gone, with anything a crash left beside it."""
    for d in (target, *_beside(target)):
        shutil.rmtree(d, ignore_errors=True)


def save(folder: Path, arrays: dict[str, np.ndarray], meta: dict, texts: dict[str, str] | None = None) -> None:
    """Into ``folder`` (made here): each array as NAME.npy, each of ``texts`` under its file
    name, and ``meta`` as meta.json, each on disk before this returns (the writer's commit then
    makes the generation current: a power cut must not leave it pointing at arrays the disk
    never received)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        with open(folder / f"{name}.npy", "wb") as f:
            np.save(f, a)
            f.flush()
            os.fsync(f.fileno())
    for name, text in {**(texts or {}), "meta.json": json.dumps(meta)}.items():
        with open(folder / name, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def meta(folder: Path, fmt: int, what: str) -> dict:
    """``folder``'s meta.json; ValueError unless it holds layout ``fmt``."""
    got = json.loads((folder / "meta.json").read_text())
    if got.get("format") != fmt:
        raise ValueError(f"{what} format {got.get('format')}")
    return got


T = TypeVar("T")


def readable(folder: Path, read: Callable[[Path], T]) -> T | None:
    """``read(folder)``, or None where the folder has no meta.json or its files cannot be read
    (damaged, empty as a crash may leave them, another layout)."""
    if not (folder / "meta.json").is_file():
        return None
    try:
        return read(folder)
    except (OSError, EOFError, ValueError, KeyError):
        return None


def ends_at_last_chunk(ids: np.ndarray, db: sqlite3.Connection) -> bool:
    """Whether ids (ascending) end at the database's highest chunk id (arrays of another state
    of the archive with the same count do not)."""
    try:
        top = db.execute("SELECT max(id) FROM chunks").fetchone()[0]
    except sqlite3.Error:
        return False
    return (int(ids[-1]) if len(ids) else None) == top


def fingerprint(text: str) -> int:
    """A 64-bit fingerprint of a chunk's text or stems (whether what was found in it can be
    carried over to the next generation)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def mapped(folder: Path, names) -> dict[str, np.ndarray]:
    """The named arrays, memory-mapped (pages are read as queries touch them), as plain arrays:
    numpy's memmap subclass costs more per slice than the arithmetic on a rare term's postings."""
    return {n: np.asarray(np.load(folder / f"{n}.npy", mmap_mode="r")) for n in names}
