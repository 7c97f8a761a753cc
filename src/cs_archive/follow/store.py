"""The saved searches of one archive and what they found, in one SQLite file beside it
(``settings.state_path``): it survives ``ingest --rebuild``, which replaces only the archive's
generations.

Tables: ``follows`` (a saved search: its words and filters, the role it runs with, its feed
and e-mail subscription); ``news`` (a passage a saved search found, with when it first
appeared); ``known`` (every passage the archive has held since following began, by chunk id
and text hash: only a passage in neither is new, so a rebuild brings no old passage back as
news); ``sent`` (which passages went to which address: none goes twice); ``recipients`` (each
address's token to stop every digest at once).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from ..access import Role
from ..models import NOT_FOR_PUBLICATION
from .settings import state_path

FILTER_KEYS = ("since", "until", "committee", "council", "topic", "type")  # as in CONTRACT.md
EVERY = ("now", "daily", "weekly")
MAX_NAME = 80

SCHEMA = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,            -- JSON of the set FILTER_KEYS
    role TEXT NOT NULL,               -- access.Role it runs with
    owner TEXT,                       -- the signed-in follower's address; NULL: the CLI, or an unsigned app
    email TEXT,                       -- where its digests go; NULL: none
    every TEXT NOT NULL,              -- EVERY
    uid TEXT NOT NULL UNIQUE,         -- the feed's permanent id
    feed_token TEXT NOT NULL UNIQUE,  -- the secret in the feed's address (replaced to revoke it)
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    visited TEXT,                     -- when the follower last opened it on the Following page
    sent TEXT,                        -- when its last digest went
    send_error TEXT                   -- why its last digest failed; NULL when it did not
);
CREATE TABLE IF NOT EXISTS news (
    follow_id INTEGER NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    exempt INTEGER NOT NULL,
    hit TEXT NOT NULL,                -- the search hit, as `search --json` prints it
    PRIMARY KEY (follow_id, chunk_id)
);
CREATE INDEX IF NOT EXISTS news_by_time ON news(first_seen);
CREATE TABLE IF NOT EXISTS known (chunk_id TEXT PRIMARY KEY, text_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS known_by_text ON known(text_hash);
CREATE TABLE IF NOT EXISTS sent (
    recipient TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (recipient, chunk_id)
);
CREATE TABLE IF NOT EXISTS recipients (email TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class FollowError(ValueError):
    """A saved search that cannot be made, changed or found; the message says what to do."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    """The passage's words, whatever the spacing: the same text re-cut or re-embedded matches."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32]


_EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")


def check_email(address: str | None) -> str | None:
    """One plain address (``jo@council.gov.uk``), lower-cased, or None for none."""
    address = (address or "").strip()
    if not address:
        return None
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        raise FollowError(f"{address[:60]!r} is not an e-mail address: give one, like jo@council.gov.uk")
    return address.lower()


@dataclass(frozen=True)
class Follow:
    id: int
    name: str
    query: str
    filters: dict  # the set FILTER_KEYS
    role: Role
    owner: str | None
    email: str | None
    every: str
    uid: str
    feed_token: str
    unsubscribe_token: str
    created: str
    visited: str | None
    sent: str | None
    send_error: str | None

    @classmethod
    def of(cls, row: sqlite3.Row) -> "Follow":
        d = dict(row)
        return cls(**{**d, "filters": json.loads(d["filters"]), "role": Role(d["role"])})

    def search_filters(self):
        """``search.Filters`` of this saved search, with the follower's access to exempt papers."""
        from ..search import Filters

        f = self.filters
        return Filters(since=f.get("since"), until=f.get("until"), committee=f.get("committee"),
                       council=f.get("council"), topic=f.get("topic"), doc_type=f.get("type"),
                       include_exempt=self.role.sees_exempt)

    def to_json(self, base: str) -> dict:
        return {"name": self.name, "query": self.query, **{k: self.filters.get(k) for k in FILTER_KEYS},
                "role": self.role.value, "email": self.email, "every": self.every, "feed": feed_url(base, self),
                "created": self.created, "last_sent": self.sent, "send_error": self.send_error}


def feed_url(base: str, follow: Follow) -> str:
    return f"{base}/feeds/{follow.feed_token}.atom"


@dataclass(frozen=True)
class News:
    follow: str  # the saved search's name
    first_seen: str  # ISO timestamp (UTC)
    hit: dict  # as `search --json` prints a hit
    exempt: bool  # from a paper marked exempt: shown only to a member or clerk, marked

    def to_json(self) -> dict:
        return {"follow": self.follow, "first_seen": self.first_seen, "hit": {**self.hit, "exempt": self.exempt}}

    def citation(self) -> str:
        """The hit's citation, ending "Not for publication" when its paper is marked exempt."""
        text = self.as_hit().citation()
        return f"{text} · {NOT_FOR_PUBLICATION}" if self.exempt and NOT_FOR_PUBLICATION not in text else text

    def as_hit(self, rank: int = 0):
        """The stored hit as a ``models.Hit`` (fields it does not know are dropped)."""
        from ..models import Hit

        fields = Hit.__dataclass_fields__
        d = {k: v for k, v in self.hit.items() if k in fields}
        for k in ("highlights", "topics", "also_in"):
            d[k] = tuple(d.get(k) or ())
        if "exempt" in fields:
            d["exempt"] = self.exempt
        return Hit(**{**d, "rank": rank or d.get("rank", 0)})


class FollowStore:
    """One connection to the file; each method is one transaction."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- saved searches -------------------------------------------------------------------
    def add(self, name: str, query: str, filters: dict, role: Role, owner: str | None = None,
            email: str | None = None, every: str = "daily") -> Follow:
        name = " ".join((name or "").split())
        if not name:
            raise FollowError("give the saved search a name")
        if len(name) > MAX_NAME:
            raise FollowError(f"the name is {len(name)} characters long (at most {MAX_NAME}); shorten it")
        if not (query or "").strip():
            raise FollowError("give the words to search for")
        if every not in EVERY:
            raise FollowError(f"--every must be one of {', '.join(EVERY)}, not {every!r}")
        kept = {k: v for k, v in filters.items() if k in FILTER_KEYS and v}
        owner, email = (owner.strip().lower() or None) if owner else None, check_email(email)
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO follows (name, query, filters, role, owner, email, every, uid, feed_token, "
                           "unsubscribe_token, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           (name, query.strip(), json.dumps(kept, sort_keys=True), role.value,
                            owner, email, every, secrets.token_hex(8), _token(), _token(), now_iso()))
        except sqlite3.IntegrityError:
            raise FollowError(f"a saved search named {name!r} exists already: choose another name, or remove "
                              "that one first") from None
        return self.get(name)

    def get(self, name: str) -> Follow:
        row = self.db.execute("SELECT * FROM follows WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise FollowError(f"no saved search named {name!r}; `cs-archive follow list` shows them")
        return Follow.of(row)

    def follows(self) -> list[Follow]:
        return [Follow.of(r) for r in self.db.execute("SELECT * FROM follows ORDER BY name")]

    def owned_by(self, owner: str | None) -> list[Follow]:
        """The saved searches of one follower (None: those made from the CLI or by an unsigned app's user)."""
        return [f for f in self.follows() if f.owner == (owner.lower() if owner else None)]

    def remove(self, name: str) -> None:
        with self.transaction() as db:
            if not db.execute("DELETE FROM follows WHERE name = ?", (name,)).rowcount:
                raise FollowError(f"no saved search named {name!r}; `cs-archive follow list` shows them")

    def by_feed(self, token: str) -> Follow | None:
        row = self.db.execute("SELECT * FROM follows WHERE feed_token = ?", (token,)).fetchone()
        return Follow.of(row) if row else None

    def new_feed_address(self, name: str) -> Follow:
        """Revoke the feed's address: a new secret replaces the old, which stops working."""
        with self.transaction() as db:
            db.execute("UPDATE follows SET feed_token = ? WHERE name = ?", (_token(), name))
        return self.get(name)

    def subscribe(self, name: str, email: str | None, every: str) -> Follow:
        """Send digests of ``name`` to ``email`` (None: stop them) ``every`` now|daily|weekly."""
        if every not in EVERY:
            raise FollowError(f"every must be one of {', '.join(EVERY)}, not {every!r}")
        email = check_email(email)
        with self.transaction() as db:
            db.execute("UPDATE follows SET email = ?, every = ?, send_error = NULL, "
                       "unsubscribe_token = CASE WHEN email IS ? THEN unsubscribe_token ELSE ? END WHERE name = ?",
                       (email, every, email, _token(), name))
        return self.get(name)

    def unsubscribe(self, token: str) -> list[str]:
        """Stop the digests a link's token stands for: one saved search's, or (a recipient's
        token) all of that address's. Returns the names stopped ([] for an unknown token)."""
        with self.transaction() as db:
            rows = db.execute("SELECT name FROM follows WHERE unsubscribe_token = ? AND email IS NOT NULL",
                              (token,)).fetchall()
            if not rows:
                who = db.execute("SELECT email FROM recipients WHERE token = ?", (token,)).fetchone()
                rows = db.execute("SELECT name FROM follows WHERE email = ?", (who[0],)).fetchall() if who else []
            names = [r[0] for r in rows]
            db.executemany("UPDATE follows SET email = NULL WHERE name = ?", [(n,) for n in names])
        return names

    def token_known(self, token: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM follows WHERE unsubscribe_token = ? UNION ALL "
                                    "SELECT 1 FROM recipients WHERE token = ?", (token, token)).fetchone())

    def recipient_token(self, email: str) -> str:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO recipients (email, token) VALUES (?, ?)", (email, _token()))
            return db.execute("SELECT token FROM recipients WHERE email = ?", (email,)).fetchone()[0]

    def visit(self, name: str, when: str | None = None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE follows SET visited = ? WHERE name = ?", (when or now_iso(), name))

    # -- what is new ----------------------------------------------------------------------
    def baseline_done(self) -> bool:
        return self.db.execute("SELECT 1 FROM meta WHERE key = 'baseline'").fetchone() is not None

    def know(self, passages: Iterable[tuple[str, str]], baseline: bool = False) -> None:
        """Record (chunk id, text hash) pairs as held by the archive (no longer new)."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO known (chunk_id, text_hash) VALUES (?, ?)", passages)
            if baseline:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('baseline', ?)", (now_iso(),))

    def unknown(self, passages: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Those (chunk id, text hash) pairs whose chunk id and text the archive never held."""
        q = "SELECT 1 FROM known WHERE chunk_id = ? UNION ALL SELECT 1 FROM known WHERE text_hash = ? LIMIT 1"
        return [p for p in passages if self.db.execute(q, p).fetchone() is None]

    def record(self, follow: Follow, hits: list[dict], exempt_docs: set[str], when: str) -> int:
        """Add hits (``Hit.to_json()``) as news of ``follow`` unless it has them (by chunk id or
        text); returns how many were new."""
        n = 0
        with self.transaction() as db:
            for h in hits:
                digest = text_hash(h["text"])
                if db.execute("SELECT 1 FROM news WHERE follow_id = ? AND (chunk_id = ? OR text_hash = ?)",
                              (follow.id, h["chunk_id"], digest)).fetchone():
                    continue
                db.execute("INSERT INTO news (follow_id, chunk_id, doc_id, text_hash, first_seen, exempt, hit) "
                           "VALUES (?,?,?,?,?,?,?)", (follow.id, h["chunk_id"], h["doc_id"], digest, when,
                                                      int(h["doc_id"] in exempt_docs), json.dumps(h)))
                n += 1
        return n

    def withhold(self, exempt_docs: set[str]) -> None:
        """Papers now marked exempt: their passages leave the news of followers who may not see them."""
        if not exempt_docs:
            return
        blind = [r.value for r in Role if not r.sees_exempt]
        with self.transaction() as db:
            db.execute(f"DELETE FROM news WHERE doc_id IN ({_marks(exempt_docs)}) AND follow_id IN "
                       f"(SELECT id FROM follows WHERE role IN ({_marks(blind)}))", [*exempt_docs, *blind])
            db.execute(f"UPDATE news SET exempt = 1 WHERE doc_id IN ({_marks(exempt_docs)})", [*exempt_docs])

    def news(self, name: str | None = None, since: str | None = None, limit: int | None = None) -> list[News]:
        """News, newest first; of one saved search with ``name``; first seen on or after ``since``."""
        where, args = [], []
        if name is not None:
            where.append("follow_id = ?")
            args.append(self.get(name).id)
        if since:
            where.append("first_seen >= ?")
            args.append(since)
        q = ("SELECT f.name, n.first_seen, n.hit, n.exempt FROM news n JOIN follows f ON f.id = n.follow_id "
             + ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY n.first_seen DESC, n.rowid DESC"
             + (f" LIMIT {int(limit)}" if limit else ""))
        return [News(r[0], r[1], json.loads(r[2]), bool(r[3])) for r in self.db.execute(q, args)]

    def count_since(self, follow: Follow, since: str | None) -> int:
        q = "SELECT count(*) FROM news WHERE follow_id = ?" + (" AND first_seen > ?" if since else "")
        return self.db.execute(q, (follow.id, since) if since else (follow.id,)).fetchone()[0]

    # -- digests ----------------------------------------------------------------------------
    def unsent(self, follow: Follow) -> list[News]:
        """The news of ``follow`` not yet sent to its address, oldest first."""
        rows = self.db.execute(
            "SELECT n.first_seen, n.hit, n.exempt FROM news n WHERE n.follow_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM sent s WHERE s.recipient = ? AND s.chunk_id = n.chunk_id) ORDER BY n.first_seen, n.rowid",
            (follow.id, follow.email))
        return [News(follow.name, r[0], json.loads(r[1]), bool(r[2])) for r in rows]

    def mark_sent(self, recipient: str, follows: list[Follow], chunk_ids: list[str], when: str) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO sent (recipient, chunk_id, at) VALUES (?, ?, ?)",
                           [(recipient, c, when) for c in chunk_ids])
            db.executemany("UPDATE follows SET sent = ?, send_error = NULL WHERE id = ?",
                           [(when, f.id) for f in follows])

    def mark_failed(self, follows: list[Follow], error: str) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE follows SET send_error = ? WHERE id = ?", [(error, f.id) for f in follows])


def _token() -> str:
    return secrets.token_urlsafe(24)


def _marks(values) -> str:
    return ",".join("?" * len(values))


@contextmanager
def opened(location: Path | str, create: bool = False) -> Iterator[FollowStore | None]:
    """The saved searches of the archive at ``location``; None when there are none and not ``create``."""
    path = state_path(location)
    if not create and not path.exists():
        yield None
        return
    store = FollowStore(path)
    try:
        yield store
    finally:
        store.close()
