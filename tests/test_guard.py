"""The confidentiality guard: personal data it finds and ignores, links, added text, diff flags."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from jinja2 import Environment
from jinja2 import FileSystemLoader

from handbook.diffing import line_diff
from handbook.services.guard import KINDS
from handbook.services.guard import Finding
from handbook.services.guard import added_text
from handbook.services.guard import external_links
from handbook.services.guard import findings_for
from handbook.services.guard import flag_rows
from handbook.services.guard import scan

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FEW = settings(max_examples=150, deadline=None)


def kinds_of(text, phrases=()):
    """[(kind, text)] of what the guard finds in `text`."""
    return [(finding.kind, finding.text) for finding in scan(text, phrases)]


def nhs_check_digit(nine_digits):
    """The modulus-11 check digit of nine digits: 0 to 9, or 10 when there is none."""
    total = sum(int(digit) * weight for digit, weight in zip(nine_digits, range(10, 1, -1)))
    return (11 - total % 11) % 11


def nhs_formats(digits):
    """A ten-digit number written the three ways NHS numbers are."""
    return [f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
            digits]


def test_kinds_are_listed_in_display_order_with_labels():
    assert list(KINDS) == ["email", "phone", "nhs_number", "postcode", "date_of_birth", "phrase",
                           "external_link"]
    assert Finding("nhs_number", "943 476 5919", 0, 12).label == "NHS number"


@pytest.mark.parametrize("email", [
    "someone@example.org", "first.last+tag@mail.example.co.uk", "o_k%1@sub-domain.example.com",
])
def test_email_addresses_are_found(email):
    assert kinds_of(f"Write to {email}, please.") == [("email", email)]


@pytest.mark.parametrize("text", [
    "someone at example dot org", "@handle on social media", "name@localhost", "a@b",
    "smtps://handbook:...@smtp.example",
    "https://medium.com/@antlerboy/a-post",
])
def test_things_that_are_not_email_addresses(text):
    assert kinds_of(text) == []


@pytest.mark.parametrize("phone", [
    "07700 900123", "07700900123", "+44 7700 900123", "+44 (0)20 7946 0958", "020 7946 0958",
    "0161 496 0000", "(020) 7946 0958", "+1 415 555 2671", "+33 1 23 45 67 89", "020-7946-0958",
    "0161.496.0000", "+447700900123",
])
def test_phone_numbers_are_found(phone):
    assert kinds_of(f"Ring {phone} today.") == [("phone", phone)]


@pytest.mark.parametrize("text", [
    "In 2020 it grew.", "From 2019-2020 we met.", "ISBN0198526636 is a book.",
    "ISBN 0198526636", "ISBN-10: 0-19-852663-6", "ISBN 978-0-19-852663-6", "version 0.10.2",
    "Python 3.11.7 and v2.10.12", "About 100,000 people.", "On 01/02/2020 and 01-02-2020.",
    "On 01.02.2020.", "0.1234567890", "https://doi.org/10.1177/0021886321991597",
    "https://flickr.com/photos/ross/2916958593/", "Call 0161 496.", "+44 20", "0800 123",
    "(020) 7946", "07700 900123 456 789 0123",
])
def test_things_that_are_not_phone_numbers(text):
    assert "phone" not in [kind for kind, _ in kinds_of(text)]


@pytest.mark.parametrize("number", ["943 476 5919", "943-476-5919", "9434765919"])
def test_nhs_numbers_with_a_right_check_digit_are_found(number):
    assert kinds_of(f"NHS number {number}.") == [("nhs_number", number)]


@pytest.mark.parametrize("number", ["943 476 5918", "943-476-5910", "9434765911", "943 476-5919",
                                    "1234567890x", "19434765919"])
def test_numbers_that_are_not_nhs_numbers(number):
    assert "nhs_number" not in [kind for kind, _ in kinds_of(number)]


def test_a_wrong_check_digit_leaves_a_number_starting_with_zero_a_phone_number():
    assert nhs_check_digit("020794609") != 5
    assert kinds_of("Ring 0207946095") == [("phone", "0207946095")]


def test_a_ten_digit_number_that_is_both_is_reported_as_an_nhs_number():
    assert nhs_check_digit("019852663") == 6
    assert kinds_of("Ring 0198526636") == [("nhs_number", "0198526636")]


@pytest.mark.parametrize("code", [
    "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX", "SW1A1AA",
    "sw1a 1aa", "m1 1ae",
])
def test_uk_postcodes_are_found(code):
    assert kinds_of(f"The office is at {code}.") == [("postcode", code)]


@pytest.mark.parametrize("text", [
    "COVID 19", "Ring NHS 111", "The A1 road", "Sw1a 1aa", "SW1A 1aa", "sw1a1aa", "M1 1AI",
    "QA1 1AA", "BAT 1AA", "Meet at level 3 on floor B2", "MB1 12A",
    "plain words and ordinary prose about convening",
])
def test_things_that_are_not_postcodes(text):
    assert kinds_of(text) == []


@pytest.mark.parametrize("text, finding", [
    ("She was born 12/03/1984 in Leeds.", "born 12/03/1984"),
    ("DOB: 12-03-1984", "DOB: 12-03-1984"),
    ("D.O.B. 12.03.1984", "D.O.B. 12.03.1984"),
    ("Date of birth: 12 March 1984", "Date of birth: 12 March 1984"),
    ("His birthday is March 12, 1984.", "birthday is March 12, 1984"),
    ("Jo Bloggs (b. 1984-03-12)", "b. 1984-03-12"),
    ("He was born in Leeds on 12th March 1984.", "born in Leeds on 12th March 1984"),
    ("Jane Smith, 12 March 1984, attended.", "12 March 1984"),
    ("Jane Smith (12/03/1984) attended.", "12/03/1984"),
    ("Jane Smith 1984-03-12", "1984-03-12"),
    ("John O'Neill, born 3 April 1990", "born 3 April 1990"),
    ("Mary Smith-Jones, 03/04/90", "03/04/90"),
])
def test_dates_of_birth_are_found_with_their_cue(text, finding):
    assert kinds_of(text) == [("date_of_birth", finding)]


@pytest.mark.parametrize("text", [
    "On 12 March 2020 the trial began.", "It was published 3 June 2021.",
    "On Tuesday 12 March 2020 we met.", "The report, 12 March 2020, says so.",
    "Born out of a crisis, the network grew. On 12 March 2020 it met.",
    "Jane Smith, 31/31/1984", "born 1984", "Jane Smith, March 1984",
    "Item b. On 12 March 2020 it began.", "Born in 1984, she joined on 12 March 2020.",
])
def test_dates_that_are_not_dates_of_birth(text):
    assert kinds_of(text) == []


def test_phrases_are_found_whole_case_insensitive_with_any_spacing():
    text = "Ward Seven's patient list; ward\n  seven again; wardseven and Ward Sevens."
    assert kinds_of(text, ["ward seven", "  ", ""]) == [("phrase", "Ward Seven"),
                                                        ("phrase", "ward\n  seven")]
    assert scan(text, ["ward seven"])[0].label == "a phrase this section's librarians flag"


def test_phrases_with_punctuation_are_matched_literally():
    assert kinds_of("Ask Dr. Who (retd) or Dr Who", ["dr. who (retd)"]) == [
        ("phrase", "Dr. Who (retd)")]


def test_findings_are_in_order_without_overlaps():
    text = "Email jo@example.org or ring +44 7700 900123; NHS 943 476 5919 at SW1A 1AA."
    assert kinds_of(text) == [("email", "jo@example.org"), ("phone", "+44 7700 900123"),
                              ("nhs_number", "943 476 5919"), ("postcode", "SW1A 1AA")]
    assert kinds_of("jo@example.org", ["example"]) == [("email", "jo@example.org")]


def test_external_links_to_other_hosts_are_found():
    text = ("See https://evil.example/x. Or [a](//other.example/p), <http://Spam.example>, "
            "[ours](https://WWW.Handbook.example/page), https://handbook.example:8000/ok, "
            "http://handbook.example@trick.example/ and [[a wiki link]] or [rel](/page).")
    assert [link.text for link in external_links(text, "handbook.example")] == [
        "https://evil.example/x", "//other.example/p", "http://Spam.example",
        "http://handbook.example@trick.example/"]
    assert external_links(text, "handbook.example")[0].label == "external link from a new account"


def test_without_an_own_host_every_absolute_link_is_external():
    links = external_links("https://handbook.example/a and ftp://files.example/b and // note", "")
    assert [link.text for link in links] == ["https://handbook.example/a"]
    assert external_links("https://www.handbook.example/a", "https://handbook.example") == []


def test_added_text_is_the_new_and_changed_lines():
    old = "one\ntwo\nthree\n"
    new = "zero\none\ntwo changed\nthree\nfour\n"
    assert added_text(old, new) == "zero\ntwo changed\nfour"
    assert added_text(new, new) == ""


def test_findings_are_for_the_added_text_only():
    old = "Ring 020 7946 0958.\nSee https://old.example/."
    new = old + "\nOr 07700 900123, https://new.example/."
    assert kinds_of(added_text(old, new)) == [("phone", "07700 900123")]
    assert [(found.kind, found.text) for found in findings_for(old, new)] == [
        ("phone", "07700 900123")]
    found = findings_for(old, new, own_host="handbook.example", new_account=True)
    assert [(finding.kind, finding.text) for finding in found] == [
        ("phone", "07700 900123"), ("external_link", "https://new.example/")]
    assert [finding.kind for finding in findings_for(old, new + "\nward 7", ["Ward 7"])] == [
        "phone", "phrase"]


def test_flag_rows_splits_out_findings_in_added_lines():
    old = "Call me!\nRing 07700 123456 now\nunchanged 07700 900123"
    new = ("Call me on 07700 900123 or jo@example.org!\nRing 07700 900123 now\n"
           "unchanged 07700 900123")
    rows = flag_rows(line_diff(old, new), findings_for(old, new))
    added = [row for row in rows if row.kind == "added"]
    flagged = [[(segment.text, segment.changed, segment.flag) for segment in row.segments
                if segment.flag] for row in added]
    assert flagged == [
        [("07700 900123", True, "phone number"), ("jo@example.org", True, "email address")],
        [("07700 ", False, "phone number"), ("900123", True, "phone number")],
    ]
    assert all(not segment.flag for row in rows if row.kind != "added" for segment in row.segments)


def test_flag_rows_without_findings_changes_nothing():
    rows = line_diff("a", "b 07700 900123")
    assert flag_rows(rows, []) == line_diff("a", "b 07700 900123")


def test_the_diff_table_marks_flagged_segments_for_eyes_and_screen_readers():
    old = "Ring 07700 123456 now"
    new = "Ring 07700 900123 now <b>"
    rows = flag_rows(line_diff(old, new), findings_for(old, new))
    macros = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True).get_template(
        "_macros.html").module
    html = str(macros.diff_table(rows, "Changes"))
    assert ('<mark class="finding" title="phone number">07700 </mark><ins>'
            '<mark class="finding" title="phone number">900123</mark>'
            '<span class="visually-hidden"> (possible phone number)</span></ins>') in html
    assert html.count("(possible phone number)") == 1
    assert "&lt;b&gt;" in html


def test_the_stylesheet_has_the_classes_the_diff_uses():
    css = (TEMPLATES.parent / "static" / "style.css").read_text(encoding="utf-8")
    assert ".visually-hidden {" in css and "mark.finding" in css


@FEW
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 2))
def test_every_valid_nhs_number_is_found(nine, style):
    check = nhs_check_digit(nine)
    if check == 10:
        return
    number = nhs_formats(nine + str(check))[style]
    assert kinds_of(f"Patient {number} seen.") == [("nhs_number", number)]


@FEW
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 9),
       st.integers(0, 2))
def test_a_wrong_check_digit_is_never_an_nhs_number(nine, offset, style):
    wrong = (nhs_check_digit(nine) + offset) % 11
    if wrong == 10:
        wrong = (wrong + 1) % 11
    number = nhs_formats(nine + str(wrong))[style]
    assert "nhs_number" not in [kind for kind, _ in kinds_of(f"Patient {number} seen.")]


SCRAPS = st.sampled_from([
    "07700 900123", "+44 (0)20 7946 0958", "943 476 5919", "SW1A 1AA", "born 12/03/1984",
    "Jane Smith, 12 March 1984", "jo@example.org", "https://x.example/", "2019-2020", "ward 7",
])
TEXTS = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 +-.()/@:,abcSWAB\n", max_size=80),
    st.lists(st.one_of(SCRAPS, st.text(alphabet="0123456789 -.(+)aB", max_size=6)),
             max_size=8).map("".join),
)


@FEW
@given(TEXTS)
def test_findings_never_overlap_and_are_exact_slices(text):
    found = scan(text, ["ward 7", "7700"])
    for finding in found:
        assert text[finding.start:finding.end] == finding.text
        assert finding.kind in KINDS
    assert all(left.end <= right.start for left, right in zip(found, found[1:]))


@FEW
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=200))
def test_lowercase_words_are_never_flagged(text):
    assert scan(text) == []


@FEW
@given(st.lists(st.one_of(SCRAPS, st.text(alphabet="abc 012", max_size=5)), max_size=6),
       st.lists(st.one_of(SCRAPS, st.text(alphabet="abc 012", max_size=5)), max_size=6))
def test_flag_rows_keeps_every_row_text(old_words, new_words):
    old, new = " ".join(old_words), "\n".join(new_words)
    texts = [[segment.text for segment in row.segments] for row in line_diff(old, new)]
    rows = flag_rows(line_diff(old, new), findings_for(old, new, new_account=True))
    assert ["".join(parts) for parts in texts] == [
        "".join(segment.text for segment in row.segments) for row in rows]
    assert all(segment.flag in ("", *KINDS.values()) for row in rows for segment in row.segments)
