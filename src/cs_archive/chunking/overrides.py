"""What people supply for a file beside it: its row of ``manifest.csv`` and its
``<file>.meta.json``. Supplied values win over anything read from the paper.

Supplied values are made one line, without control characters, and bounded in length (``LIMITS``)
both when a correction writes them and here when they are read. A cell that breaks a rule, or a
manifest that cannot be read, is named in one line and skipped: the paper's own metadata stands
and the rest of the batch goes on."""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..models import PaperMeta
from .dates import parse_date, real_date

DOC_TYPES = ("report", "minutes", "agenda", "agenda_pack", "decision", "appendix", "questions", "amendment",
             "forward_plan", "strategy", "other")
MANIFEST_FIELDS = ("council", "committee", "date", "title", "doc_type", "url")
OVERRIDE_FIELDS = MANIFEST_FIELDS + ("exempt",)  # exempt: yes/no, by hand (see exempt.hand_exemption)
# A manifest column naming the fields of a row that a clerk corrected in the UI ("committee date"):
# their provenance is "correction" rather than "manifest".
CORRECTED = "corrected"
# The most characters a supplied value may have; a date, type or yes/no is short.
LIMITS = {"council": 200, "committee": 300, "title": 500, "url": 2000}
SHORT = 100
# A manifest larger than this is no list of papers' metadata: it is named and skipped.
MAX_MANIFEST_BYTES = 64 * 2**20
_BREAKS = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


def one_line(value) -> str:
    """``value`` as one trimmed line: line breaks become spaces, other control characters
    (all but tab) go."""
    text = _BREAKS.sub(" ", str(value))
    return "".join(ch for ch in text if ch == "\t" or unicodedata.category(ch) != "Cc").strip()


def too_long(key: str, value: str) -> str | None:
    """Why ``value`` is too long for ``key`` ("600 characters long; at most 500"), or None."""
    limit = LIMITS.get(key, SHORT)
    return f"{len(value):,} characters long; at most {limit:,}" if len(value) > limit else None


def iso_date(value: str) -> str | None:
    """A real day as ISO, from "2024-01-04" or a date written out ("4 January 2024"); None for
    anything else, "2024-02-30" included."""
    if (m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)):
        return real_date(*map(int, m.groups()))
    return parse_date(value)


@dataclass(frozen=True)
class Manifest:
    """The rows of a manifest.csv (none when missing), its columns, and why it could not be
    read (one line), if it could not."""
    rows: list[dict] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    problem: str | None = None


def read_manifest(manifest: Path) -> Manifest:
    """Every row of ``manifest``; what cannot be read is said in ``problem``, never raised."""
    if not manifest.exists():
        return Manifest()
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"it is over {MAX_MANIFEST_BYTES // 2**20} MB")
        # csv refuses cells over 131,072 characters; no cell is longer than its file, and an
        # over-long cell is then named and skipped by the rules above, not by a traceback.
        csv.field_size_limit(max(csv.field_size_limit(), manifest.stat().st_size + 1))
        with manifest.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = [dict(r) for r in reader]
            return Manifest(rows, list(reader.fieldnames or ()))
    except (OSError, ValueError, csv.Error) as e:
        return Manifest(problem=f"{manifest}: cannot be read ({' '.join(str(e).split())[:200]}). Fix or remove it; "
                                "until then the papers beside it keep their own metadata")


def row_of(manifest: Manifest, name: str) -> dict | None:
    return next((r for r in manifest.rows if (r.get("file") or "").strip() == name), None)


def supplied(path: Path) -> tuple[dict, list[str]]:
    """What people supplied for one file: its row of manifest.csv, then its .meta.json, and
    one line for each value skipped (unreadable, too long, an impossible date).

    Besides the metadata fields, ``exempt`` ("yes" or "no") marks the file's papers exempt
    from publication by hand, or clears a marking found in them (see ``hand_exemption``).
    A value that is neither raises ValueError saying so: a marking is never guessed."""
    out: dict = {}
    problems: list[str] = []
    manifest = read_manifest(path.parent / "manifest.csv")
    if manifest.problem:
        problems.append(manifest.problem + ".")
    if (row := row_of(manifest, path.name)) is not None:
        out.update(_checked(row, path.parent / "manifest.csv", path.name, problems))
    side = path.with_name(path.name + ".meta.json")
    if side.exists():
        data = json.loads(side.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{side.name} is not a JSON object")
        out.update(_checked(data, side, path.name, problems))
    if "exempt" in out:
        out["exempt"] = yes_or_no(out["exempt"])
    return out, problems


def read_overrides(path: Path) -> dict:
    """The values of ``supplied``, without the lines about skipped ones."""
    return supplied(path)[0]


def _checked(cells: dict, where: Path, name: str, problems: list[str]) -> dict:
    out = {}
    for key, raw in cells.items():
        if key not in OVERRIDE_FIELDS or raw in (None, ""):
            continue
        value = one_line(raw)
        if not value:
            continue
        if (why := too_long(key, value)):
            problems.append(f"{where}: the {key} for {name} is {why}. "
                            f"Shorten it; until then the paper's own {key} is used.")
            continue
        if key == "date":
            if not (iso := iso_date(value)):
                problems.append(f"{where}: the date for {name}, {value!r}, is not a real day. "
                                "Correct it (like 2024-01-04); until then the paper's own date is used.")
                continue
            value = iso
        out[key] = value
    return out


def corrected_fields(path: Path) -> frozenset[str]:
    """The fields of this file's manifest.csv row that were corrected in the UI."""
    row = row_of(read_manifest(path.parent / "manifest.csv"), path.name) or {}
    return frozenset((row.get(CORRECTED) or "").split()) & set(MANIFEST_FIELDS)


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

