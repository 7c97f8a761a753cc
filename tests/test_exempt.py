"""Papers exempt from publication (Schedule 12A, Local Government Act 1972): flagged at ingest,
kept out of search unless asked for (`--include-exempt`, batch `include_exempt`), listed by
`stats`. Paper-level: the marking must stand in the paper's own front matter; a component of
an agenda pack is its own paper. Small inline papers, the real pipeline, the HashEmbedder."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cs_archive.chunking.exempt import exempt_marking
from cs_archive.embed import HashEmbedder
from cs_archive.index.store import Archive, Manifest, check
from cs_archive.ingest import ingest
from cs_archive.search import Filters, search

BODY = ("1. Purpose of the report\n\n1.1 This report seeks approval to dispose of the former Riverside depot "
        "site to the preferred bidder for {price}.\n\n2. Recommendation\n\n2.1 Cabinet is asked to agree the "
        "disposal of the Riverside depot site.\n")


def paper(front: str, price: str = "£1.2m") -> str:
    return f"Report to Cabinet\n\nDate: 4 January 2024\n\n{front}\n\n" + BODY.format(price=price)


# (case, the paper, the marking found or None)
PAPERS = [
    ("not_for_publication", paper("NOT FOR PUBLICATION"), "NOT FOR PUBLICATION"),
    ("nfp_with_basis", paper("Not for publication by virtue of Paragraph 3 of Part 1 of Schedule 12A of the "
                             "Local Government Act 1972"), "Not for publication by virtue of Paragraph 3"),
    ("basis_line", paper("By virtue of Paragraph 3 of Part 1 of Schedule 12A of the Local Government Act 1972"),
     "By virtue of Paragraph 3 of Part 1 of Schedule 12A"),
    ("exempt_information", paper("This report contains exempt information as defined in Paragraph 3 of Part 1 "
                                 "of Schedule 12A."), "This report contains exempt information"),
    ("exempt_field_paragraph", paper("Exempt information: Paragraph 3"), "Exempt information: Paragraph 3"),
    ("confidential_yes", paper("Is the report confidential? Yes"), "Is the report confidential? Yes"),
    ("classification_restricted", paper("Classification: Restricted"), "Classification: Restricted"),
    ("part_ii", "PART II\n\n" + paper(""), "PART II"),
    ("part_ii_exempt", paper("Part II - Exempt"), "Part II - Exempt"),
    ("official_sensitive", paper("Security classification: OFFICIAL-SENSITIVE"), "Security classification"),
    # not exempt
    ("confidential_no", paper("Is the report confidential? No"), None),
    ("confidential_no_but_appendix", paper("Is the report confidential? No\n\nAppendix 2 is not for publication "
                                           "by virtue of Paragraph 3 of Part 1 of Schedule 12A."), None),
    ("classification_unrestricted", paper("Classification: Unrestricted"), None),
    ("classification_official", paper("Classification: OFFICIAL"), None),
    ("exempt_none", paper("Exempt information: None"), None),
    ("other_item_exempt", paper("Appendix 2 to this report is not for publication by virtue of Paragraph 3 of "
                                "Part 1 of Schedule 12A."), None),
    ("minutes_exclude_public", "Minutes of a meeting of the Cabinet held on 4 January 2024\n\n"
     "84. Exclusion of the press and public\n\nRESOLVED: That the press and public be excluded for the following "
     "item, which involves the likely disclosure of exempt information as defined in Paragraph 3 of Part 1 of "
     "Schedule 12A of the Local Government Act 1972.\n", None),
    ("policy_paper", "Report to Standards Committee\n\nTitle: Review of the use of exempt information and Part II "
     "items\n\n1. Purpose\n\n1.1 This report reviews the Council's policy on exempt information: when reports are "
     "not for publication by virtue of Schedule 12A, and how Part II items are decided.\n", None),
    ("not_exempt_sentence", paper("The report is not exempt."), None),
    ("marking_below_the_front_matter", BODY.format(price="£1.2m") + "\n3. Part II\n\nNOT FOR PUBLICATION\n", None),
]


@pytest.mark.parametrize("case,text,marking", PAPERS, ids=[p[0] for p in PAPERS])
def test_exempt_marking(case, text, marking):
    found = exempt_marking(text, "report")
    if marking is None:
        assert found is None
    else:
        assert found is not None and found.startswith(marking)


def test_an_agenda_listing_part_ii_items_is_not_exempt():
    agenda = "AGENDA\n\nPART II (EXEMPT)\n\n12. Riverside depot disposal - not for publication\n"
    assert exempt_marking(agenda, "agenda") is None


@pytest.fixture
def archive(tmp_path) -> tuple[Path, Path]:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "public.txt").write_text(paper("Is the report confidential? No", price="£900,000"), encoding="utf-8")
    (folder / "exempt.txt").write_text(paper("NOT FOR PUBLICATION\n\nBy virtue of Paragraph 3 of Part 1 of "
                                             "Schedule 12A", price="£1,234,567"), encoding="utf-8")
    filler = " ".join(["The committee will consider the papers listed below at its meeting in the Council "
                       "Chamber, which is open to the public except where stated."] * 3)
    (folder / "pack.txt").write_text(
        f"AGENDA\n\n{filler}\n\n1. Apologies\n\n2. Library opening hours\n\n3. Riverside depot (Part II)\n\n"
        "Report to Cabinet\n\nTitle: Library opening hours\n\n1. Purpose\n\n1.1 This report proposes longer "
        f"library opening hours at the Riverside branch.\n\n1.2 {filler}\n\n"
        "Report to Cabinet\n\nTitle: Riverside depot - commercial terms\n\nExempt information: Paragraph 3\n\n"
        "1. Purpose\n\n1.1 The preferred bidder for the Riverside depot offered £2,222,222.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = ingest([folder], index, HashEmbedder())
    assert len(report.added) == 3 and report.failed == []
    assert sorted((Path(s).name, m.split(":")[0]) for s, _, m in report.exempt) == [
        ("exempt.txt", "NOT FOR PUBLICATION"), ("pack.txt", "Exempt information")]
    return folder, index


def _find(index, query, **filters):
    a = Archive(index, exempt=filters.get("include_exempt", False))
    try:
        return search(a, HashEmbedder(), query, k=20, filters=Filters(**filters))
    finally:
        a.close()


def _texts(hits) -> str:
    return "\n".join(h.text for h in hits)


@pytest.mark.parametrize("filters", [{}, {"committee": "cabinet"}, {"doc_type": "report"}],
                         ids=["no filter", "committee", "type"])
def test_exempt_papers_are_withheld_from_both_arms_unless_asked_for(archive, filters):
    folder, index = archive
    for query in ("Riverside depot preferred bidder", '"preferred bidder"', "1,234,567"):
        hits = _find(index, query, **filters)
        assert hits, query
        assert "£1,234,567" not in _texts(hits) and "£2,222,222" not in _texts(hits), query
        assert {Path(h.source).name for h in hits} <= {"public.txt", "pack.txt"}
        shown = _texts(_find(index, query, include_exempt=True, **filters))
        assert "£1,234,567" in shown and "£2,222,222" in shown, query
    # Item-level inside a pack: the public report of the same pack is still found.
    assert "longer library opening hours" in _texts(_find(index, "library opening hours", **filters))


def test_cli_include_exempt_batch_and_stats(archive, cli, hash_env, tmp_path):
    folder, index = archive
    r = cli("search", "--json", '"preferred bidder"', "--index", index)
    assert r.code == 0 and "1,234,567" not in r.out
    r = cli("search", "--json", '"preferred bidder"', "--include-exempt", "--index", index)
    assert r.code == 0 and "£1,234,567" in r.out
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": '"preferred bidder"'}) + "\n"
                       + json.dumps({"query": '"preferred bidder"', "include_exempt": True}) + "\n")
    hidden, shown = [json.loads(x) for x in cli("search", "--queries", queries, "--index", index).out.splitlines()]
    assert "1,234,567" not in json.dumps(hidden) and "£1,234,567" in json.dumps(shown, ensure_ascii=False)
    s = cli("stats", "--json", "--index", index).json()
    assert [(Path(e["source"]).name, e["title"], e["reason"]) for e in s["exempt_withheld"]] == [
        ("exempt.txt", None, "NOT FOR PUBLICATION"),  # its first line is a numbered heading, not a title
        ("pack.txt", "Riverside depot - commercial terms", "Exempt information: Paragraph 3")]
    text = cli("stats", "--index", index).out
    assert "exempt from publication (withheld from search unless --include-exempt): 2" in text


def test_exempt_pdf_is_withheld(tmp_path):
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in paper("NOT FOR PUBLICATION", price="GBP 3,456,789").split("\n"):
        pdf.cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    path = tmp_path / "depot.pdf"
    pdf.output(str(path))
    index = tmp_path / "index"
    report = ingest([path], index, HashEmbedder())
    assert [m for _, _, m in report.exempt] == ["NOT FOR PUBLICATION"]
    assert _find(index, '"3,456,789"') == []
    assert len(_find(index, '"3,456,789"', include_exempt=True)) == 1


def test_editing_the_marking_away_publishes_the_paper(archive):
    folder, index = archive
    (folder / "exempt.txt").write_text(paper("Is the report confidential? No", price="£1,234,567"), encoding="utf-8")
    report = ingest([folder], index, HashEmbedder())
    assert len(report.updated) == 1 and [Path(s).name for s, _, _ in report.exempt] == []
    hits = _find(index, '"preferred bidder"')
    found = {Path(h.source).name for h in hits} | {Path(d["source"]).name for h in hits for d in h.also_in}
    assert "exempt.txt" in found  # (its text is a near-duplicate of public.txt's, so it may be in also_in)
    assert [Path(e["source"]).name for e in Archive(index, exempt=True).stats()["exempt_withheld"]] == ["pack.txt"]
    assert check(index) == []


def test_show_withholds_an_exempt_passage_unless_asked(archive, cli, hash_env):
    folder, index = archive
    r = cli("search", "--json", '"preferred bidder"', "--include-exempt", "--index", index)
    exempt = next(h for h in r.json() if "£1,234,567" in h["text"])
    r = cli("show", exempt["chunk_id"], "--index", index)
    assert r.code == 1 and "marked exempt" in r.err and "1,234,567" not in r.out
    r = cli("show", exempt["chunk_id"], "--include-exempt", "--index", index)
    assert r.code == 0 and "£1,234,567" in r.out


# -- marking by hand: the `exempt` column of manifest.csv (or "exempt" in <file>.meta.json) --------
def _withheld(index) -> list[tuple[str, str]]:
    a = Archive(index, exempt=True)
    try:
        return sorted((Path(e["source"]).name, e["reason"]) for e in a.stats()["exempt_withheld"])
    finally:
        a.close()


def test_manifest_exempt_column_overrides_detection_both_ways_and_survives_a_rebuild(archive, cli, hash_env):
    from cs_archive.chunking.exempt import HAND_MARKING

    folder, index = archive
    (folder / "manifest.csv").write_text("file,title,exempt\npublic.txt,,Yes\nexempt.txt,,no\npack.txt,,\n",
                                         encoding="utf-8")
    report = ingest([folder], index, HashEmbedder())
    assert sorted(Path(s).name for s in report.updated) == ["exempt.txt", "public.txt"]  # a changed cell: read again
    expected = [("pack.txt", "Exempt information: Paragraph 3"), ("public.txt", HAND_MARKING)]
    assert _withheld(index) == expected
    shown = json.dumps([h.to_json() for h in _find(index, '"preferred bidder"')], ensure_ascii=False)
    assert "£900,000" not in shown and "£1,234,567" in shown
    assert "£900,000" in _texts(_find(index, '"preferred bidder"', include_exempt=True))

    r = cli("ingest", folder, "--index", index, "--rebuild")
    assert r.code == 0
    assert _withheld(index) == expected
    assert check(index) == []

    # An empty cell hands the decision back to the paper's own markings.
    (folder / "manifest.csv").write_text("file,exempt\npublic.txt,\nexempt.txt,\n", encoding="utf-8")
    ingest([folder], index, HashEmbedder())
    assert _withheld(index) == [("exempt.txt", "NOT FOR PUBLICATION"), ("pack.txt", "Exempt information: Paragraph 3")]


def test_exempt_by_hand_covers_every_paper_of_a_pack_and_meta_json_wins(archive):
    folder, index = archive
    (folder / "manifest.csv").write_text("file,exempt\npack.txt,no\n", encoding="utf-8")
    (folder / "pack.txt.meta.json").write_text(json.dumps({"exempt": True}), encoding="utf-8")
    ingest([folder], index, HashEmbedder())
    a = Archive(index)
    pack_papers = a.db.execute("SELECT count(*) FROM papers WHERE source LIKE '%pack.txt'").fetchone()[0]
    a.close()
    assert pack_papers == 3
    assert sorted(name for name, _ in _withheld(index)) == ["exempt.txt"] + ["pack.txt"] * 3
    assert "longer library opening hours" not in _texts(_find(index, "library opening hours"))

    (folder / "pack.txt.meta.json").unlink()
    ingest([folder], index, HashEmbedder())
    assert sorted(name for name, _ in _withheld(index)) == ["exempt.txt"]
    assert "£2,222,222" in _texts(_find(index, "Riverside depot preferred bidder offered"))


def test_an_exempt_cell_that_is_not_yes_or_no_is_one_line_and_changes_nothing(archive, cli, hash_env):
    folder, index = archive
    (folder / "manifest.csv").write_text("file,exempt\npublic.txt,maybe\n", encoding="utf-8")
    r = cli("ingest", folder, "--index", index)
    assert r.code == 0
    [line] = [ln for ln in r.err.splitlines() if "public.txt" in ln]
    assert line == (f"{folder / 'public.txt'}: cannot read it (exempt must be yes or no, not 'maybe'). "
                    "Check the file and its metadata files.")
    assert ("public.txt", "NOT FOR PUBLICATION") not in _withheld(index)


def test_a_correction_can_mark_a_paper_exempt(archive):
    from cs_archive.corrections import CorrectionError, correct

    folder, index = archive
    result = correct(folder / "public.txt", {"exempt": "y"}, folder=index, embedder=HashEmbedder())
    assert result.written == {"exempt": "yes"}
    assert ("public.txt", "marked exempt by hand (exempt: yes beside the file)") in _withheld(index)
    with pytest.raises(CorrectionError, match="exempt must be yes or no"):
        correct(folder / "public.txt", {"exempt": "perhaps"}, folder=index, embedder=HashEmbedder())
