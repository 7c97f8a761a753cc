"""What both backends share, and the interface (``base.py``) names: the row keys, the
filters' values, the words of a match term, provenance as stored. Imports no backend."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..models import META_FIELDS

ROW_KEYS = ("id", "chunk_id", "doc_id", "seq", "section", "subsection", "part", "heading", "text", "norm",
            "page", "page_end", "topics", "content_hash", "source", "council", "committee", "date", "title",
            "doc_type", "url", "vector", "ocr", "exempt", "stems")
FILE_KEYS = ("source", "sha256", "meta_hash", "chunker", "pages", "dropped", "ingested_at")


@dataclass(frozen=True)
class FilterValues:
    """The filters in the form every backend applies them (see ``index/base.py``)."""

    since: str | None = None
    until: str | None = None
    committee: str | None = None  # lower case, "&" spelt "and"
    council: str | None = None
    doc_type: str | None = None  # lower case
    topic: str | None = None  # lower case
    include_exempt: bool = False

    @classmethod
    def of(cls, filters: Any) -> "FilterValues":
        if filters is None:
            return cls()
        get = lambda name: getattr(filters, name, None) or None  # noqa: E731
        return cls(since=get("since"), until=get("until"),
                   committee=and_spelt(get("committee")), council=and_spelt(get("council")),
                   doc_type=(get("doc_type") or "").lower() or None, topic=(get("topic") or "").lower() or None,
                   include_exempt=bool(get("include_exempt")))

    @property
    def restricts_papers(self) -> bool:
        return any((self.since, self.until, self.committee, self.council, self.doc_type, self.topic))


# Per metadata field, SQL true of a paper (``papers p``) that lacks it: empty, or for the type
# "other" (what a paper gets when nothing says what it is). ``stats()["unknown"]`` counts them.
UNKNOWN_SQL = {name: f"coalesce(p.{name}, '') = ''" for name in META_FIELDS}
UNKNOWN_SQL["doc_type"] = "coalesce(p.doc_type, '') IN ('', 'other')"


def provenance_json(paper: Any) -> str:
    """A paper's provenance as stored beside it: JSON of ``{field: origin}``."""
    return json.dumps(dict(paper.meta.provenance), sort_keys=True)


def provenance_of(stored: str | None) -> dict:
    """The stored provenance as a dict (``{}`` when none was recorded)."""
    return json.loads(stored) if stored else {}


def and_spelt(s: str | None) -> str | None:
    """Lower case with every "&" spelt "and" (committee and council names match either)."""
    return re.sub(r"\s*&\s*", " and ", s.lower()).strip() if s else None


def nothing_allowed(allowed: Any) -> bool:
    """True when a filtered search can match no chunk at all (search returns [] at once)."""
    if allowed is None:
        return False
    empty = getattr(allowed, "empty", None)
    return bool(empty) if empty is not None else len(allowed) == 0


def match_subterms(term: str) -> list[str]:
    """The words of one match term as a full-text index sees them: runs of letters and digits.

    Tantivy's default tokenizer splits "2023/24" into "2023" "24" and "£434964" into "434964";
    PostgreSQL is given the same words, so both match the same rows. (Splitting at
    the runs between words is the faster way to find them, for a whole passage's stems too.)"""
    return _NOT_SUBTERM.sub(" ", term.lower()).split()


_NOT_SUBTERM = re.compile(r"[\W_]+")
