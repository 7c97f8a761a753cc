"""What people supply for a file beside it: its row of ``manifest.csv`` and its
``<file>.meta.json``. Supplied values win over anything read from the paper."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from ..models import PaperMeta
from .dates import parse_date

DOC_TYPES = ("report", "minutes", "agenda", "agenda_pack", "decision", "appendix", "questions", "amendment",
             "forward_plan", "strategy", "other")
MANIFEST_FIELDS = ("council", "committee", "date", "title", "doc_type", "url")
OVERRIDE_FIELDS = MANIFEST_FIELDS + ("exempt",)  # exempt: yes/no, by hand (see exempt.hand_exemption)
# A manifest column naming the fields of a row that a clerk corrected in the UI ("committee date"):
# their provenance is "correction" rather than "manifest".
CORRECTED = "corrected"


def read_overrides(path: Path) -> dict:
    """What people supplied for one file: its row of manifest.csv, then its .meta.json.

    Besides the metadata fields, ``exempt`` ("yes" or "no") marks the file's papers exempt
    from publication by hand, or clears a marking found in them (see ``hand_exemption``).
    A value that is neither raises ValueError saying so."""
    out: dict = {}
    manifest = path.parent / "manifest.csv"
    if manifest.exists():
        with manifest.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if (row.get("file") or "").strip() == path.name:
                    out.update({k: v.strip() for k, v in row.items() if k in OVERRIDE_FIELDS and v and v.strip()})
    side = path.with_name(path.name + ".meta.json")
    if side.exists():
        data = json.loads(side.read_text(encoding="utf-8"))
        out.update({k: str(v).strip() for k, v in data.items() if k in OVERRIDE_FIELDS and v not in (None, "")})
    if "date" in out:
        iso = out["date"] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", out["date"]) else parse_date(out["date"])
        out["date"] = iso
    if "exempt" in out:
        out["exempt"] = yes_or_no(out["exempt"])
    return out


def corrected_fields(path: Path) -> frozenset[str]:
    """The fields of this file's manifest.csv row that were corrected in the UI."""
    manifest = path.parent / "manifest.csv"
    if not manifest.exists():
        return frozenset()
    with manifest.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if (row.get("file") or "").strip() == path.name:
                return frozenset((row.get(CORRECTED) or "").split()) & set(MANIFEST_FIELDS)
    return frozenset()


def yes_or_no(value) -> str:
    """ "yes" or "no" for an ``exempt`` cell (yes/no, y/n, true/false, 1/0, any case)."""
    word = str(value).strip().lower()
    if word in _YES_WORDS:
        return "yes"
    if word in _NO_WORDS:
        return "no"
    raise ValueError(f"exempt must be yes or no, not {str(value).strip()!r}")


_YES_WORDS = {"yes", "y", "true", "1"}
_NO_WORDS = {"no", "n", "false", "0"}


def apply_overrides(meta: PaperMeta, overrides: dict, whole_file: bool,
                    corrected: frozenset[str] = frozenset()) -> PaperMeta:
    """Apply supplied fields, recorded as from the manifest (or, for ``corrected`` ones, a
    correction). For a pack, title and type describe the pack, not each paper, and the date is
    the meeting's, which minutes inside it do not share."""
    fields = {k: v for k, v in overrides.items() if k in MANIFEST_FIELDS}
    if not whole_file:
        fields.pop("title", None)
        fields.pop("doc_type", None)
        if meta.doc_type == "minutes":
            fields.pop("date", None)
    if "doc_type" in fields and fields["doc_type"] not in DOC_TYPES:
        fields["doc_type"] = "other"
    fields = {k: v for k, v in fields.items() if v}
    meta = meta.given("manifest", **{k: v for k, v in fields.items() if k not in corrected})
    return meta.given("correction", **{k: v for k, v in fields.items() if k in corrected})

