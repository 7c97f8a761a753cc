"""Sentence spans for splitting long units and picking highlights.

NLTK's Punkt, untrained (no downloaded data), told the abbreviations council papers use so
that "Cllr. Smith", "Dr. Jones" and "e.g. schools" do not end a sentence.
"""
from __future__ import annotations

from functools import lru_cache

ABBREVIATIONS = {
    "cllr", "cllrs", "dr", "mr", "mrs", "ms", "mx", "prof", "rev", "st", "sr", "jr", "hon", "rt",
    "e.g", "i.e", "etc", "cf", "vs", "viz", "approx", "est", "no", "nos", "para", "paras", "p", "pp",
    "fig", "figs", "ref", "refs", "sec", "vol", "ch", "app", "appx", "incl", "excl", "max", "min",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "co", "ltd", "plc", "govt", "dept", "cttee", "comm", "assoc", "inc", "av", "ave", "tel", "ext",
}


@lru_cache(maxsize=1)
def _tokenizer():
    from ..nltk_import import nltk_module

    punkt = nltk_module("nltk.tokenize.punkt")
    params = punkt.PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return punkt.PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a line break also ends one (bullets, table rows)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    tok = _tokenizer()
    for line in text.split("\n"):
        if line.strip():
            spans.extend((pos + a, pos + b) for a, b in tok.span_tokenize(line))
        pos += len(line) + 1
    return spans
