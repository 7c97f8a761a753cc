"""Where and when a question asks about: the councils it names and the meeting dates its time
words point at (``scope.read_scope``), and search nudging up the papers that fit."""
import datetime as dt

import pytest

from cs_archive import search as S
from cs_archive.scope import Scope, council_words, read_scope, time_windows

TODAY = dt.date(2026, 12, 5)
COUNCILS = ["Ashby Parish Council", "Barton Community Council", "Manordeilo & Salem Community Council",
            "Bristol City Council", "Buckinghamshire Council", "West Sussex County Council"]


@pytest.mark.parametrize("name, words", [
    ("Bristol City Council", [{"bristol"}]),
    ("Manordeilo & Salem Community Council", [{"manordeilo"}, {"salem"}]),
    ("Cyngor Cymuned Manordeilo a Salem", [{"manordeilo"}, {"salem"}]),
    ("West Sussex County Council", [{"west", "sussex"}]),
    ("Parish Council", []),
])
def test_the_words_that_tell_a_council_apart(name, words):
    assert [set(p) for p in council_words(name)] == _stems(words)


def _stems(parts):
    from cs_archive.lexical import tokens

    return [{t for w in p for t in tokens(w)} for p in parts]


@pytest.mark.parametrize("query, councils", [
    ("What precept did Ashby set?", ("Ashby Parish Council",)),
    ("who chairs manordeilo and salem?", ("Manordeilo & Salem Community Council",)),
    ("the notice board in Salem", ("Manordeilo & Salem Community Council",)),
    ("How much could Bristol raise from the levy?", ("Bristol City Council",)),
    ("What did the county council decide?", ()),  # generic words name no council
    ("library opening hours in Maidstone", ()),
    ("roads in West Sussex", ("West Sussex County Council",)),
    ("roads in Sussex", ()),  # every word that tells it apart, not some
])
def test_a_question_names_a_council_by_its_own_words(query, councils):
    assert read_scope(query, COUNCILS, TODAY).councils == councils


@pytest.mark.parametrize("query, windows", [
    ("In the October 2025 progress report, how much for 2025/26?", [("2025-10-01", "2025-10-31")]),
    ("the Sept 2024 meeting", [("2024-09-01", "2024-09-30")]),
    ("the update promised for summer 2024", [("2024-06-01", "2024-08-31")]),
    ("gritting in winter 2023", [("2023-12-01", "2024-02-29")]),
    ("what was agreed in 2024?", [("2024-01-01", "2024-12-31")]),
    ("the 2024/25 budget", []),  # a financial year the papers talk about, not a meeting date
    ("what did we decide last March?", [("2026-03-01", "2026-03-31")]),
    ("what is due next March?", [("2027-03-01", "2027-03-31")]),
    ("last December", [("2025-12-01", "2025-12-31")]),
    ("reports from last year and this year", [("2025-01-01", "2025-12-31"), ("2026-01-01", "2026-12-31")]),
    ("May 2025, and then in 2025", [("2025-05-01", "2025-05-31"), ("2025-01-01", "2025-12-31")]),
    ("how many children are in care?", []),
])
def test_time_words_give_windows_of_meeting_dates(query, windows):
    assert list(time_windows(query, TODAY)[0]) == windows


def test_a_question_about_what_came_of_something_asks_for_the_papers_after():
    s = read_scope("In January 2018 they said they'd fix the green. Did that ever get done?", (), TODAY)
    assert s.after and s.fits(None, "2018-01-18") == (False, False) and s.fits(None, "2020-01-07") == (False, True)
    s = read_scope("What was agreed at the January 2018 meeting?", (), TODAY)
    assert not s.after and s.fits(None, "2018-01-18") == (False, True) and s.fits(None, "2020-01-07") == (False, False)


def test_what_is_left_of_a_question_once_where_and_when_are_read():
    s = read_scope("Who did Ashby co-opt in February 2025?", COUNCILS, TODAY)
    assert s.councils == ("Ashby Parish Council",) and s.windows == (("2025-02-01", "2025-02-28"),)
    assert s.rest("Who did Ashby co-opt in February 2025?") == "Who did co-opt in ?"
    assert Scope().rest("how many children") == "how many children" and not Scope()


def test_papers_of_the_council_and_meeting_asked_about_are_nudged_up():
    scope = read_scope("the Ashby precept in May 2025", COUNCILS, TODAY)
    rows = {1: {"council": "Barton Community Council", "date": "2025-05-14"},
            2: {"council": "Ashby Parish Council", "date": "2024-05-10"},
            3: {"council": "Ashby Parish Council", "date": "2025-05-12"},
            4: {"council": None, "date": None}}
    out = S.place_and_time({1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5}, rows, scope)
    assert out == pytest.approx({1: 0.5 + S.TIME_BONUS, 2: 0.5 + S.PLACE_BONUS,
                                 3: 0.5 + S.PLACE_BONUS + S.TIME_BONUS, 4: 0.5})


# -- end to end with the real model ---------------------------------------------------------------

_PAPERS = {
    # file: (council, meeting date, text); the same business at two councils and two meetings
    "ashby-2025-05.txt": ("Ashby Parish Council", "2025-05-12",
                          "Minutes\n\n5. Precept\nThe council agreed a precept of £8,000 for 2025/26, a rise of 4%.\n"),
    "ashby-2025-10.txt": ("Ashby Parish Council", "2025-10-13",
                          "Minutes\n\n5. Precept\nThe council agreed to review the precept of £8,000, a rise of 4%.\n"),
    "barton-2025-05.txt": ("Barton Community Council", "2025-05-14",
                           "Minutes\n\n5. Precept\nThe council agreed a precept of £9,500 for 2025/26, a rise of 6%.\n"),
}


@pytest.fixture(scope="module")
def two_councils(tmp_path_factory):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path_factory.mktemp("two-councils")
    lines = ["file,council,committee,date,title,doc_type,url"]
    for name, (council, date, text) in _PAPERS.items():
        (papers / name).write_text(text)
        lines.append(f"{name},{council},Parish Council,{date},Minutes,minutes,")
    (papers / "manifest.csv").write_text("\n".join(lines) + "\n")
    folder = tmp_path_factory.mktemp("two-councils-index") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CS_ARCHIVE_MODEL", raising=False)
        report = ingest([papers], folder, get_embedder())
    assert not report.failed and len(report.added) == 3
    return folder


def _first(folder, query):
    from cs_archive.embed import get_embedder
    from cs_archive.index import open_archive

    hits = S.search(open_archive(folder), get_embedder(), query, highlights=False)
    return hits[0].source.rsplit("/", 1)[-1] if hits else None


@pytest.mark.model
@pytest.mark.parametrize("query, first", [
    ("What precept did Barton agree?", "barton-2025-05.txt"),
    ("What precept did Ashby agree in May 2025?", "ashby-2025-05.txt"),
    ("What did Ashby say about the precept in October 2025?", "ashby-2025-10.txt"),
])
def test_the_council_and_meeting_named_come_first(two_councils, real_env, query, first):
    assert _first(two_councils, query) == first
