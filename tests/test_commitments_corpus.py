"""The extractor on other councils' real papers: hand labels from the shared corpus.

`tests/commitments/corpus_labels.jsonl` and `corpus_negatives.jsonl` were written from the
papers of `/work/shared/corpus/docs` (parish and community councils' minutes with action logs
and owner columns, a city council's decision notices, printed minutes and reports) before
the extractor was changed for them; see tests/commitments/README.md.
Figures: `.venv/bin/python -m pytest -q -s -p no:cacheprovider tests/test_commitments_corpus.py`.

Scored as the register shows it by default: records flagged procedural are hidden, so they
count neither way, and a label marked procedural must come out flagged.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from cs_archive.chunking import read_file
from cs_archive.commitments import extract

from conftest import shared_file

LABELS = Path(__file__).parent / "commitments"
KINDS = ("action", "decision", "promise")


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (LABELS / name).read_text().splitlines() if line.strip()]


def _norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().lower()


def _same(got: str | None, want: str | None) -> bool:
    strip = lambda s: re.sub(r"^the\s+", "", _norm(s or "")).strip(" .")  # noqa: E731
    return bool(got) and (strip(want) in strip(got) or strip(got) in strip(want))


@pytest.fixture(scope="module")
def corpus_records() -> dict[str, list]:
    docs = shared_file("corpus/docs")
    out = {}
    for name in sorted({lab["file"] for lab in _load("corpus_labels.jsonl") + _load("corpus_negatives.jsonl")}):
        rf = read_file(docs / name)
        out[name] = [c for p in rf.papers for c in extract(p.meta, [x for x in rf.chunks if x.doc_id == p.doc_id])]
    return out


def score(labels: list[dict], records: dict[str, list]) -> dict:
    """Each label claims one unclaimed record of its file that contains its snippet (one of
    its own kind first). A record left unclaimed is a false positive unless it repeats a
    claimed label's words (an action list summary repeats the minutes)."""
    claimed: dict[int, dict] = {}
    missed: list[dict] = []
    found: list[tuple[dict, object]] = []
    for lab in labels:
        snippet = _norm(lab["contains"])
        cands = [r for r in records[lab["file"]] if id(r) not in claimed and snippet in _norm(r.text)]
        hit = next((r for r in cands if r.kind == lab["kind"]), cands[0] if cands else None)
        if hit is None:
            if not lab.get("optional"):
                missed.append(lab)
            continue
        claimed[id(hit)] = lab
        found.append((lab, hit))
    shown = lambda r: not getattr(r, "procedural", False)  # noqa: E731
    out: dict = {"kinds": {}, "false": [], "missed": [], "owner": [0, 0], "due": [0, 0], "maker": [0, 0],
                 "procedural": [0, 0], "wrong": []}
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    for name, recs in records.items():
        snippets = [_norm(lab["contains"]) for lab in labels if lab["file"] == name]
        for r in recs:
            lab = claimed.get(id(r))
            if not shown(r):
                continue
            if lab is None:
                if not any(s in _norm(r.text) for s in snippets):
                    fp[r.kind] += 1
                    out["false"].append((name, r.kind, r.text[:110]))
                continue
            if lab.get("optional"):
                continue
            if lab.get("procedural") or lab["kind"] != r.kind:
                fp[r.kind] += 1
                out["false"].append((name, r.kind, "(" + ("procedural" if lab.get("procedural") else lab["kind"])
                                     + ") " + r.text[:100]))
            else:
                tp[r.kind] += 1
    required = [lab for lab in labels if not lab.get("optional") and not lab.get("procedural")]
    got = {id(lab): r for lab, r in found}
    for k in KINDS:
        want = [lab for lab in required if lab["kind"] == k]
        hits = [lab for lab in want if id(lab) in got and got[id(lab)].kind == k and shown(got[id(lab)])]
        out["missed"] += [lab for lab in want if lab not in hits]
        n = tp[k] + fp[k]
        out["kinds"][k] = {"labels": len(want), "records": n,
                           "precision": tp[k] / n if n else 0.0, "recall": len(hits) / len(want) if want else 1.0}
    for lab, r in found:
        if lab.get("optional") or lab["kind"] != r.kind:
            continue
        if lab.get("procedural"):
            out["procedural"][0] += 1
            out["procedural"][1] += bool(getattr(r, "procedural", False))
            continue
        if lab["owner"]:
            out["owner"][0] += 1
            ok = _same(r.owner, lab["owner"])
            out["owner"][1] += ok
            if not ok:
                out["wrong"].append(("owner", lab["contains"][:50], lab["owner"], r.owner))
        if lab["due"]:
            out["due"][0] += 1
            ok = r.due == lab["due"]
            out["due"][1] += ok
            if not ok:
                out["wrong"].append(("due", lab["contains"][:50], lab["due"], r.due))
        if lab.get("decision_maker"):
            out["maker"][0] += 1
            ok = _same(getattr(r, "decision_maker", None), lab["decision_maker"])
            out["maker"][1] += ok
            if not ok:
                out["wrong"].append(("maker", lab["contains"][:50], lab["decision_maker"],
                                     getattr(r, "decision_maker", None)))
    return out


def _ratio(pair: list[int]) -> float:
    return pair[1] / pair[0] if pair[0] else 1.0


def test_precision_and_recall_on_the_labelled_corpus(corpus_records):
    s = score(_load("corpus_labels.jsonl"), corpus_records)
    print()
    for k, v in s["kinds"].items():
        print(f"{k:9} labels {v['labels']:3}  records {v['records']:3}  precision {v['precision']:.3f}  "
              f"recall {v['recall']:.3f}")
    print(f"owner {_ratio(s['owner']):.3f} of {s['owner'][0]}  due {_ratio(s['due']):.3f} of {s['due'][0]}  "
          f"decision maker {_ratio(s['maker']):.3f} of {s['maker'][0]}  "
          f"procedural flagged {_ratio(s['procedural']):.3f} of {s['procedural'][0]}")
    for lab in s["missed"]:
        print("  missed:", lab["kind"], lab["file"][:20], lab["contains"])
    for f in s["false"]:
        print("  false:", *f)
    for w in s["wrong"]:
        print("  wrong:", *w)
    for k, v in s["kinds"].items():
        assert v["precision"] >= 0.9 and v["recall"] >= 0.85, k
    assert _ratio(s["owner"]) >= 0.9 and _ratio(s["due"]) >= 0.9
    assert _ratio(s["maker"]) >= 0.9 and _ratio(s["procedural"]) == 1.0


def test_no_look_alike_in_the_corpus_is_extracted(corpus_records):
    found = [(n["contains"], r.text[:100]) for n in _load("corpus_negatives.jsonl") for r in corpus_records[n["file"]]
             if _norm(n["contains"]) in _norm(r.text) and not getattr(r, "procedural", False)]
    assert found == []


def test_every_label_names_a_real_snippet():
    """A label whose words are not in its paper's text would be a miss for ever."""
    docs = shared_file("corpus/docs")
    texts: dict[str, str] = {}
    bad = []
    for lab in _load("corpus_labels.jsonl") + _load("corpus_negatives.jsonl"):
        if lab["file"] not in texts:
            rf = read_file(docs / lab["file"])
            texts[lab["file"]] = _norm(" ".join(c.text for c in rf.chunks))
        if _norm(lab["contains"]) not in texts[lab["file"]]:
            bad.append((lab["file"], lab["contains"]))
    assert bad == []
