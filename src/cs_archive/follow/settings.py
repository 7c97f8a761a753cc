"""Where saved searches live and how digests are sent, from the settings (``config.settings()``:
``smtp_*``, ``mail_from``, ``base_url``, ``follow_dir``)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..config import SettingError, resolve, settings, shown

STATE_FILE = "follow.sqlite"
DEFAULT_BASE_URL = "http://localhost:8501"
TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def state_path(location: Path | str) -> Path:
    """The SQLite file of an archive's saved searches. Beside the generations of an embedded
    archive (a rebuild replaces those, never this); for a PostgreSQL archive, in
    $CS_ARCHIVE_FOLLOW_DIR (default ./follow), one file per database."""
    where = resolve(location)
    if isinstance(where, Path):
        return where / STATE_FILE
    folder = settings().follow_dir
    tag = hashlib.sha256(shown(where).encode()).hexdigest()[:12]
    return folder / f"follow-{tag}.sqlite"


def base_url(seen: str | None = None) -> str:
    """$CS_ARCHIVE_BASE_URL without its trailing slash; else ``seen`` (the address a page or a
    feed was asked for at), else http://localhost:8501."""
    return (settings().base_url or seen or DEFAULT_BASE_URL).rstrip("/")


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
    def configured(cls) -> "Smtp":
        """The SMTP server the settings name; ``MailNotSetUp`` says which variable to set or fix."""
        try:
            s = settings()
        except SettingError as e:
            raise MailNotSetUp(str(e)) from None
        if not s.smtp_host:
            raise MailNotSetUp("CS_ARCHIVE_SMTP_HOST is not set: name the SMTP server digests go through "
                               "(README, Following a topic)")
        if not s.mail_from:
            raise MailNotSetUp("CS_ARCHIVE_MAIL_FROM is not set: give the address digests come from")
        return cls(host=s.smtp_host, port=s.smtp_port or DEFAULT_PORTS[s.smtp_tls], tls=s.smtp_tls,
                   user=s.smtp_user, password=s.smtp_password, sender=s.mail_from)
