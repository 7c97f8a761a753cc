"""Tokens for the lexical (BM25) arm: NLTK Snowball stems, with figures and acronyms intact.

"£434,964", "2023/24", "10,000", "3.2%", "EHCP", "UASC" stay whole tokens; words are stemmed
("placements" -> "placement"). The same function tokenises chunks (stored pre-stemmed) and
queries, so they always agree.
"""
from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"£?\d[\d,]*(?:\.\d+)?(?:%|m|k|bn)?(?:/\d+)*|[A-Za-z][A-Za-z'&-]*[A-Za-z]|[A-Za-z]")

# A small English stop list (NLTK's needs downloaded data); question words go too.
STOPWORDS = set("""a an the and or but if of to in on at by for with from as is are was were be been being
this that these those it its their there here what which who whom whose when where why how do does did
has have had not no nor so than too very can could should would will shall may might must our we you
your they them he she his her i me my about into over under again further then once any all each few
more most other some such only own same also just per vs via please tell show many much""".split())


# Numbers people write as words and papers print as figures ("three areas" / "3 areas"): each is
# indexed and asked as its figure. ("one" is left alone: "no one", "one of".)
NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "two three four five six seven eight nine ten eleven twelve".split(), 2)}


@lru_cache(maxsize=1)
def _stemmer():
    from .nltk_import import nltk_module

    return nltk_module("nltk.stem.snowball").SnowballStemmer("english")


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
        out.append(NUMBER_WORDS.get(low) or _stem(low.replace("'s", "")))
    return out


def index_text(text: str) -> str:
    """The pre-stemmed text the lexical arm indexes (stored beside each chunk)."""
    return " ".join(tokens(text, drop_stopwords=False))


WORDS_VERSION = "2"  # of what ``passage_index_text`` indexes: a file indexed otherwise is indexed again


def passage_index_text(title: str | None, heading: str, text: str) -> str:
    """What the lexical arm indexes for a passage: its paper's title, its heading path and its
    text. The title is every passage's context, as the embedding reads it: a question's words for
    the paper ("the workplace parking levy") then count for the paragraph that answers it, not
    only for the cover page that prints them."""
    return index_text(f"{title or ''}\n{heading}\n{text}")


Phrase = tuple  # a run of stemmed tokens that must stand together: ("look", "after", "children")

_YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d)([/-])(\d\d)\b")


def query_variants(text: str, expand: bool = True) -> list[list[Phrase]]:
    """The query's terms, then one variant for each other way of writing what it names.

    - A financial or academic year written short is also tried long ("2018/19" -> "2018/2019").
    - Each other form of each children's-services term it names (``synonyms.py``) stands in for
      the form the user wrote: "LAC placements" also runs as "children in care" placements.
      Substituting rather than adding keeps one concept at one concept's weight in BM25; the
      caller keeps each passage's best score over the variants.
    """
    base: list[Phrase] = [(t,) for t in dict.fromkeys(tokens(text))]
    out = [base] if base else []
    if not expand:
        return out
    long_years = _YEAR_SPAN.sub(lambda m: f"{m[1]}{m[2]}{m[1][:2]}{m[3]}", text)
    if long_years != text:
        out.append([(t,) for t in dict.fromkeys(tokens(long_years))])
    for used, others in named_concepts(text):
        drop = set(t for t in used if t not in STOPWORDS)
        rest = [p for p in base if p[0] not in drop]
        out += [rest + [other] for other in others]
    unique = []
    for v in out:
        if v and v not in unique:
            unique.append(v)
    return unique


def normalise(text: str) -> str:
    """Lower case, plain quotes, runs of non-alphanumerics as one space (for phrase matching)."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9£%]+", " ", text).split())


@lru_cache(maxsize=1)
def _compiled():
    """Per group of ``synonyms.VOCABULARY``: its forms as (abbreviation or None, stemmed token tuple)."""
    from .synonyms import _groups, _is_abbreviation

    groups = []
    for forms in _groups():
        groups.append(tuple((f if _is_abbreviation(f) else None, tuple(tokens(f, drop_stopwords=False)))
                            for f in forms))
    return groups


def _contains(seq: tuple[str, ...], sub: tuple[str, ...]) -> bool:
    n = len(sub)
    return n > 0 and any(seq[i:i + n] == sub for i in range(len(seq) - n + 1))


def named_concepts(query: str) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Each concept the query names: (the form it uses, the concept's other forms), as stemmed
    token tuples."""
    words = tuple(tokens(query, drop_stopwords=False))
    upper = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", query))
    have = set(words)
    out = []
    for group in _compiled():
        named = [stems for abbr, stems in group
                 if stems and (abbr in upper if abbr else stems[0] in have and _contains(words, stems))]
        if not named:
            continue
        used = max(named, key=len)  # "children in care" rather than "care"
        others = [stems for _, stems in group if stems and stems not in named]
        out.append((used, list(dict.fromkeys(others))))
    return out
