"""Councils named in a paper's text, and their names normalised: which council a paper is from.

A council is known in one of two ways:

- By list. ``data/councils.csv`` names the UK's principal authorities (English counties,
  districts, unitaries, metropolitan and London boroughs; Welsh, Scottish and Northern Irish
  councils), recently abolished ones that older papers still name, and combined authorities, the
  GLA, fire, police and national park authorities, each with its aliases (Welsh names, other
  forms of the name, unambiguous acronyms). A listed name matches whatever its case, hyphens or
  line breaks ("KENT COUNTY\\nCOUNCIL", "Stockton on Tees Borough Council") but must start with
  a capital; an acronym ("KCC") matches only as a whole word written exactly so. The file's
  columns: name (the canonical name), kind, abolished (a year, or empty), aliases ("|"-separated).
- By shape. Parish, town, community, village and neighbourhood councils and parish meetings are
  too many to list: "<Place> Parish Council", "Cyngor Cymuned <Place>" and the like are read by
  their pattern, where <Place> is one to four capitalised words that are not common words ("The",
  "Full", "Mayoral", "Each"; see STOP_WORDS). The same patterns name principal councils missing
  from the list ("<Place> District Council") and "Council of the City of <Place>".

A bare place ("Kent") is not a council, and a name is reported once, however many shorter names
it contains. Pure functions; the list is read once, on first use.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

__all__ = ["canonical", "councils_in"]

# Capitalised words that start sentences, headings and titles but are not places: a pattern's
# place stops at the first of them ("Minutes of the Meeting of Souldern Parish Council").
STOP_WORDS = frozenset("""
a an the this that these those our your my his her their its we you they he she it i
each every any all some no other another both either neither such same said several many most various
of to for from with by at into onto about between within without via per re
and or but nor if as when where whilst while after before during since until following
further furthermore however therefore also additionally moreover thus hence yes
full annual extraordinary ordinary special statutory emergency monthly quarterly weekly
public private open closed virtual remote hybrid shadow former previous current proposed existing
draft approved confirmed unconfirmed final interim adjourned reconvened inaugural
local data mayoral county district borough city town parish community village neighbourhood
council councils councillor councillors cllr cllrs unitary principal metropolitan rural urban
shire tier two-tier upper-tier lower-tier non-metropolitan combined
relevant neighbouring adjoining adjacent host lead responsible partner constituent member members
appropriate respective receiving originating
meeting meetings minutes minute agenda agendas report reports item items notice notices summons
papers paper pack supplement addendum appendix annex schedule section part table figure paragraph
page ref reference subject title name date time venue location present apologies attendance
contact email e-mail tel telephone phone website web address
chair chairman chairwoman chairperson vice vice-chair vice-chairman mayor mayors deputy clerk
mr mrs ms miss dr prof sir dame lord
officer officers residents resident representative representatives elector electors parishioners
chief executive director head manager secretary treasurer monitoring proper
dear thanks thank please note welcome attending representing see
not is are was were be been has have had will would should could can must shall do does did
committee committees sub-committee subcommittee cabinet board panel forum group party working
steering advisory scrutiny overview planning finance policy resources audit standards governance
licensing election elections by-election precept grant budget accounts vacancy vacancies casual
monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
january february april may june july august september october november december
cyngor cymuned bwrdeistref sirol cofnodion cyfarfod rhaglen adroddiad hysbysiad neuadd swyddfa
clerc cadeirydd aelodau dyddiad
""".split())

# Words that join a place's capitalised words ("Stow on the Wold", "Manordeilo & Salem");
# the Welsh ones ("Manordeilo a Salem", "Betws yn Rhos") only for community, town and city councils.
_JOINERS = frozenset({"and", "&", "upon", "on", "under", "in", "le", "la", "de", "en", "cum", "next", "the", "super"})
_WELSH_JOINERS = frozenset({"a", "ac", "y", "yr", "yn", "ym", "ar"})
_BEFORE_THE = frozenset({"on", "upon", "under", "in", "next", "super"})  # "the" joins only after these
_LOWER_IN_CAPS = _JOINERS | _WELSH_JOINERS | {"by", "of", "with", "sub", "over"}  # "NEWTON-LE-WILLOWS"
_NOT_A_PLACE_ALONE = frozenset({"new", "old", "great", "little", "upper", "lower", "high", "long", "north", "south",
                                "east", "west", "mid", "central", "greater", "st", "st.", "saint", "royal"})
# A listed name straight after one of these is part of a longer, unlisted name ("North Dorset Council").
_COMPASS = frozenset({"north", "south", "east", "west", "mid", "central", "greater", "upper", "lower"})
_PRINCIPAL_KINDS = frozenset({"county", "district", "unitary", "metropolitan borough", "london borough",
                              "sui generis", "welsh principal", "scottish", "northern ireland district"})

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
_GAP = re.compile(r"[\s\-‐‑–—,.]*")
_WORD = re.compile(r"\S+")
_PLACE_WORD = re.compile(r"[^\W\d_]+(?:['’\-‐][^\W\d_]+)*")
_OPENING = "([{\"'“‘"
_CLOSING = ",;:.!?)]}\"'”’"

# The kinds of council named by shape; the longer alternatives first.
_KIND = re.compile(
    r"\b(?:City\s+(?:and|&)\s+District|(?:(?:Metropolitan|County|Royal)\s+)?Borough|"
    r"(?:(?:Rural|Urban|Metropolitan)\s+)?District|(?:(?:Joint|Group)\s+)?Parish|"
    r"County|City|Town|Community|Village|Neighbourhood)\s+Council\b|\bParish\s+Meeting\b", re.I)
_WELSH_KINDS = {"cymuned": "Community Council", "tref": "Town Council", "dinas": "City Council"}
_CYNGOR = re.compile(r"\bCyngor\s+(Cymuned|Tref|Dinas)\s+", re.I)
_COUNCIL_OF = re.compile(
    r"\bCouncil\s+of\s+the\s+(City\s+and\s+County|County\s+Borough|London\s+Borough|Royal\s+Borough|"
    r"Metropolitan\s+Borough|City|County|Borough|District)\s+of\s+", re.I)
_COUNCIL_OF_NAMES = {"city": "{} City Council", "county": "{} County Council", "borough": "{} Borough Council",
                     "district": "{} District Council", "county borough": "{} County Borough Council",
                     "metropolitan borough": "{} Metropolitan Borough Council",
                     "london borough": "London Borough of {}", "royal borough": "Royal Borough of {}",
                     "city and county": "City and County of {}"}
# The place in a listed principal council's name, for "Council of the City of <Place>".
_PLACE_IN_NAME = (
    re.compile(r"(?:council of the |borough council of )?(?:city and county|london borough|royal borough|"
               r"metropolitan borough|county borough|city|county|borough) of (.+?)(?: council)?", re.I),
    re.compile(r"(.+?)(?: city and district| county borough| metropolitan borough| metropolitan district| city|"
               r" county| borough| district)? council", re.I),
)
_END = ""  # the trie key marking a whole name
_REACH = 200  # characters a pattern's place is looked for in, beside its kind


class _Token(NamedTuple):
    start: int
    end: int
    raw: str
    norm: str
    stem: str | None  # the norm without a possessive "'s" ("Council's" -> "council")


@dataclass(frozen=True)
class _Data:
    trie: dict  # listed names and aliases, token by normalised token; _END holds the canonical name
    acronyms: dict[str, str]  # "KCC" -> "Kent County Council", matched exactly
    names: dict[str, str]  # normalised name or alias -> canonical name
    places: dict[str, list[tuple[str, str, bool]]]  # place key -> (canonical, listed form, current)


def canonical(name: str) -> str | None:
    """A council's normalised name for a string that names one, else None.

    'KENT COUNTY COUNCIL' -> 'Kent County Council'; 'KCC' -> 'Kent County Council';
    'Cyngor Sir Caerfyrddin' -> 'Carmarthenshire County Council';
    'Cyngor Cymuned Manordeilo a Salem' -> 'Manordeilo a Salem Community Council';
    'Souldern Parish Council' -> 'Souldern Parish Council'; 'The Council' -> None."""
    text = name.strip().rstrip(".,;:").strip()
    found = councils_in(text)
    if len(found) != 1:
        return None
    start, end, council = found[0]
    if re.fullmatch(r"(?:the\s+)?", text[:start], re.I) and re.fullmatch(r"(?:['’]s?)?", text[end:]):
        return council
    return None


def councils_in(text: str) -> list[tuple[int, int, str]]:
    """Every mention of a council in text: (start, end, canonical name), in order of position."""
    tokens = _tokens(text)
    listed = _listed(text, tokens)
    spans = _Spans(listed)
    found = _councils_of(text) + listed + _welsh_local(text, spans) + _local(text, spans)
    found.sort(key=lambda m: (m[0], m[0] - m[1]))  # stable: on a tie the earlier source wins
    mentions: list[tuple[int, int, str]] = []
    for start, end, council in found:
        if mentions and start < mentions[-1][1]:
            last = mentions[-1]
            if council == last[2] and end > last[1]:  # "Cyngor Cymuned X / X Community Council"
                mentions[-1] = (last[0], end, council)
            continue
        mentions.append((start, end, council))
    return mentions


# --- the list ----------------------------------------------------------------------------------

def _fold(s: str) -> str:
    if s.isascii():
        return s.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=65536)
def _norm(token: str) -> str:
    if token == "&":
        return "and"
    folded = _fold(token).replace("'", "").replace("’", "")
    return "st" if folded == "saint" else folded


def _key(name: str) -> str:
    return " ".join(_norm(t) for t in _TOKEN.findall(name))


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        stem = _norm(raw[:-2]) if len(raw) > 2 and raw[-2] in "'’" and raw[-1] in "sS" else None
        out.append(_Token(m.start(), m.end(), raw, _norm(raw), stem))
    return out


def _is_acronym(alias: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+", alias)) and sum(c.isupper() for c in alias) >= 2


@lru_cache(maxsize=1)
def _data() -> _Data:
    trie: dict = {}
    acronyms: dict[str, str] = {}
    names: dict[str, str] = {}
    places: dict[str, list[tuple[str, str, bool]]] = {}
    with files(__package__).joinpath("data/councils.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            council = row["name"]
            for form in [council, *filter(None, row["aliases"].split("|"))]:
                if _is_acronym(form):
                    acronyms.setdefault(form, council)
                    continue
                key = _key(form)
                names.setdefault(key, council)
                node = trie
                for part in key.split(" "):
                    node = node.setdefault(part, {})
                node.setdefault(_END, council)
                if row["kind"] in _PRINCIPAL_KINDS:
                    for pattern in _PLACE_IN_NAME:
                        if m := pattern.fullmatch(form):
                            places.setdefault(_key(m.group(1)), []).append((council, form, not row["abolished"]))
                            break
    return _Data(trie, acronyms, names, places)


def _joins(gap: str, before: _Token) -> bool:
    """Whether two tokens of a name may stand this far apart: spaces, a hyphen or comma, one line
    break; a full stop only after "St"."""
    return bool(_GAP.fullmatch(gap)) and gap.count("\n") <= 1 and ("." not in gap or before.norm == "st")


def _listed(text: str, tokens: list[_Token]) -> list[tuple[int, int, str]]:
    data = _data()
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        hit = None  # (end, index of the last token, council)
        if council := data.acronyms.get(token.raw):
            hit = (token.end, i, council)
        elif token.stem and (council := data.acronyms.get(token.raw[:-2])):  # "KCC's"
            hit = (token.end - 2, i, council)
        elif token.raw[0].isupper() and not _after_compass(text, tokens, i):
            hit = _walk(text, tokens, i, data.trie)
        if hit:
            found.append((token.start, hit[0], hit[2]))
            i = hit[1] + 1
        else:
            i += 1
    return found


def _after_compass(text: str, tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return False
    before = tokens[i - 1]
    return (before.norm in _COMPASS and before.raw[0].isupper()
            and re.fullmatch(r"[ \t\xa0]+", text[before.end:tokens[i].start]) is not None)


def _walk(text: str, tokens: list[_Token], i: int, trie: dict) -> tuple[int, int, str] | None:
    """The longest listed name starting at token i: (end, index of its last token, council)."""
    best = None
    node = trie
    for j in range(i, len(tokens)):
        token = tokens[j]
        if j > i and not _joins(text[tokens[j - 1].end:token.start], tokens[j - 1]):
            break
        if token.norm not in node:
            if token.stem and _END in node.get(token.stem, {}):  # "Cherwell District Council's"
                best = (token.end - 2, j, node[token.stem][_END])
            break
        node = node[token.norm]
        if _END in node:
            best = (token.end, j, node[_END])
    return best


# --- by shape ------------------------------------------------------------------------------------

class _Spans:
    """The listed mentions' spans (in order, not overlapping), for the patterns to keep clear of."""

    def __init__(self, mentions: list[tuple[int, int, str]]):
        self.starts = [s for s, _, _ in mentions]
        self.ends = [e for _, e, _ in mentions]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)
        return i > 0 and self.ends[i - 1] > start

    def end_before(self, position: int) -> int:
        i = bisect_right(self.ends, position)
        return self.ends[i - 1] if i else 0

    def start_after(self, position: int, default: int) -> int:
        i = bisect_left(self.starts, position)
        return self.starts[i] if i < len(self.starts) else default


def _local(text: str, listed: _Spans) -> list[tuple[int, int, str]]:
    """ "<Place> Parish Council" and the other kinds, the place read backwards from the kind."""
    found = []
    for m in _KIND.finditer(text):
        if not all(w[0].isupper() for w in m.group().split() if w.casefold() not in ("and", "&")):
            continue  # "the parish council": a proper name is written with capitals
        if listed.overlaps(m.start(), m.end()):
            continue  # part of a listed name: the list has said which
        floor = listed.end_before(m.start())
        kind = _tidy_kind(m.group())
        welsh = kind in ("Community Council", "Town Council", "City Council")
        if place := _place_before(text, m.start(), floor, welsh):
            start, words = place
            name = f"{words} {kind}"
            found.append((start, m.end(), _data().names.get(_key(name), name)))
    return found


def _welsh_local(text: str, listed: _Spans) -> list[tuple[int, int, str]]:
    """ "Cyngor Cymuned <Place>" -> "<Place> Community Council"; "Cyngor Tref", "Cyngor Dinas" likewise."""
    found = []
    for m in _CYNGOR.finditer(text):
        if listed.overlaps(m.start(), m.start() + 1):
            continue
        ceiling = listed.start_after(m.end(), default=len(text))
        if place := _place_after(text, m.end(), ceiling, welsh=True):
            end, words = place
            found.append((m.start(), end, f"{words} {_WELSH_KINDS[m.group(1).casefold()]}"))
    return found


def _councils_of(text: str) -> list[tuple[int, int, str]]:
    """ "Council of the City of Manchester" -> "Manchester City Council"."""
    found = []
    for m in _COUNCIL_OF.finditer(text):
        if place := _place_after(text, m.end(), len(text), welsh=False):
            end, words = place
            kind = " ".join(m.group(1).casefold().split())
            found.append((m.start(), end, _council_of(kind, words)))
    return found


def _council_of(kind: str, place: str) -> str:
    candidates = _data().places.get(_key(place), [])
    if candidates:
        # the form naming the same kind ("city") first, then a current council
        return max(candidates, key=lambda c: (kind.split()[-1] in c[1].casefold(), c[2]))[0]
    return _COUNCIL_OF_NAMES[kind].format(place)


def _tidy_kind(kind: str) -> str:
    return " ".join("and" if w.casefold() in ("and", "&") else w.capitalize() for w in kind.split())


def _joiner(word: str, welsh: bool) -> bool:
    folded = word.casefold()
    return folded in _JOINERS or (welsh and folded in _WELSH_JOINERS)


def _place_word(word: str) -> bool:
    if not word[:1].isupper() or word.casefold() in STOP_WORDS:
        return False
    return bool(_PLACE_WORD.fullmatch(word)) or word.casefold() == "st."


def _place_before(text: str, end: int, floor: int, welsh: bool) -> tuple[int, str] | None:
    """The place named just before end (on the same line, or alone on the line above): its start
    and its words, or None."""
    if end > 0 and not text[end - 1].isspace():
        return None  # "(Parish Council", "-Town Council"
    head = _skip_back(text, end, " \t\xa0")
    if head > 0 and text[head - 1] == "\n":
        head = _skip_back(text, head - 1, " \t\xa0\r")
    line_start = text.rfind("\n", max(floor, head - _REACH), head) + 1
    taken: list[tuple[int, str]] = []  # right to left
    capitals = 0
    for m in reversed(list(_WORD.finditer(text, max(line_start, floor, head - _REACH), head))):
        raw = m.group()
        if raw[-1] in _CLOSING and raw.casefold() != "st.":
            break  # "Maidstone, Souldern Parish Council"
        if not taken and re.search(r"['’]s$", raw, re.I):
            break  # "Souldern's District Council" is the district's, not a council named Souldern's
        word = raw.lstrip(_OPENING)
        start = m.end() - len(word)
        if taken and _joiner(word, welsh):
            taken.append((start, word))
        elif _place_word(word) and capitals < 4:
            taken.append((start, word))
            capitals += 1
        else:
            break
        if word != raw:
            break  # "(Souldern Parish Council)"
    if place := _place(list(reversed(taken)), welsh):
        return place[0][0][0], place[1]
    return None


def _skip_back(text: str, i: int, chars: str) -> int:
    while i > 0 and text[i - 1] in chars:
        i -= 1
    return i


def _place_after(text: str, start: int, ceiling: int, welsh: bool) -> tuple[int, str] | None:
    """The place named from start on (on the same line): its end and its words, or None."""
    line_end = text.find("\n", start, start + _REACH)
    stop = min(ceiling, start + _REACH if line_end < 0 else line_end)
    taken: list[tuple[int, str]] = []  # (end, word), left to right
    capitals = 0
    for m in _WORD.finditer(text, start, stop):
        raw = m.group()
        if raw[0] in _OPENING:
            break
        word = raw if raw.casefold() == "st." else raw.rstrip(_CLOSING)
        if not word:
            break
        end = m.start() + len(word)
        if taken and _joiner(word, welsh):
            taken.append((end, word))
        elif _place_word(word) and capitals < 4:
            taken.append((end, word))
            capitals += 1
        else:
            break
        if word != raw:
            break  # "Cyngor Tref Aberaeron, ..."
    if place := _place(taken, welsh):
        return place[0][-1][0], place[1]
    return None


def _place(taken: list[tuple[int, str]], welsh: bool) -> tuple[list[tuple[int, str]], str] | None:
    """(offset, word) pairs left to right -> the pairs that make the place, and the place as
    written; None if they do not make one."""
    for k, (_, word) in enumerate(taken):  # "the" only in "on the", "next the"...
        if word.casefold() == "the" and (k == 0 or taken[k - 1][1].casefold() not in _BEFORE_THE):
            taken = taken[k + 1:] if k == 0 else taken[:k]
            break
    while taken and _joiner(taken[0][1], welsh):
        taken = taken[1:]
    while taken and _joiner(taken[-1][1], welsh):
        taken = taken[:-1]
    if not taken or (len(taken) == 1 and taken[0][1].casefold() in _NOT_A_PLACE_ALONE):
        return None
    words = [word for _, word in taken if not _joiner(word, welsh)]
    if any(w.isupper() and len(w) > 1 for w in words) and any(not w.isupper() for w in words):
        return None  # "Contract of Employment and CALC Parish Council": an acronym among words
    place = " ".join(word for _, word in taken)
    if not any(c.islower() for c in place):  # "MANORDEILO & SALEM" -> "Manordeilo & Salem"
        place = _title(place)
    return taken, place


def _title(place: str) -> str:
    def word(m: re.Match) -> str:
        w = m.group()
        if m.start() > 0 and (place[m.start() - 1] in "'’" or w.casefold() in _LOWER_IN_CAPS):
            return w.lower()
        return w.capitalize()

    return re.sub(r"[^\W\d_]+", word, place)
