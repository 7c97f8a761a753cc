"""Issue 24: what a scrutiny officer met on a real archive. Look-alikes and misses written from
the issue's own examples, in other councils' layouts; the stored register; decisions' fields."""
from __future__ import annotations

import json

import pytest

from cs_archive.commitments import extract, find_due
from cs_archive.commitments.extract import is_procedural
from cs_archive.models import Chunk, PaperMeta

MINUTES = PaperMeta(council="Westshire County Council", committee="County Council", date="2025-02-13",
                    doc_type="minutes")


def _extract(text: str, meta: PaperMeta = MINUTES):
    return extract(meta, [Chunk("d:0000", "d", 0, None, None, None, "", 0, 0, text)])


@pytest.mark.parametrize("text,paper,iso", [
    ("The Council originally anticipated reporting to Cabinet in 2024 but will now report in May 2025.",
     "2024-11-01", "2025-05-31"),
    ("The review was postponed from March 2025 and will now conclude by September 2025.", "2025-01-10",
     "2025-09-30"),
])
def test_a_moved_date_is_the_latest_stated(text, paper, iso):
    due = find_due(text, paper)
    assert due is not None and due.iso == iso


@pytest.mark.parametrize("text,paper", [
    ("the proportion physically inactive will have fallen from 22.3% in 2020/21 to 20%", "2021-01-01"),
    ("that the minutes of the meeting on 9 January 2025 were a correct record", "2025-02-13"),
])
def test_a_baseline_or_a_meeting_date_is_no_due_date(text, paper):
    assert find_due(text, paper) is None


def test_before_christmas():
    assert find_due("to circulate the list before Christmas", "2023-08-31").iso == "2023-12-25"


@pytest.mark.parametrize("text", [
    "that the minutes of the meeting on 9 January 2025 were a correct record",
    "Apologies for absence were received from Mr Smith.",
    "Approved & signed as correct.",
])
def test_procedural_words(text):
    assert is_procedural(text)


def test_resolution_noting_a_report_is_a_decision_not_procedural():
    [r] = _extract("5. Budget Monitoring\n\nRESOLVED that the report be noted.")
    assert r.kind == "decision" and not r.procedural


def test_narrative_award_is_no_action_and_a_bare_that_is_no_decision():
    text = ("6. Awards\n\nMr Murphy was pleased to present the award to the winning school.\n\n"
            "7. Budget\n\nRESOLVED that:\n")
    assert _extract(text) == []


def test_resolved_that_with_lettered_parts_on_later_lines():
    text = ("8. Revenue Budget 2025/26\n\nRESOLVED that:\n\n(a) the revenue budget for 2025/26 be approved;\n"
            "(b) the Council Tax requirement be set at £900m.\n")
    parts = [r.text for r in _extract(text) if r.kind == "decision"]
    assert parts == ["the revenue budget for 2025/26 be approved;", "the Council Tax requirement be set at £900m."]


def test_minutes_in_words_agreed_and_resolved():
    text = ("9. Call-in\n\nAfter debate the Councillors resolved to make comments but not require reconsideration.\n\n"
            "10. Grass cutting\n\nIt was agreed to accept the lower quote. Clerk to write to the contractor by 31 March 2025.")
    got = {(r.kind, r.owner, r.due) for r in _extract(text)}
    assert ("decision", "the Councillors", None) in got and ("action", "Clerk", "2025-03-31") in got


def test_decision_form_field_with_maker_and_number():
    text = ("Record of Decision\nDecision No: 24/00123\nDecision maker: Cabinet Member for Highways\n\n"
            "Subject: Winter Service Policy\n\nDecision:\n\nThat the Winter Service Policy 2024/25 be approved.\n")
    meta = PaperMeta(council="Westshire County Council", date="2024-10-01", doc_type="decision")
    [r] = _extract(text, meta)
    assert (r.kind, r.decision_number, r.decision_maker, r.item) == (
        "decision", "24/00123", "Cabinet Member for Highways", "Winter Service Policy")


def test_unapproved_recommendation_is_no_decision():
    text = ("(d) Decision taken\n\nThat the Committee:\n1. Noted the report.\n2. Approved the consultation.\n"
            "Recommendation 3 was not approved:\n3. Authorise the Director to decide.\n(e) Exempt Information?\n")
    meta = PaperMeta(council="X City Council", date="2026-03-19", doc_type="decision")
    assert [r.text for r in _extract(text, meta)] == ["Noted the report.", "Approved the consultation."]


REPORT = PaperMeta(council="Westshire County Council", committee="Scrutiny Committee", date="2025-03-13",
                   doc_type="report")


@pytest.mark.parametrize("text", [
    "5.1 Under the call-in procedure the Scrutiny Committee is asked to:\n\n(a) make no comments;\n"
    "(b) express comments but not require reconsideration of the decision; or\n"
    "(c) require the decision maker to reconsider the decision, setting out the reasons.\n",
    "Recommendation:\n\nThat the Committee either:\n- makes no comments\n"
    "- expresses comments but does not require reconsideration of the decision\n- requires reconsideration.\n",
    "Recommendations\n\nThe Committee may:\n\na) make no comments\nb) express comments but not require "
    "reconsideration of the decision\nc) refer the decision to full Council\n",
])
def test_the_options_of_a_call_in_are_no_promises(text):
    """Alternatives to choose from (joined by "or", or offered by "either", "may:") are not
    commitments until the meeting picks one; the meeting's resolution is the decision."""
    assert _extract(text, REPORT) == []


def test_a_list_of_parts_is_still_promised_and_a_chosen_option_is_a_decision():
    parts = _extract("Recommendations\n\nThe Cabinet is asked to:\n\na) agree the budget;\n"
                     "b) note the update; and\nc) ask officers to report back in May 2025.\n", REPORT)
    assert [r.kind for r in parts] == ["promise"] * 3
    chosen = _extract("RESOLVED that the County Council makes comments but does not require reconsideration "
                      "of the decision.")
    assert [r.kind for r in chosen] == ["decision"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """An archive of two meetings built with the stand-in model; the register stored at ingest."""
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    d = tmp_path_factory.mktemp("cm-store")
    (d / "report.txt").write_text("Westshire County Council\nReport to Cabinet\nDate: 10 January 2024\n"
                                  "Title: Winter Service Policy\n\nRecommendations\n\n1. That Cabinet approves the "
                                  "Winter Service Policy.\n")
    (d / "minutes.txt").write_text("Westshire County Council\nMinutes of the Cabinet held on 10 January 2024\n\n"
                                   "1. Minutes\n\nThe minutes of the meeting held on 6 December 2023 were agreed as a "
                                   "correct record.\n\n2. Winter Service Policy\n\nRESOLVED that the Winter Service "
                                   "Policy be approved and reviewed by 31 March 2024.\n")
    folder = d / "index"
    ingest([d / "report.txt", d / "minutes.txt"], folder, HashEmbedder())
    return folder


def test_register_is_stored_at_ingest_for_this_generation(stored):
    from cs_archive.commitments.extract import EXTRACTOR_VERSION
    from cs_archive.index import generation_of

    data = json.loads((stored / "commitments.json").read_text())
    assert data["generation"] == generation_of(stored) and data["extractor"] == EXTRACTOR_VERSION


def test_register_reads_the_store_without_the_model(stored):
    from cs_archive.commitments.register import Selection, register
    from cs_archive.index import open_archive

    def no_model():
        raise AssertionError("the store is current: no model needed")

    archive = open_archive(stored)
    try:
        shown = register(archive, no_model, Selection(as_of="2024-06-01"))
        every = register(archive, no_model, Selection(as_of="2024-06-01", procedural=True))
    finally:
        archive.close()
    assert not any(r.procedural for r in shown)
    assert any(r.procedural and "correct record" in r.text for r in every)
    [decision] = [r for r in shown if r.kind == "decision"]
    assert decision.due == "2024-03-31" and decision.status == "overdue"
    assert decision.report is not None  # the report of the same meeting and title


def test_a_stale_store_is_recomputed_not_trusted(stored, tmp_path):
    import shutil

    from cs_archive.commitments.register import Selection, register
    from cs_archive.embed import HashEmbedder
    from cs_archive.index import open_archive

    copy = tmp_path / "index"
    shutil.copytree(stored, copy)
    data = json.loads((copy / "commitments.json").read_text())
    data["generation"] = "another"
    data["commitments"] = []
    (copy / "commitments.json").write_text(json.dumps(data))
    archive = open_archive(copy)
    try:
        assert register(archive, HashEmbedder(), Selection(as_of="2024-06-01"))
    finally:
        archive.close()
