"""Bad and hostile inputs: each named fixture in tests/fixtures/bad/ (made by make_bad.py) gets
one stderr line `<path>: <reason>. <what to do>` and the rest of the batch is ingested; scans
are recorded as needing OCR; a very large PDF goes through; upload names cannot escape the
archive; SQL and query syntax in queries are inert; nothing is unpickled. All with the fast
HashEmbedder."""
from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

import pytest

from cs_archive.embed import HashEmbedder
from cs_archive.index.store import Archive, Manifest, check
from cs_archive.ingest import UPLOADS, ingest, safe_upload_name, save_upload
from cs_archive.models import LoadError
from cs_archive.search import Filters, search

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(BAD))
from make_bad import write_big_pdf  # noqa: E402

# (fixture, what the line says after "<path>: ", or None when the file is ingested)
CASES = [
    ("corrupt.pdf", "PDF has no pages. Check the file is a complete PDF."),
    ("truncated.pdf", "not a readable PDF (truncated: it stops before its end-of-file marker). "
                      "Download it again: this copy is not a complete PDF."),
    ("encrypted_password.pdf", "encrypted PDF (password required). Ask the publisher for an unprotected copy."),
    ("encrypted_empty_password.pdf", None),
    ("scanned_image_only.pdf", "no text layer (a scanned PDF). Run OCR on it first (e.g. ocrmypdf) and ingest the "
                               "result."),
    ("zero_bytes.pdf", "empty file (0 bytes). Download the paper again."),
    ("random_bytes.pdf", "not a readable PDF (not a PDF at all: no %PDF header). Check the file is a complete PDF; "
                         "download the paper again."),
    ("html_saved_as.pdf", "not a readable PDF (not a PDF at all: an HTML page, perhaps an error page). Check the "
                          "file is a complete PDF; download the paper again."),
    ("windows_1252.txt", None),
    ("bom_utf8.txt", None),
    ("html_with_scripts.html", None),
    ("unsupported_type.docx", "unsupported file type '.docx'. Convert it to PDF, HTML or text (supported: .pdf "
                              ".html .htm .txt .md)."),
]
FAILING = [name for name, line in CASES if line]
GOOD = [name for name, line in CASES if not line]


@pytest.fixture
def batch(tmp_path) -> Path:
    """Every bad-input fixture and one real seed, in one folder (named files, in this order)."""
    folder = tmp_path / "papers"
    folder.mkdir()
    for name, _ in CASES:
        shutil.copy(BAD / name, folder / name)
    shutil.copy(next(SEEDS.glob("004_*.txt")), folder / "seed_004.txt")
    return folder


def rows(index: Path, sql: str, *args) -> list[dict]:
    a = Archive(index)
    try:
        return [dict(r) for r in a.db.execute(sql, args)]
    finally:
        a.close()


@pytest.fixture
def no_ocr(monkeypatch):
    """These cases are about what a user is told when scanned pages cannot be read: OCR off
    (tests/test_ocr.py covers reading them)."""
    monkeypatch.setenv("CS_ARCHIVE_OCR", "0")


def test_each_bad_input_gets_one_line_and_the_rest_is_ingested(no_ocr, cli_subprocess, batch, tmp_path):
    index = tmp_path / "index"
    paths = [batch / name for name, _ in CASES] + [batch / "seed_004.txt"]
    r = cli_subprocess("ingest", *paths, "--index", index, env={"CS_ARCHIVE_MODEL": "hash"})
    assert r.code == 0, r.err
    err = r.err.splitlines()
    for name, line in CASES:
        mine = [ln for ln in err if ln.startswith(f"{batch / name}: ") or f"] {batch / name}: " in ln]
        if line is None:
            assert len(mine) == 1 and mine[0].startswith("[") and "chunks" in mine[0], mine  # progress only
        else:
            assert mine == [f"{batch / name}: {line}"]
    progress = [ln for ln in err if ln.startswith("[")]
    summary = [ln for ln in err if " failed; " in ln]
    assert len(progress) == len(GOOD) + 1
    assert summary == [f"{len(GOOD) + 1} added, 0 updated, 0 unchanged, {len(FAILING)} failed; "
                       + summary[0].split("failed; ")[1]]
    assert len(err) == len(progress) + len(FAILING) + 1, "no stray lines (pypdf warnings, tracebacks)"
    assert "Traceback" not in r.err

    sources = {x["source"] for x in rows(index, "SELECT source FROM files")}
    assert sources == {str(batch / n) for n in GOOD} | {str(batch / "seed_004.txt")}
    assert check(index) == []

    s = cli_subprocess("stats", "--json", "--index", index, env={"CS_ARCHIVE_MODEL": "hash"}).json()
    assert s["needs_ocr"] == [{"source": str(batch / "scanned_image_only.pdf"), "pages": 1,
                               "reason": "no text layer (a scanned PDF)"}]
    text = cli_subprocess("stats", "--index", index, env={"CS_ARCHIVE_MODEL": "hash"}).out
    assert "needing OCR: 1" in text and f"{batch / 'scanned_image_only.pdf'} (1 pages): no text layer" in text


def test_decoded_text_files_and_html_keep_only_the_words(batch, tmp_path):
    index = tmp_path / "index"
    report = ingest([batch / n for n in ("windows_1252.txt", "bom_utf8.txt", "html_with_scripts.html",
                                         "encrypted_empty_password.pdf")], index, HashEmbedder())
    assert len(report.added) == 4 and report.failed == []
    texts = {Path(x["source"]).name: x["t"] for x in rows(
        index, "SELECT p.source, group_concat(c.text, '\n') AS t FROM chunks c JOIN papers p USING(doc_id) "
               "GROUP BY p.source")}
    assert "£35.8 million, the Council's largest single cost" in texts["windows_1252.txt"]
    assert '"overheated" – prices rose 12%' in texts["windows_1252.txt"]
    assert "Café provision at the Family Centre costs £12,000" in texts["bom_utf8.txt"]
    assert "\ufeff" not in texts["bom_utf8.txt"]
    html = texts["html_with_scripts.html"]
    assert "1. That the School Transport Policy 2025/26 be approved." in html
    for junk in ("INJECTED", "alert", "STYLE TEXT", "NOSCRIPT", "cookies", "evil.example", "javascript:", "onerror"):
        assert junk not in html
    assert "1.1 This report sets out the proposed allocation" in texts["encrypted_empty_password.pdf"]


def test_ingest_where_every_file_fails_exits_1_and_makes_no_archive(cli, hash_env, tmp_path):
    index = tmp_path / "deep" / "index"
    r = cli("ingest", *[BAD / n for n in FAILING], "--index", index)
    assert r.code == 1
    assert f"0 added, 0 updated, 0 unchanged, {len(FAILING)} failed" in r.err
    assert not index.exists(), "no new empty archive left behind"
    # An existing empty folder is left as it was: no manifest, no generation, no lock file.
    index.mkdir(parents=True)
    assert cli("ingest", BAD / "scanned_image_only.pdf", "--index", index).code == 1
    assert list(index.iterdir()) == [index / ".lock"] or list(index.iterdir()) == []
    assert cli("stats", "--index", index).code == 2


def test_rebuild_where_every_file_fails_keeps_the_live_archive(cli, hash_env, tmp_path):
    index = tmp_path / "index"
    seed = next(SEEDS.glob("004_*.txt"))
    assert cli("ingest", seed, "--index", index).code == 0
    before = json.loads((index / "manifest.json").read_text())
    r = cli("ingest", BAD / "truncated.pdf", BAD / "scanned_image_only.pdf", "--rebuild", "--index", index)
    assert r.code == 1
    assert json.loads((index / "manifest.json").read_text()) == before
    assert cli("stats", "--json", "--index", index).json()["files"] == 1


def test_scan_is_recorded_reported_again_and_replaced_by_its_ocr(no_ocr, cli, hash_env, tmp_path):
    index = tmp_path / "index"
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(next(SEEDS.glob("004_*.txt")), folder / "seed.txt")
    scan = Path(shutil.copy(BAD / "scanned_image_only.pdf", folder / "report.pdf"))
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0 and f"{scan}: no text layer (a scanned PDF)." in r.err
    # Unchanged: said again (it is still not searchable), the archive is not rewritten.
    gen = json.loads((index / "manifest.json").read_text())["generation"]
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0 and f"{scan}: no text layer" in r.err and "1 unchanged, 1 failed" in r.err
    assert json.loads((index / "manifest.json").read_text())["generation"] == gen
    assert [x["source"] for x in cli("stats", "--json", "--index", index).json()["needs_ocr"]] == [str(scan)]
    # OCR done: the same path now has text; it is indexed and no longer listed.
    shutil.copy(BAD / "encrypted_empty_password.pdf", scan)
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0 and "1 added" in r.err and "no text layer" not in r.err
    s = cli("stats", "--json", "--index", index).json()
    assert s["needs_ocr"] == [] and s["files"] == 2
    assert check(index) == []
    # And removing a recorded scan drops its record.
    shutil.copy(BAD / "scanned_image_only.pdf", scan)
    cli("ingest", folder, "--index", index)
    assert cli("remove", scan, "--index", index).code == 0
    assert cli("stats", "--json", "--index", index).json()["needs_ocr"] == []


def test_very_large_pdf_is_ingested_whole(tmp_path):
    """Thousands of pages, made in tmp. Peak memory is measured by bench/bigpdf.py, not here."""
    pdf = write_big_pdf(tmp_path / "big.pdf", pages=2000, lines_per_page=5)
    index = tmp_path / "index"
    report = ingest([pdf], index, HashEmbedder())
    assert report.added == [str(pdf)] and report.failed == []
    [f] = rows(index, "SELECT pages FROM files")
    assert f["pages"] == 2000
    last = rows(index, "SELECT max(page_end) AS p, min(page) AS first FROM chunks")[0]
    assert (last["first"], last["p"]) == (1, 2000)
    assert rows(index, "SELECT count(*) AS n FROM chunks WHERE instr(text, ?)",
                "item 2 of paragraph 1999.1,")[0]["n"] == 1
    assert rows(index, "SELECT count(*) AS n FROM chunks WHERE instr(text, 'Page ')")[0]["n"] == 0  # footers dropped
    assert check(index) == []


def test_a_bug_on_one_odd_file_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    import cs_archive.ingest as ingest_module

    real = ingest_module.iter_chunks

    def fragile(papers, loaded):
        """Fails part way through cutting b.txt's chunks, after the first."""
        for n, chunk in enumerate(real(papers, loaded)):
            if n == 1 and papers[0].source.endswith("b.txt"):
                raise IndexError("list index out of range")
            yield chunk

    monkeypatch.setattr(ingest_module, "iter_chunks", fragile)
    folder = tmp_path / "papers"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(BAD / "bom_utf8.txt", folder / name)
        (folder / name).write_text(f"Report to Cabinet\n\n1.1 Paper {name}.\n\n1.2 More of {name}.\n", encoding="utf-8")
    report = ingest([folder], tmp_path / "index", HashEmbedder())
    assert len(report.added) == 2
    assert check(tmp_path / "index") == [] and Manifest.read(tmp_path / "index").counts["files"] == 2
    assert report.failed == [(str(folder / "b.txt"), f"{folder / 'b.txt'}: could not be read (IndexError: list "
                                                     "index out of range). Please report this with the file; the "
                                                     "rest of the batch goes on.")]


# -- uploads ----------------------------------------------------------------------------------

UPLOAD_NAMES = [
    ("minutes.pdf", "minutes.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\system.ini.txt", "system_ini.txt"),
    ("/etc/cron.d/evil.html", "evil.html"),
    ("....pdf", "upload.pdf"),
    (".hidden.md", "hidden.md"),
    ("Cabinet report 4 Jan 2024 (final).PDF", "Cabinet_report_4_Jan_2024_final.pdf"),
    ("rapport_\u00e9t\u00e9.txt", "rapport_ete.txt"),
    ("a\x00b.txt", "a_b.txt"),
    ("<script>alert(1)</script>.html", "script.html"),
    ("\uff0e\uff0e\uff0fx.txt", "x.txt"),  # full-width dots and slash: NFKC makes them ../
    ("x" * 300 + ".txt", "x" * 100 + ".txt"),
]


@pytest.mark.parametrize("name,expected", UPLOAD_NAMES, ids=[repr(n)[:40] for n, _ in UPLOAD_NAMES])
def test_upload_names_are_sanitised_and_stay_inside_the_uploads_folder(tmp_path, name, expected):
    index = tmp_path / "index"
    assert safe_upload_name(name) == expected
    saved = save_upload(index, name, b"Report to Cabinet\n\n1.1 Uploaded.\n")
    assert saved == (index / UPLOADS / expected).resolve()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [saved]


def test_uploads_never_overwrite_and_refuse_what_cannot_be_read(tmp_path):
    index = tmp_path / "index"
    first = save_upload(index, "report.txt", b"one")
    assert save_upload(index, "report.txt", b"one") == first  # the same bytes again: the same file
    second = save_upload(index, "sub/report.txt", b"two")
    assert second.name == "report-2.txt" and first.read_bytes() == b"one" and second.read_bytes() == b"two"
    with pytest.raises(LoadError, match="unsupported file type '.exe'"):
        save_upload(index, "report.exe", b"MZ")
    with pytest.raises(LoadError, match="unsupported file type 'none'"):
        save_upload(index, "../..", b"x")
    with pytest.raises(LoadError, match="empty file"):
        save_upload(index, "empty.pdf", b"")
    # A symlink planted in uploads/ is never written through.
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (index / UPLOADS / "planted.txt").symlink_to(outside)
    saved = save_upload(index, "planted.txt", b"new")
    assert saved.name == "planted-2.txt" and outside.read_text() == "keep"
    # uploads/ itself a symlink out of the archive: refused.
    other = tmp_path / "other-index"
    other.mkdir()
    (other / UPLOADS).symlink_to(tmp_path)
    with pytest.raises(LoadError, match="not a plain folder inside the archive"):
        save_upload(other, "x.txt", b"x")
    assert not (tmp_path / "x.txt").exists()


# -- SQL and query syntax are data, never code ---------------------------------------------------

HOSTILE = ["'; DROP TABLE chunks; --", '" OR 1=1 --', "children\" NEAR(care", "care*", "NEAR(a b, 2)",
           "committee:cabinet", "chunks_fts MATCH '*'", "a AND OR NOT b", "(((", "'", "\"", "*", ":", "-- ",
           "%_%", "\x00", "\\", "children') UNION SELECT sql FROM sqlite_master --"]


@pytest.fixture(scope="module")
def seed_archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "index"
    ingest([next(SEEDS.glob("004_*.txt")), next(SEEDS.glob("003_*.txt"))], folder, HashEmbedder())
    return folder


def _counts(index: Path) -> tuple:
    a = Archive(index)
    try:
        return tuple(a.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("files", "papers", "chunks", "chunk_topics")) + (len(a.words),)
    finally:
        a.close()


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_sql_and_fts_syntax_in_queries_and_filters_is_harmless(seed_archive, text):
    before = _counts(seed_archive)
    emb = HashEmbedder()
    a = Archive(seed_archive)
    try:
        for f in (Filters(), Filters(committee=text), Filters(council=text, topic=text, doc_type=text),
                  Filters(since=text, until=text)):
            hits = search(a, emb, text, k=3, filters=f)
            assert isinstance(hits, list) and len(hits) <= 3
        assert search(a, emb, f'"{text}"', k=3) == [] or all(h.text for h in search(a, emb, f'"{text}"', k=3))
    finally:
        a.close()
    assert _counts(seed_archive) == before
    assert check(seed_archive) == []


def test_store_and_search_build_sql_from_placeholders_only():
    """Every execute() in the store, in the SQL both backends share and in search gets a literal
    SQL string, or one whose only interpolations are "?" placeholders or names fixed in the code
    (never a value): column and table names (``columns``: checked against the table's), and the
    reader's access clauses (``is_exempt``, ``visible``, ``visible_chunk``), built from constants."""
    allowed_names = {"col", "marks", "ddl", "t", "name", "is_exempt", "visible", "visible_chunk", "columns",
                     "UNKNOWN_SQL", "table", "parent", "rows_of", "bytewise"}
    for module in ("index/store.py", "index/shared.py", "search.py"):
        tree = ast.parse((ROOT / "src" / "cs_archive" / module).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                names = {n.id for v in node.values if isinstance(v, ast.FormattedValue) for n in ast.walk(v.value)
                         if isinstance(n, ast.Name)}
                sqlish = any(isinstance(v, ast.Constant) and any(w in str(v.value) for w in
                             ("SELECT", "INSERT", "DELETE", "CREATE", "WHERE", "LIKE"))
                             for v in node.values)
                if sqlish:
                    assert names <= allowed_names, f"{module}:{node.lineno} interpolates {names - allowed_names}"
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                assert "(%s)" in node.left.value, f"{module}:{node.lineno}"
                assert "'?'" in ast.unparse(node.right) or '"?"' in ast.unparse(node.right), f"{module}:{node.lineno}"


# -- nothing is unpickled -----------------------------------------------------------------------

def test_no_module_loads_pickles():
    banned = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal"}
    for path in (ROOT / "src" / "cs_archive").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned, path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in banned, path
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, path
            if isinstance(node, ast.Attribute) and node.attr in ("load", "loads"):
                assert ast.unparse(node.value) not in {"torch", "pickle", "nltk.data"}, f"{path}:{node.lineno}"


def test_sentence_splitter_is_plain_data_and_needs_no_downloaded_pickle(cli_subprocess, tmp_path):
    """Punkt is built from the abbreviation list in sentences.py: no nltk data (whose punkt
    models are pickles) is read, even when none is installed."""
    code = ("import nltk.data, cs_archive.chunking.sentences as s; "
            "nltk.data.load = lambda *a, **k: (_ for _ in ()).throw(AssertionError('nltk.data.load')); "
            "print(s.sentence_spans('Cllr. Smith spoke. Dr. Jones agreed, e.g. on schools. Then 2.3 passed.'))")
    r = cli_subprocess("-c", code, python=True, env={"NLTK_DATA": str(tmp_path)})
    assert r.code == 0, r.err
    text = "Cllr. Smith spoke. Dr. Jones agreed, e.g. on schools. Then 2.3 passed."
    assert [text[a:b] for a, b in ast.literal_eval(r.out.strip())] == [
        "Cllr. Smith spoke.", "Dr. Jones agreed, e.g. on schools.", "Then 2.3 passed."]


MIXED = "scanned_pages_among_text.pdf"  # pages 2 and 5 scanned, page 4 empty (make_bad.MIXED_PAGES)
MIXED_REASON = "no text layer on pages 2, 5 (scanned); its other pages are indexed"


def test_scanned_pages_among_text_pages_are_found_and_the_text_is_kept():
    from make_bad import MIXED_PAGES

    from cs_archive.chunking.load import load

    loaded = load(BAD / MIXED)
    assert loaded.page_count == 6 and loaded.ocr_pages == (2, 5)  # the empty page 4 is not a scan
    for number, lines in MIXED_PAGES.items():
        for line in lines if isinstance(lines, list) else []:
            at = loaded.text.index(line)
            assert loaded.page_at(at) == number, line


def test_scanned_pages_are_said_listed_and_the_text_pages_searchable(no_ocr, cli, hash_env, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    pdf = Path(shutil.copy(BAD / MIXED, folder / "fund.pdf"))
    index = tmp_path / "index"
    r = cli("ingest", folder, "--index", index)
    line = f"{pdf}: {MIXED_REASON}. Run OCR on it (e.g. ocrmypdf) and ingest the result to index those pages too."
    assert r.code == 0 and [ln for ln in r.err.splitlines() if ln.startswith(f"{pdf}: ")] == [line]
    assert "1 added, 0 updated, 0 unchanged, 0 failed" in r.err
    hits = cli("search", "--json", '"administered by the Council"', "--index", index).json()
    assert [(h["source"], h["page"]) for h in hits] == [(str(pdf), 6)]
    s = cli("stats", "--json", "--index", index).json()
    assert s["files"] == 1 and s["needs_ocr"] == [{"source": str(pdf), "pages": 2, "reason": MIXED_REASON}]
    assert f"{pdf} (2 pages): {MIXED_REASON}" in cli("stats", "--index", index).out
    # Unchanged: said again (those pages are still not searchable); the archive is not rewritten.
    gen = json.loads((index / "manifest.json").read_text())["generation"]
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0 and line in r.err.splitlines() and "0 added, 0 updated, 1 unchanged, 0 failed" in r.err
    assert json.loads((index / "manifest.json").read_text())["generation"] == gen
    # A rebuild records them again; the OCR'd file (all pages text) clears the record.
    assert cli("ingest", folder, "--index", index, "--rebuild").code == 0
    assert cli("stats", "--json", "--index", index).json()["needs_ocr"] == s["needs_ocr"]
    shutil.copy(BAD / "encrypted_empty_password.pdf", pdf)
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0 and "no text layer" not in r.err
    assert cli("stats", "--json", "--index", index).json()["needs_ocr"] == []
    assert check(index) == []


@pytest.mark.parametrize("pages,said", [((3,), "page 3"), ((3, 7), "pages 3, 7"), ((1, 2), "pages 1, 2"),
                                        ((2, 3, 4, 9, 11, 12, 13, 14), "pages 2-4, 9, 11-14")])
def test_page_lists_are_short(pages, said):
    from cs_archive.ingest import page_list

    assert page_list(pages) == said


# -- queries too big to search (issue 22): one sentence, the same for the CLI, a batch and the UI --

def test_oversized_queries_are_refused_with_one_sentence_and_at_the_limits_are_searched(seed_archive):
    from cs_archive.search import MAX_QUERY_CHARS, MAX_QUERY_PHRASES, MAX_QUERY_WORDS, QueryTooLong

    assert (MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_QUERY_PHRASES) == (1000, 100, 20)
    emb = HashEmbedder()
    a = Archive(seed_archive)
    try:
        refused = {
            " ".join(f'"word{i} children"' for i in range(1000)): "the query is 18,889 characters long (at most 1,000)",
            " ".join(f'"care {i}"' for i in range(21)): "the query has 21 quoted phrases (at most 20)",
            " ".join(["children"] * 101): "the query has 101 words (at most 100)",
            "x" * 1001: "the query is 1,001 characters long (at most 1,000)",
        }
        for query, said in refused.items():
            with pytest.raises(QueryTooLong) as e:
                search(a, emb, query, k=3)
            assert str(e.value).startswith(said + ". ") and "\n" not in str(e.value)
        for query in (" ".join(f'"care {i}"' for i in range(20)), " ".join(["children"] * 100), "x" * 1000):
            assert isinstance(search(a, emb, query, k=3), list)
    finally:
        a.close()


def test_cli_refuses_an_oversized_query_with_exit_2_and_no_traceback(cli, hash_env, seed_archive):
    r = cli("search", "--json", " ".join(f'"care {i}"' for i in range(1000)), "--index", seed_archive)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("cs-archive: the query is 10,889 characters long (at most 1,000). ")
    assert len(r.err.strip().splitlines()) == 1


# -- a long unit with no numbering at all (issue 22) ------------------------------------------

def test_a_unit_of_any_length_is_split_without_recursion(monkeypatch):
    """Windows of 2,000 characters over 2 million: a thousand windows, more than Python's
    recursion limit allows a function that recurses once per window."""
    import cs_archive.chunking as chunking

    monkeypatch.setattr(chunking, "WINDOW", 2_000)
    line = "the council will review the placement sufficiency strategy and report back in due course\n"
    text = line * (2_000_000 // len(line))
    parts = chunking._parts(text, 0, len(text))
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(b == c for (_, b), (c, _) in zip(parts, parts[1:]))  # contiguous, nothing lost
    assert len(parts) >= len(text) // 2_000 and max(b - a for a, b in parts) <= 2_000
