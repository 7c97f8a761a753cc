"""What people change in the folder of papers: a clerk's metadata corrections, and papers
uploaded through the UI.

Corrections are written to the ``manifest.csv`` beside the paper (columns
``file,council,committee,date,title,doc_type,url``; an empty cell overrides nothing), never
only into the index, so they survive a rebuild. The file is then re-ingested, which reads the
manifest like any other.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .chunking.overrides import (CORRECTED, DOC_TYPES, MANIFEST_FIELDS, OVERRIDE_FIELDS, iso_date, one_line,
                                  read_manifest, row_of, too_long, yes_or_no)
from .config import index_dir, settings, store_location
from .files import write_atomically
from .ingest import IngestReport, ingest

MANIFEST = "manifest.csv"
COLUMNS = ("file",) + MANIFEST_FIELDS
UPLOAD_TYPES = ("pdf", "txt", "md", "html", "htm")


class CorrectionError(ValueError):
    """A correction that cannot be written; the message says what to do."""


@dataclass(frozen=True)
class Correction:
    manifest: Path
    written: dict  # the row's metadata cells after the change (empty cells left out)
    report: IngestReport | None


def read_row(paper: str | Path) -> dict:
    """The cells of this file's manifest.csv row (empty dict when it has none)."""
    path = Path(paper)
    row = row_of(read_manifest(path.parent / MANIFEST), path.name) or {}
    return {k: v for k, v in row.items() if k in OVERRIDE_FIELDS and v}


def validate(changes: dict) -> dict:
    """Normalised cells: ISO dates, known types, one line of text of a bounded length
    (``overrides.LIMITS``). Raises CorrectionError."""
    out = {}
    for key, value in changes.items():
        if key not in OVERRIDE_FIELDS:
            raise CorrectionError(f"'{key}' cannot be corrected here; use one of {', '.join(OVERRIDE_FIELDS)}")
        value = " ".join(one_line(value or "").split())
        if (why := too_long(key, value)):
            raise CorrectionError(f"the {key} is {why}; shorten it")
        if key == "exempt" and value:
            try:
                value = yes_or_no(value)
            except ValueError as e:
                raise CorrectionError(f"{e} (empty: decided by the paper's own markings)") from None
        if key == "date" and value:
            if not (iso := iso_date(value)):
                raise CorrectionError(f"'{value}' is not a date; write it like 2024-01-04 or 4 January 2024")
            value = iso
        if key == "doc_type" and value and value not in DOC_TYPES:
            raise CorrectionError(f"'{value}' is not a paper type; use one of {', '.join(DOC_TYPES)}")
        if key == "url" and value and not re.match(r"https?://\S+$", value):
            raise CorrectionError(f"'{value}' is not a web address; it should start with https://")
        out[key] = value
    return out


def write_correction(paper: str | Path, changes: dict) -> tuple[Path, dict]:
    """Set this file's cells in the manifest.csv beside it (created when missing). A cell set
    to "" is cleared: the paper's own text decides that field again. Other rows, other
    columns and the column order are kept. The file is replaced in one rename; a manifest that
    cannot be read is never replaced (CorrectionError), lest what it holds be lost."""
    path = Path(paper)
    if not path.is_file():
        raise CorrectionError(f"{path} is not where it was added from, so its manifest cannot be written; "
                              "put the file back, or add it again from its new place")
    cells = validate(changes)
    manifest = path.parent / MANIFEST
    read = read_manifest(manifest)
    if read.problem:
        raise CorrectionError(f"{read.problem}, then correct this paper again")
    rows, fields = read.rows, read.fields or list(COLUMNS)
    fields = list(fields) + [c for c in (*COLUMNS, *cells) if c not in fields]
    row = next((r for r in rows if (r.get("file") or "").strip() == path.name), None)
    if row is None:
        row = {"file": path.name}
        rows.append(row)
    row.update(cells)
    # Remember which cells a person set here, so the paper's provenance says "correction".
    marked = set((row.get(CORRECTED) or "").split())
    marked |= {k for k, v in cells.items() if v and k in MANIFEST_FIELDS}
    marked -= {k for k, v in cells.items() if not v}
    row[CORRECTED] = " ".join(k for k in MANIFEST_FIELDS if k in marked)
    if CORRECTED not in fields:
        fields.append(CORRECTED)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows({k: (r.get(k) or "") for k in fields} for r in rows)
    write_atomically(manifest, out.getvalue())
    return manifest, {k: v for k, v in row.items() if k in OVERRIDE_FIELDS and v}


def correct(paper: str | Path, changes: dict, folder: Path | str | None = None, embedder=None,
            source: str | None = None) -> Correction:
    """Write the correction beside the paper (its file, ``paper``), then re-ingest that one file
    into the archive, under ``source`` (the name the archive holds it by) when given."""
    manifest, written = write_correction(paper, changes)
    if embedder is None:
        from .embed import get_embedder

        embedder = get_embedder()
    report = ingest([Path(paper)], folder or store_location(None, None), embedder,
                    stored_as={Path(paper): source} if source else None)
    return Correction(manifest, written, report)


# -- uploads -----------------------------------------------------------------------------
def uploads_root(folder: Path | None = None) -> Path:
    """The folder whose ``uploads/`` keeps uploaded papers (``ingest.save_upload``):
    $CS_ARCHIVE_UPLOADS, else the archive folder."""
    return settings().uploads or Path(folder or index_dir())

