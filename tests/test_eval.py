"""Retrieval metrics (evaluate.py) on hand-made rankings, and `cs-archive eval` end to end."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cs_archive.evaluate import (Expect, Judged, Question, QrelsError, Report, dcg, evaluate, judge, load_qrels,
                                 mrr_at, ndcg_at, norm, recall_at)

ROOT = Path(__file__).resolve().parents[1]
QRELS = ROOT / "eval" / "qrels.jsonl"

CARE = Expect("000", "41 children in care per 10,000", "2.23")
HOMES = Expect("001", "Our first new home in Aylesbury")


def hit(name: str, text: str, section: str | None = None, confident: bool = True) -> Judged:
    return Judged(source=f"seeds/{name}", text=text, section=section, confident=confident)


RIGHT = hit("000_abc.txt", "2.23 There are currently 41 children in care per 10,000 in Bucks.", "2.23")
OTHER = hit("001_def.txt", "Cannabis remained the most common drug.", "10")


# -- pure metrics --------------------------------------------------------------------------------

def test_recall_and_mrr_over_ranks():
    ranks = [1, 3, None, 6]
    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 5) == 0.5
    assert recall_at(ranks, 10) == 0.75
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert mrr_at(ranks, 5) == pytest.approx((1 + 1 / 3) / 4)
    assert recall_at([], 5) == mrr_at([], 10) == 0.0


def test_ndcg_binary_gains():
    assert ndcg_at([1, 0, 0], n_relevant=1) == 1.0
    assert ndcg_at([0, 1, 0], n_relevant=1) == pytest.approx(1 / math.log2(3))
    assert ndcg_at([0, 0, 0], n_relevant=1) == 0.0
    # two acceptable answers: finding both beats finding one, at any rank
    assert ndcg_at([1, 1], n_relevant=2) == 1.0
    assert ndcg_at([1, 0], n_relevant=2) == pytest.approx(1 / dcg([1, 1]))
    assert ndcg_at([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], n_relevant=1, k=10) == 0.0  # past k


def test_norm_is_the_shared_rule():
    assert norm("The <b>Top-Up</b> is £8,394 – range") == "the top up is 8 394 range"
    assert norm("children\u2019s homes") == norm("children's homes") == "children s homes"


# -- judging one question ------------------------------------------------------------------------

def test_right_hit_needs_file_prefix_and_text():
    q = Question("q", "children in care rate", expect=(CARE,))
    assert judge(q, [OTHER, RIGHT]).rank == 2
    wrong_file = hit("001_x.txt", RIGHT.text, "2.23")
    assert judge(q, [wrong_file]).rank is None


def test_section_accuracy_and_confidence_of_the_first_right_hit():
    q = Question("q", "x", expect=(CARE,))
    o = judge(q, [hit("000_a.txt", RIGHT.text, "2.24", confident=False)])
    assert (o.rank, o.section_ok, o.confident_right) == (1, False, False)
    o = judge(q, [hit("000_a.txt", RIGHT.text, "2.23.")])  # a trailing full stop is the same label
    assert o.section_ok is True and o.confident_right is True
    o = judge(Question("q", "x", expect=(HOMES,)), [hit("001_a.txt", "Our first new home in Aylesbury opened", "53")])
    assert o.section_ok is None  # no section expected


def test_only_the_top_k_count():
    q = Question("q", "x", expect=(CARE,))
    assert judge(q, [OTHER] * 10 + [RIGHT], k=10).rank is None
    assert judge(q, [OTHER] * 10 + [RIGHT], k=11).rank == 11


def test_offtopic_and_forbidden_files():
    off = Question("o", "bin collection dates", offtopic=True)
    assert judge(off, [hit("000_a.txt", "x", confident=False)]).any_confident is False
    assert judge(off, [hit("000_a.txt", "x", confident=False), hit("000_b.txt", "y")]).any_confident is True
    q = Question("q", "x", expect=(CARE,), forbid_files=("001",))
    assert judge(q, [RIGHT, OTHER]).leaked is True
    assert judge(q, [RIGHT]).leaked is False


def test_report_metrics_on_a_small_run():
    qs = [Question("a", "care rate", expect=(CARE,)),
          Question("b", "homes", expect=(HOMES,)),
          Question("c", "missing", expect=(Expect("004", "nowhere"),)),
          Question("o1", "bins", offtopic=True),
          Question("o2", "koala", offtopic=True)]
    runs = {"a": [RIGHT], "b": [OTHER, hit("001_a.txt", "Our first new home in Aylesbury", None, False)],
            "c": [OTHER], "o1": [hit("000_a.txt", "x", confident=False)], "o2": [OTHER]}
    report = evaluate(qs, lambda q, k: runs[q.id], k=10)
    m = report.metrics()
    assert (m["n"], m["offtopic_n"]) == (3, 2)
    assert m["recall@1"] == pytest.approx(1 / 3)
    assert m["recall@5"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 2) / 3)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 3)
    assert m["section_accuracy"] == 1.0 and m["section_n"] == 1
    assert m["offtopic_confident_rate"] == 0.5
    assert m["answerable_lost_rate"] == pytest.approx(1 / 3)  # b's right answer is not confident
    assert [o.question.id for o in report.misses()] == ["b", "c", "o2"]
    text = "\n".join(report.lines())
    assert "Recall@1 0.333" in text and "off-topic with a confident hit: 50.0%" in text
    assert "c [not found] 'missing'" in text
    assert json.loads(json.dumps(report.to_json()))["metrics"]["n"] == 3


# -- the qrels file --------------------------------------------------------------------------------

def test_load_qrels_reads_our_set():
    qs = load_qrels(QRELS)
    answerable = [q for q in qs if not q.offtopic]
    off = [q for q in qs if q.offtopic]
    assert len(answerable) >= 80 and len(off) >= 20
    assert all(q.expect for q in answerable) and not any(q.expect for q in off)
    assert {q.user for q in qs} == {"councillor", "scrutiny", "clerk"}
    assert any(q.filters for q in qs) and any(q.forbid_files for q in qs)
    assert len({q.id for q in qs}) == len(qs)


def test_every_expected_paragraph_exists_in_the_seeds():
    """The answers were written from the papers: each `contains` is in its seed file's text."""
    seeds = {p.name: norm(p.read_text(encoding="utf-8")) for p in (ROOT / "seeds").glob("*.txt")}
    for q in load_qrels(QRELS):
        for e in q.expect:
            texts = [t for name, t in seeds.items() if name.startswith(e.file)]
            assert texts and any(norm(e.contains) in t for t in texts), (q.id, e)


@pytest.mark.parametrize("content,fragment", [
    ('{"query": "x"}\n', "line 1"),
    ('{"query": "x", "expect": [{"file": "000"}]}\n', "line 1"),
    ('\n{"query": "x", "offtopic": true}\nnot json\n', "line 3"),
])
def test_bad_qrels_say_which_line(tmp_path, content, fragment):
    p = tmp_path / "q.jsonl"
    p.write_text(content)
    with pytest.raises(QrelsError, match=fragment):
        load_qrels(p)


def test_eval_command_errors(cli, tmp_path):
    r = cli("eval", tmp_path / "none.jsonl", "--index", tmp_path / "idx")
    assert r.code == 1 and "cannot read" in r.err
    p = tmp_path / "q.jsonl"
    p.write_text('{"query": "x", "offtopic": true}\n')
    r = cli("eval", p, "--index", tmp_path / "idx")
    assert r.code == 2 and "cs-archive ingest" in r.err


def test_eval_command_on_a_small_archive(cli, hash_env, tmp_path):
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "001_sample.txt").write_text("Report to Cabinet\n\n1. Cannabis remained the most common drug.\n\n"
                                           "2. Switch Bucks is the substance misuse service.\n")
    ingest([papers], tmp_path / "idx", HashEmbedder())
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "a", "query": "Switch Bucks", "expect": [{"file": "001", "contains": "Switch Bucks",
                                                                              "section": "2"}]}) + "\n")
    r = cli("eval", q, "--index", tmp_path / "idx", "--json")
    assert r.code == 0, r.err
    m = r.json()["metrics"]
    assert m["n"] == 1 and m["recall@10"] == 1.0 and m["filter_leaks"] == 0


def test_report_with_no_questions_is_empty_not_an_error():
    m = Report(k=10, outcomes=()).metrics()
    assert m["n"] == 0 and m["section_accuracy"] is None and m["offtopic_confident_rate"] is None
