"""Every setting of cs-archive, read from the environment in this one module: ``settings()``.

Each field of ``Settings`` is one ``CS_ARCHIVE_*`` variable, with its default and meaning
(README, *Settings*, lists them all in the same words; a test keeps the two in step). An unset
or empty variable means the default.

``settings()`` looks at the environment on every call (a scan of a small dict) and parses and
checks it once per distinct set of values, so a test that sets a variable with
``monkeypatch.setenv`` sees it at the next call, with no cache to clear. A value that cannot be
used raises ``SettingError`` (a ``ValueError``: the CLI prints it as one line) naming the
variable and what it takes.

"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

PREFIX = "CS_ARCHIVE_"
DEFAULT_INDEX = "index"


class SettingError(ValueError):
    """A variable holds a value that cannot be used; the message names it and says what it takes."""


# -- parsers: (raw value, variable name) -> value, or SettingError ----------------------------
def _text(raw: str, name: str) -> str:
    return raw


def _stripped(raw: str, name: str) -> str:
    return raw.strip()


def _path(raw: str, name: str) -> Path:
    return Path(raw)


def _positive(kind: type, what: str) -> Callable[[str, str], Any]:
    def parse(raw: str, name: str):
        try:
            value = kind(raw.strip().replace("_", ""))
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise SettingError(f"{name}={raw!r} is not {what}")
        return value

    return parse


def _count(raw: str, name: str) -> int:
    try:
        value = int(raw.strip().replace("_", "").replace(",", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise SettingError(f"{name}={raw!r} is not a whole number (0 or more)")
    return value


def _switch(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "yes", "on", "true"):
        return True
    if value in ("0", "no", "off", "false"):
        return False
    raise SettingError(f"{name}={raw!r} is not a switch: use 1 (on) or 0 (off)")


def _choice(what: str, *choices: str) -> Callable[[str, str], str]:
    def parse(raw: str, name: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise SettingError(f"{name}={value!r} is not {what}: use {', '.join(choices[:-1])} or {choices[-1]}")
        return value

    return parse


def _port(raw: str, name: str) -> int:
    value = raw.strip()
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingError(f"{name}={value!r} is not a port number (1 to 65535)")
    return int(value)


def _setting(env: str, default: Any, meaning: str, parse: Callable[[str, str], Any], shown: str = "") -> Any:
    """A field of ``Settings``: its variable, default, one-line meaning and parser (``shown``:
    the default as the README says it, when it is worked out rather than fixed)."""
    return field(default=default, metadata={"env": env, "meaning": meaning, "parse": parse, "shown": shown})


@dataclass(frozen=True)
class Settings:
    # Where the archive is
    index: Path = _setting("CS_ARCHIVE_INDEX", Path(DEFAULT_INDEX),
                           "the archive folder, when neither `--index` nor a store URL is given", _path)
    store: str | None = _setting("CS_ARCHIVE_STORE", None,
                                 "the archive as a URL, `faiss:///PATH` or `postgresql://…`; wins over the index "
                                 "folder (docs/scale.md)", _stripped, "none")
    uploads: Path | None = _setting("CS_ARCHIVE_UPLOADS", None,
                                    "the folder whose `uploads/` keeps papers added in the app", _path,
                                    "the archive folder")
    # The model
    model: str = _setting("CS_ARCHIVE_MODEL", "all-MiniLM-L6-v2",
                          "a sentence-transformers model folder, or `hash` (a fast stand-in for tests)", _stripped)
    backend: str = _setting("CS_ARCHIVE_BACKEND", "onnx",
                            "how queries and passages are embedded: `onnx` or `torch` (the reference)",
                            _choice("a backend", "onnx", "torch"))
    cache: Path | None = _setting("CS_ARCHIVE_CACHE", None, "where the model's ONNX export is kept", _path,
                                  "`$XDG_CACHE_HOME/cs-archive`, else `~/.cache/cs-archive`")
    # Reading papers
    embed_pool: int = _setting("CS_ARCHIVE_EMBED_POOL", 512,
                               "texts embedded together at ingest (many files' chunks, sorted by length)",
                               _positive(int, "a whole number above 0"))
    spool_chunks: int = _setting("CS_ARCHIVE_SPOOL_CHUNKS", 2000,
                                 "chunks of one file kept in memory at ingest; more go to a temporary file",
                                 _positive(int, "a whole number above 0"))
    pdf_timeout: float = _setting("CS_ARCHIVE_PDF_TIMEOUT", 60.0,
                                  "seconds to read a PDF's text, per 5 MB of file (at least once)",
                                  _positive(float, "a number of seconds above 0"))
    pdf_memory_mb: float = _setting("CS_ARCHIVE_PDF_MEMORY_MB", 2048.0,
                                    "MB of address space the process reading a PDF may use",
                                    _positive(float, "a number of MB above 0"))
    pdf_max_chars: int = _setting("CS_ARCHIVE_PDF_MAX_CHARS", 50_000_000,
                                  "characters of text one PDF may hold (and 200,000 one page)",
                                  _positive(int, "a whole number above 0"))
    ocr: bool = _setting("CS_ARCHIVE_OCR", True, "`0` turns OCR of scanned pages off", _switch, "on")
    ocr_timeout: float = _setting("CS_ARCHIVE_OCR_TIMEOUT", 120.0, "seconds OCR may take over one page",
                                  _positive(float, "a number of seconds above 0"))
    ocr_cache: Path | None = _setting("CS_ARCHIVE_OCR_CACHE", None, "where OCR'd text is kept, shared by every archive",
                                      _path, "`$XDG_CACHE_HOME/cs-archive/ocr`, else `~/.cache/cs-archive/ocr`")
    # Searching
    lexical_postings: int = _setting("CS_ARCHIVE_LEXICAL_POSTINGS", 20_000,
                                     "postings the lexical arm's ranking reads per query variant, rarest "
                                     "words first (README, *Retrieval quality*, \"At scale\")", _count)
    pg_pool: int = _setting("CS_ARCHIVE_PG_POOL", 4, "connections the app may hold to a PostgreSQL archive",
                            _positive(int, "a whole number above 0"))
    # Following searches
    follow_dir: Path = _setting("CS_ARCHIVE_FOLLOW_DIR", Path("follow"),
                                "the folder of a PostgreSQL archive's saved searches (an embedded archive keeps "
                                "them in its own folder)", _path)
    base_url: str | None = _setting("CS_ARCHIVE_BASE_URL", None,
                                    "the app's public address, for the links in digests and feeds", _stripped,
                                    "the address a page or feed was opened at; digests `http://localhost:8501`")
    smtp_host: str | None = _setting("CS_ARCHIVE_SMTP_HOST", None, "the SMTP server digests go through (needed to "
                                     "send)", _stripped, "none")
    smtp_port: int | None = _setting("CS_ARCHIVE_SMTP_PORT", None, "its port", _port,
                                     "587 for `starttls`, 465 for `ssl`, 25 for `none`")
    smtp_tls: str = _setting("CS_ARCHIVE_SMTP_TLS", "starttls", "how the connection is secured: `starttls`, "
                             "`ssl` or `none`", _choice("a TLS mode", "none", "starttls", "ssl"))
    smtp_user: str | None = _setting("CS_ARCHIVE_SMTP_USER", None, "the SMTP login, when it needs one", _text, "none")
    smtp_password: str | None = _setting("CS_ARCHIVE_SMTP_PASSWORD", None, "its password", _text, "none")
    mail_from: str | None = _setting("CS_ARCHIVE_MAIL_FROM", None, "the address digests come from (needed to send)",
                                     _stripped, "none")

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "Settings":
        """The settings a mapping of environment variables gives."""
        given = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"], "")
            if raw.strip():
                given[f.name] = f.metadata["parse"](raw, f.metadata["env"])
        s = cls(**given)
        caches = Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME") or Path.home()) / ".cache") / "cs-archive"
        return replace(s, cache=s.cache or caches, ocr_cache=s.ocr_cache or caches / "ocr")


def settings() -> Settings:
    """The settings the environment holds now (parsed once per distinct set of values)."""
    return _parsed(tuple(sorted((k, v) for k, v in os.environ.items()
                                if k.startswith(PREFIX) or k in ("XDG_CACHE_HOME", "HOME"))))


@lru_cache(maxsize=16)
def _parsed(env: tuple[tuple[str, str], ...]) -> Settings:
    return Settings.from_env(dict(env))


def table() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting, in order: the README's table."""
    rows = []
    for f in fields(Settings):
        shown = f.metadata["shown"] or f"`{_shown(f.default)}`"
        rows.append((f.metadata["env"], shown, f.metadata["meaning"]))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


# -- what the rest of the code asks ----------------------------------------------------------
def index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--index DIR, else $CS_ARCHIVE_INDEX, else ./index."""
    return Path(explicit) if explicit else settings().index


def store_location(store: str | None, index: str | os.PathLike | None) -> Path | str:
    """--store URL (faiss:///path or postgresql://…) or $CS_ARCHIVE_STORE wins over the index
    options. A PostgreSQL URL stays a string; everything else is a folder."""
    url = store or settings().store
    if url:
        return resolve(url)
    return index_dir(index)


def shown(location: str | os.PathLike) -> str:
    """A location for messages: a PostgreSQL URL without its password, a folder as it is."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", location) if isinstance(location, str) else str(location)


def is_pg_url(location: Any) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def resolve(location: str | os.PathLike) -> str | Path:
    """A PostgreSQL URL stays a string; ``faiss:///PATH`` and plain paths become a Path."""
    if is_pg_url(location):
        return str(location)
    text = os.fspath(location)
    if text.startswith("faiss://"):
        return Path(text[len("faiss://"):] or "index")
    if "://" in text:
        raise ValueError(f"unknown store URL {text!r}; use faiss:///PATH, postgresql://… or --index DIR")
    return Path(text)


def model_name() -> str:
    """$CS_ARCHIVE_MODEL: a sentence-transformers model folder, or "hash" (a fast deterministic
    stand-in for tests of the mechanics). Default: the packaged all-MiniLM-L6-v2."""
    return settings().model
