"""Tokens for the lexical (BM25) arm: NLTK Snowball stems, with figures and acronyms intact.

"£434,964", "2023/24", "10,000", "3.2%", "EHCP", "UASC" stay whole tokens; words are stemmed
("placements" -> "placement"). The same function tokenises chunks (stored in a pre-stemmed
FTS5 column) and queries, so they always agree.
"""
from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"£?\d[\d,]*(?:\.\d+)?(?:%|m|k|bn)?(?:/\d+)?|[A-Za-z][A-Za-z'&-]*[A-Za-z]|[A-Za-z]")

# A small English stop list (NLTK's needs downloaded data); question words go too.
STOPWORDS = set("""a an the and or but if of to in on at by for with from as is are was were be been being
this that these those it its their there here what which who whom whose when where why how do does did
has have had not no nor so than too very can could should would will shall may might must our we you
your they them he she his her i me my about into over under again further then once any all each few
more most other some such only own same also just per vs via please tell show many much""".split())


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


@lru_cache(maxsize=50000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def tokens(text: str, drop_stopwords: bool = True) -> list[str]:
    out = []
    for tok in _TOKEN.findall(text.replace("\u2019", "'")):
        if tok[0].isdigit() or tok[0] == "£":
            out.append(tok.rstrip(",").replace(",", "").lower())
            continue
        tok = tok.strip("'-&")
        if not tok:
            continue
        if tok.isupper() and len(tok) >= 2:  # acronyms stay as they are
            low = tok.lower()
            if drop_stopwords and low in STOPWORDS and len(tok) <= 3 and tok not in {"LAC", "CLA", "YOS", "CSE", "SEND"}:
                continue
            out.append(low)
            continue
        low = tok.lower()
        if drop_stopwords and low in STOPWORDS:
            continue
        out.append(_stem(low.replace("'s", "")))
    return out


def index_text(text: str) -> str:
    """The pre-stemmed text stored in the FTS5 column."""
    return " ".join(tokens(text, drop_stopwords=False))


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the query's terms (BM25 ranks the rest)."""
    terms = list(dict.fromkeys(tokens(text)))
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def normalise(text: str) -> str:
    """Lower case, plain quotes, runs of non-alphanumerics as one space (for phrase matching)."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9£%]+", " ", text).split())
