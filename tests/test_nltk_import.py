"""NLTK loads without scipy/scikit-learn/pandas, and stems and splits exactly as plain NLTK does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cs_archive.nltk_import import OPTIONAL, _Skip

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


WORDS = sorted(set((ROOT / "seeds" / "000_04b841abd542177e.txt").read_text().split()))[:3000]
TEXT = (ROOT / "seeds" / "001_34ae0bc41703ccf4.txt").read_text()[:20000]


def test_the_search_path_loads_nltk_without_the_scientific_stack():
    got = _run(
        "import json, sys\n"
        "from cs_archive.lexical import tokens\n"
        "from cs_archive.chunking.sentences import sentence_spans\n"
        "tokens('placements were made'); sentence_spans('Cllr. Smith spoke. Then Dr. Jones.')\n"
        f"loaded = sorted(m for m in sys.modules if m.partition('.')[0] in {OPTIONAL!r})\n"
        "import scipy.stats\n"  # and they still import normally afterwards
        "print(json.dumps({'loaded': loaded, 'nltk': 'nltk' in sys.modules}))\n")
    assert got == {"loaded": [], "nltk": True}


def test_stems_and_sentences_equal_plain_nltk():
    code = (
        "import json, sys\n"
        "{pre}\n"
        "from cs_archive.lexical import _stem\n"
        "from cs_archive.chunking.sentences import sentence_spans\n"
        f"words = {WORDS!r}\ntext = {TEXT!r}\n"
        "print(json.dumps({{'stems': [_stem(w.lower()) for w in words], 'spans': sentence_spans(text)}}))\n")
    lean = _run(code.format(pre=""))
    plain = _run(code.format(pre="import nltk, scipy.stats"))  # NLTK loaded the usual way first
    assert lean == plain and len(lean["stems"]) > 1000 and len(lean["spans"]) > 50


def test_only_the_importing_thread_is_kept_from_the_optional_packages():
    skip = _Skip()
    with pytest.raises(ImportError):
        skip.find_spec("scipy.stats")
    assert skip.find_spec("numpy") is None
    seen = []
    t = threading.Thread(target=lambda: seen.append(skip.find_spec("scipy.stats")))
    t.start()
    t.join()
    assert seen == [None]
