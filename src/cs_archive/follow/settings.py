"""Where saved searches live and how digests are sent: read from the environment here, once.

- ``CS_ARCHIVE_SMTP_HOST``, ``_PORT``, ``_TLS`` (``none``, ``starttls``, ``ssl``), ``_USER``,
  ``_PASSWORD``, and ``CS_ARCHIVE_MAIL_FROM``: the SMTP server digests go through.
- ``CS_ARCHIVE_BASE_URL``: the app's public address, for the links in digests and feeds.
- ``CS_ARCHIVE_FOLLOW_DIR``: the folder of the saved searches of a PostgreSQL archive (an
  embedded archive keeps them in its own folder).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "follow.sqlite"
DEFAULT_BASE_URL = "http://localhost:8501"
DEFAULT_FOLLOW_DIR = "follow"
TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def state_path(location: Path | str) -> Path:
    """The SQLite file of an archive's saved searches. Beside the generations of an embedded
    archive (a rebuild replaces those, never this); for a PostgreSQL archive, in
    $CS_ARCHIVE_FOLLOW_DIR (default ./follow), one file per database."""
    from ..index.base import resolve

    where = resolve(location)
    if isinstance(where, Path):
        return where / STATE_FILE
    from ..index.pg import redact

    folder = Path(os.environ.get("CS_ARCHIVE_FOLLOW_DIR") or DEFAULT_FOLLOW_DIR)
    tag = hashlib.sha256(redact(where).encode()).hexdigest()[:12]
    return folder / f"follow-{tag}.sqlite"


def base_url(seen: str | None = None) -> str:
    """$CS_ARCHIVE_BASE_URL without its trailing slash; else ``seen`` (the address a page or a
    feed was asked for at), else http://localhost:8501."""
    return (os.environ.get("CS_ARCHIVE_BASE_URL") or seen or DEFAULT_BASE_URL).rstrip("/")


class MailNotSetUp(ValueError):
    """The SMTP settings are missing or wrong; the message says which variable to set."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    tls: str  # one of TLS_MODES
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_env(cls) -> "Smtp":
        env = os.environ.get
        host = (env("CS_ARCHIVE_SMTP_HOST") or "").strip()
        if not host:
            raise MailNotSetUp("CS_ARCHIVE_SMTP_HOST is not set: name the SMTP server digests go through "
                               "(README, Following a topic)")
        tls = (env("CS_ARCHIVE_SMTP_TLS") or "starttls").strip().lower()
        if tls not in TLS_MODES:
            raise MailNotSetUp(f"CS_ARCHIVE_SMTP_TLS={tls!r} is not one of {', '.join(TLS_MODES)}")
        port = (env("CS_ARCHIVE_SMTP_PORT") or "").strip()
        if port and not port.isdigit():
            raise MailNotSetUp(f"CS_ARCHIVE_SMTP_PORT={port!r} is not a port number")
        sender = (env("CS_ARCHIVE_MAIL_FROM") or "").strip()
        if not sender:
            raise MailNotSetUp("CS_ARCHIVE_MAIL_FROM is not set: give the address digests come from")
        return cls(host=host, port=int(port) if port else DEFAULT_PORTS[tls], tls=tls,
                   user=env("CS_ARCHIVE_SMTP_USER") or None, password=env("CS_ARCHIVE_SMTP_PASSWORD") or None,
                   sender=sender)
