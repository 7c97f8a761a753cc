"""E-mail digests: one message per recipient, holding the new passages of each of their saved
searches that is due (``now``: at every run; ``daily``, ``weekly``: a day or a week after the
last digest), in plain text and HTML, each passage with its citation and links, and a link
that stops the digests in one click.

A passage goes to an address once: it is marked sent only after the SMTP server took the
message, so a failed send leaves it for the next run (and is reported), never lost.
"""
from __future__ import annotations

import html
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..models import NOT_FOR_PUBLICATION
from .feed import paper_url, search_url
from .settings import MailNotSetUp, Smtp, base_url
from .store import Follow, FollowStore, News, now_iso, opened

PERIODS = {"now": timedelta(0), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
# A timer that fires a few minutes early (cron's minute, systemd's accuracy) still finds a
# daily digest due.
SLACK = timedelta(minutes=30)


@dataclass
class SendReport:
    sent: list[tuple[str, int]] = field(default_factory=list)  # (recipient, passages)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (recipient, why)


def due(follow: Follow, now: datetime) -> bool:
    if follow.every == "now" or follow.sent is None:
        return True
    return now - datetime.fromisoformat(follow.sent) >= PERIODS[follow.every] - SLACK


def send(location: Path | str, smtp: Smtp | None = None, now: datetime | None = None) -> SendReport:
    """Send every due digest of the archive at ``location`` (SMTP settings from the environment
    unless ``smtp`` is given)."""
    report = SendReport()
    with opened(location) as state:
        if state is None:
            return report
        now = now or datetime.now(timezone.utc)
        waiting: dict[str, list[tuple[Follow, list[News]]]] = defaultdict(list)
        for f in state.follows():
            if f.email and due(f, now) and (news := state.unsent(f)):
                waiting[f.email].append((f, news))
        if not waiting:
            return report
        try:
            smtp = smtp or Smtp.configured()
        except MailNotSetUp as e:
            for recipient, sections in waiting.items():
                state.mark_failed([f for f, _ in sections], str(e))
                report.failed.append((recipient, str(e)))
            return report
        base = base_url()
        for recipient, sections in waiting.items():
            sections, chunk_ids = _once(sections)
            msg = digest(state, recipient, sections, smtp.sender, base)
            follows = [f for f, _ in sections]
            try:
                deliver(smtp, msg)
            except (OSError, smtplib.SMTPException) as e:
                why = " ".join(f"{type(e).__name__}: {e}".split())[:300]
                state.mark_failed(follows, why)
                report.failed.append((recipient, why))
                continue
            state.mark_sent(recipient, follows, chunk_ids, now_iso())
            report.sent.append((recipient, len(chunk_ids)))
    return report


def _once(sections: list[tuple[Follow, list[News]]]) -> tuple[list[tuple[Follow, list[News]]], list[str]]:
    """Each passage under the first saved search that found it, and the chunk ids sent."""
    seen: list[str] = []
    out = []
    for f, news in sections:
        mine = [n for n in news if n.hit["chunk_id"] not in seen]
        seen += [n.hit["chunk_id"] for n in mine]
        out.append((f, mine))
    return out, seen


def deliver(smtp: Smtp, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    if smtp.tls == "ssl":
        server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=30, context=context)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    with server:
        if smtp.tls == "starttls":
            server.starttls(context=context)
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(msg)


def digest(state: FollowStore, recipient: str, sections: list[tuple[Follow, list[News]]], sender: str,
           base: str) -> EmailMessage:
    """The digest for one recipient: a plain-text body and its HTML alternative."""
    stop_all = f"{base}/unsubscribe/{state.recipient_token(recipient)}"
    n = sum(len(news) for _, news in sections)
    about = f"“{sections[0][0].name}”" if len(sections) == 1 else f"{len(sections)} saved searches"
    msg = EmailMessage()
    msg["Subject"] = f"cs-archive: {n} new passage{'s' * (n != 1)} for {about}"
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["List-Unsubscribe"] = f"<{stop_all}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_text(sections, base, recipient, stop_all))
    msg.add_alternative(_html(sections, base, recipient, stop_all), subtype="html")
    return msg


def _stop(base: str, f: Follow) -> str:
    return f"{base}/unsubscribe/{f.unsubscribe_token}"


def _text(sections, base: str, recipient: str, stop_all: str) -> str:
    out = ["New passages in council papers for your saved searches.", ""]
    for f, news in sections:
        out += [f"== {f.name} ({len(news)} new) ==", f"Search: {f.query}  {search_url(base, f)}", ""]
        for i, n in enumerate(news, 1):
            hit = n.as_hit()
            out.append(f"{i}. {n.citation()}")
            if n.exempt:
                out.append(f"   {NOT_FOR_PUBLICATION.upper()}: do not share or publish it.")
            out += ["   " + line for line in hit.text.splitlines() if line.strip()]
            out += [f"   Read it in the paper: {paper_url(base, n.hit)}", ""]
        out += [f"Stop e-mails for “{f.name}”: {_stop(base, f)}", ""]
    out += ["--", f"Stop every e-mail from cs-archive to {recipient}: {stop_all}"]
    return "\n".join(out) + "\n"


def _html(sections, base: str, recipient: str, stop_all: str) -> str:
    e = html.escape
    out = ["<!doctype html><html><body style='font-family:sans-serif;line-height:1.5;color:#1f2329'>",
           "<p>New passages in council papers for your saved searches.</p>"]
    for f, news in sections:
        out.append(f"<h2 style='font-size:1.15em'>{e(f.name)} ({len(news)} new)</h2>"
                   f"<p>Search: <a href='{e(search_url(base, f))}'>{e(f.query)}</a></p>")
        for n in news:
            hit = n.as_hit()
            mark = (f"<p style='color:#8a3b00;font-weight:bold'>{e(NOT_FOR_PUBLICATION)}: do not share or publish "
                    "it.</p>" if n.exempt else "")
            out.append(f"<div style='margin:1em 0'><p><strong>{e(n.citation())}</strong></p>{mark}"
                       f"<blockquote style='border-left:4px solid #5a6472;margin:0;padding-left:.8em;"
                       f"white-space:pre-wrap'>{e(hit.text)}</blockquote>"
                       f"<p><a href='{e(paper_url(base, n.hit))}'>Read it in the paper</a></p></div>")
        out.append(f"<p style='font-size:.9em'><a href='{e(_stop(base, f))}'>Stop e-mails for “{e(f.name)}”</a></p>")
    out.append(f"<hr><p style='font-size:.9em'><a href='{e(stop_all)}'>Stop every e-mail from cs-archive to "
               f"{e(recipient)}</a></p></body></html>")
    return "\n".join(out)
