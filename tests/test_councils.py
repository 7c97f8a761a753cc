"""Councils recognised by name in a paper's text (chunking/councils.py): listed principal
authorities and their aliases, local councils by their shape, and the words that only look like
a council. Small inline examples of the layouts papers use; exact expected values."""
from __future__ import annotations

import csv
from importlib.resources import files

import pytest
from hypothesis import given, settings, strategies as st

from cs_archive.chunking.councils import canonical, councils_in

# (what a paper writes, the council's normalised name or None)
CANONICAL = [
    ("KENT COUNTY COUNCIL", "Kent County Council"),
    ("KCC", "Kent County Council"),
    ("kcc", None),  # an acronym only in capitals
    ("Bristol City Council", "Bristol City Council"),
    ("Buckinghamshire Council", "Buckinghamshire Council"),
    ("Bucks Council", "Buckinghamshire Council"),
    ("the Highland Council", "Highland Council"),
    ("Cyngor Sir Caerfyrddin", "Carmarthenshire County Council"),
    ("Cyngor Sir Ynys Môn", "Isle of Anglesey County Council"),
    ("Cyngor Sir Ynys Mon", "Isle of Anglesey County Council"),
    ("Cyngor Cymuned Manordeilo a Salem", "Manordeilo a Salem Community Council"),
    ("CYNGOR TREF ABERAERON", "Aberaeron Town Council"),
    ("MANORDEILO & SALEM COMMUNITY COUNCIL", "Manordeilo & Salem Community Council"),
    ("Souldern Parish Council", "Souldern Parish Council"),
    ("Souldern Parish Meeting", "Souldern Parish Meeting"),
    ("Stratford-upon-Avon Town Council", "Stratford-upon-Avon Town Council"),
    ("NEWTON-LE-WILLOWS TOWN COUNCIL", "Newton-le-Willows Town Council"),
    ("Bishop's Cleeve Parish Council", "Bishop's Cleeve Parish Council"),
    ("Stow on the Wold Town Council", "Stow on the Wold Town Council"),
    ("Kirkby cum Osgodby Parish Council", "Kirkby cum Osgodby Parish Council"),
    ("St. Helens Council", "St Helens Borough Council"),
    ("Stockton on Tees Borough Council", "Stockton-on-Tees Borough Council"),
    ("Kings Lynn and West Norfolk Borough Council", "Borough Council of King's Lynn and West Norfolk"),
    ("Brighton & Hove City Council", "Brighton and Hove City Council"),
    ("Council of the City of Manchester", "Manchester City Council"),
    ("Council of the County of Durham", "Durham County Council"),
    ("Council of the Borough of Anytown", "Anytown Borough Council"),  # unlisted: named by its shape
    ("Anytown District Council", "Anytown District Council"),
    ("Cherwell District Council's", "Cherwell District Council"),
    ("South Lakeland District Council", "South Lakeland District Council"),  # abolished 2023, still named
    ("West of England Mayoral Combined Authority", "West of England Combined Authority"),
    ("GMCA", "Greater Manchester Combined Authority"),
    ("Police and Crime Commissioner for Kent", "Kent Police and Crime Commissioner"),
    ("Snowdonia National Park Authority", "Eryri National Park Authority"),
    # not a council, or not one council
    ("The Council", None),
    ("Mayoral Data Council", None),
    ("County Council", None),
    ("Kent", None),
    ("Kent County Council and Medway Council", None),
    ("North Dorset Council", None),  # a listed name inside a longer, unlisted one
]


@pytest.mark.parametrize("name,expected", CANONICAL, ids=[c[0] for c in CANONICAL])
def test_canonical(name, expected):
    assert canonical(name) == expected


def test_all_caps_header():
    text = "MINUTES OF THE MEETING OF SOULDERN PARISH COUNCIL\nHELD ON 4 JANUARY 2024 AT 7.30PM"
    assert councils_in(text) == [(26, 49, "Souldern Parish Council")]


def test_welsh_header_with_english_line():
    text = "CYNGOR CYMUNED MANORDEILO A SALEM\nMANORDEILO & SALEM COMMUNITY COUNCIL\nCofnodion / Minutes"
    assert councils_in(text) == [(0, 33, "Manordeilo a Salem Community Council"),
                                 (34, 70, "Manordeilo & Salem Community Council")]


def test_place_on_the_line_above_its_kind():
    assert councils_in("MANORDEILO & SALEM\nCOMMUNITY COUNCIL") == [(0, 36, "Manordeilo & Salem Community Council")]


def test_address_block():
    text = "Kent County Council, Sessions House, County Hall, Maidstone ME14 1XQ"
    assert councils_in(text) == [(0, 19, "Kent County Council")]


def test_sentence():
    text = "Manordeilo and Salem Community Council held their meeting at Salem Chapel on 4 January 2024."
    assert councils_in(text) == [(0, 38, "Manordeilo and Salem Community Council")]


def test_name_broken_across_lines():
    assert councils_in("Report of the Director\nBristol\nCity Council") == [(23, 43, "Bristol City Council")]


def test_acronym_whole_upper_case_word():
    assert councils_in("Report to KCC's Cabinet; kcc staff; KCCs") == [(10, 13, "Kent County Council")]


def test_combined_authority_and_its_acronym():
    text = "West of England Mayoral\nCombined Authority (WECA)"
    assert councils_in(text) == [(0, 42, "West of England Combined Authority"),
                                 (44, 48, "West of England Combined Authority")]


def test_possessive_and_two_councils_in_a_sentence():
    text = "Comments from Cherwell District Council's planning team and from Souldern Parish Council."
    assert councils_in(text) == [(14, 39, "Cherwell District Council"), (65, 88, "Souldern Parish Council")]


def test_punctuation_ends_a_place():
    text = "Cllr Jane Smith (Bicester Town Council) and Cllr Lee, Thame Town Council"
    assert councils_in(text) == [(17, 38, "Bicester Town Council"), (54, 72, "Thame Town Council")]


def test_common_words_before_a_kind_are_not_a_place():
    text = "Casual Vacancy on Souldern Parish Council"
    assert councils_in(text) == [(18, 41, "Souldern Parish Council")]


@pytest.mark.parametrize("text", [
    "The Council",
    "the Parish Council",
    "The Parish Council resolved to approve the budget.",
    "Full Council",
    "Mayoral Data Council",
    "County Council",
    "The County Council's highways team",
    "Town Council meeting",
    "Each Parish Council",
    "Every Town Council and Any Community Council",
    "Annual Parish Meeting",
    "Not parish council matter",  # a proper name is written with capitals
    "the closure brought down district council spending",
    "Souldern's District Council representative",
    "Contract of Employment and CALC Parish Council Clerks Job Description",
    "Kent and Medway",
    "New Parish Council",
])
def test_not_a_council(text):
    assert councils_in(text) == []


def _rows() -> list[dict[str, str]]:
    with files("cs_archive.chunking").joinpath("data/councils.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


PRINCIPAL = {"county", "district", "unitary", "metropolitan borough", "london borough", "sui generis",
             "welsh principal", "scottish", "northern ireland district"}


def test_data_file_lists_the_principal_authorities_once_each():
    rows = _rows()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    assert sum(r["kind"] in PRINCIPAL for r in rows) >= 350
    assert sum(r["kind"] in PRINCIPAL and not r["abolished"] for r in rows) == 382  # April 2023 on
    assert "Buckinghamshire Council" in names


def test_every_listed_form_names_its_own_council():
    wrong = [(form, row["name"], canonical(form)) for row in _rows()
             for form in [row["name"], *filter(None, row["aliases"].split("|"))] if canonical(form) != row["name"]]
    assert wrong == []



_WORDS = st.sampled_from(["Kent", "County", "Council", "Parish", "Town", "KCC", "Cyngor", "Cymuned", "Tref", "the",
                          "of", "The", "and", "&", "a", "A", "Salem", "SALEM", "St.", "Council's", "Borough", "City",
                          "London", "North", "Dorset", ",", "(", ")", "\n", "  ", "-"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_WORDS, max_size=30).map(" ".join)))
def test_mentions_are_ordered_and_apart_whatever_the_text(text):
    found = councils_in(text)
    assert all(0 <= s < e <= len(text) for s, e, _ in found)
    assert all(a[1] <= b[0] for a, b in zip(found, found[1:]))
    canonical(text)
