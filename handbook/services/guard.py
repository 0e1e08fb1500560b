"""The confidentiality guard: possible personal data, flagged phrases and outside links in
the text a proposal adds, and the diff rows that show them."""

import bisect
import difflib
import re
from dataclasses import dataclass
from dataclasses import replace
from operator import attrgetter
from operator import itemgetter
from urllib.parse import urlsplit

#: what the guard looks for, in the order it is shown: {kind: human label}
KINDS = {
    "email": "email address",
    "phone": "phone number",
    "nhs_number": "NHS number",
    "postcode": "UK postcode",
    "date_of_birth": "date of birth",
    "phrase": "a phrase this section's librarians flag",
    "external_link": "external link from a new account",
}


@dataclass(frozen=True)
class Finding:
    """A piece of a scanned text, `text[start:end]`, that may be confidential."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self):
        """What the finding may be, for people."""
        return KINDS[self.kind]


_EMAIL = re.compile(r"(?<![\w.%+-])\w[\w.%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")

# A leading + or 0 (an area code of three digits or more, perhaps in brackets), then groups of
# digits after single spaces, dots or hyphens, or in brackets: "+44 (0)20 7946 0958".
_PHONE = re.compile(r"""
    (?<![\w+.,/-])
    (?:\+\d+|\(0\d{2,4}\)|0\d{2,})
    (?:[ .-]\d+|[ .-]?\(\d{1,5}\)|(?<=\))\d+)*
    (?!\w|[.,/-]\d)
""", re.VERBOSE)
_PHONE_DIGITS = range(10, 16)
_ISBN_CUE = re.compile(r"\bISBN(?:-1[03])?:?\s*$", re.IGNORECASE)

_NHS_NUMBER = re.compile(r"(?<![\w+.,/-])\d{3}(?P<sep>[ -]?)\d{3}(?P=sep)\d{4}(?!\w|[.,/-]\d)")
_NHS_WEIGHTS = range(10, 1, -1)

_OUTWARD = r"[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"\b(?:{_OUTWARD} ?{_INWARD}|GIR ?0AA)\b", re.IGNORECASE)

_MONTH = (r"(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?i:st|nd|rd|th)?"
_DATE = rf"""(?<![\w/.-])(?:
    \d{{1,2}}(?P<sep>[/.-])\d{{1,2}}(?P=sep)(?:\d{{4}}|\d{{2}})
    | (?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])
    | {_DAY}\ {_MONTH},?\ (?:19|20)\d\d
    | {_MONTH}\ {_DAY},?\ (?:19|20)\d\d
)(?!\w|[/.-]\d)"""
_BIRTH_CUE = r"(?i:\b(?:born|DOB|date\ of\ birth|birthday)\b|\bD\.O\.B\b\.?)"
_CUED_DATE = re.compile(
    rf"(?P<hit>(?:{_BIRTH_CUE}[^.!?\n\d]{{0,40}}?|(?<!\w)b\.\ )(?P<date>{_DATE}))", re.VERBOSE
)
_NAME_WORD = r"(?:[A-Z][a-z]*['’])?[A-Z][a-z]+(?:-?[A-Z][a-z]+)?"
_NAMED_DATE = re.compile(
    rf"(?<![\w-])(?P<name>{_NAME_WORD}\ {_NAME_WORD})(?:,\ ?|\ ?\(|\ )(?P<hit>(?P<date>{_DATE}))",
    re.VERBOSE,
)
#: capitalised words that begin sentences or name days and months rather than people
_NOT_NAMES = frozenset("""
    An And As At But By During For From In Of On Or Since The Then To Until Was When
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
""".split())


def scan(text, phrases=()):
    """Possible personal data in `text`, and the given phrases, in order, never overlapping."""
    found = [
        *_found("email", _EMAIL, text),
        *_found("nhs_number", _NHS_NUMBER, text, _valid_nhs_number),
        *_found("phone", _PHONE, text, _phone_number),
        *_found("postcode", _POSTCODE, text, _one_case),
        *_found("date_of_birth", _CUED_DATE, text, _real_date),
        *_found("date_of_birth", _NAMED_DATE, text, _named_real_date),
        *_phrases(text, phrases),
    ]
    return _without_overlaps(found)


def _found(kind, pattern, text, accept=None):
    """A finding for each match (its "hit" group if it has one) that `accept` accepts."""
    group = "hit" if "hit" in pattern.groupindex else 0
    for match in pattern.finditer(text):
        if accept is None or accept(match):
            yield Finding(kind, match.group(group), match.start(group), match.end(group))


def _valid_nhs_number(match):
    """True when the number's last digit is its modulus-11 check digit (and it is no ISBN)."""
    if _is_isbn(match):
        return False
    digits = [int(digit) for digit in re.sub(r"\D", "", match.group())]
    remainder = sum(digit * weight for digit, weight in zip(digits, _NHS_WEIGHTS)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == digits[9]


def _phone_number(match):
    """True when a phone number has as many digits as real ones do, and is no ISBN."""
    digits = sum(character.isdigit() for character in match.group())
    return digits in _PHONE_DIGITS and not _is_isbn(match)


def _is_isbn(match):
    """True when a number follows "ISBN", as in "ISBN 0198526636"."""
    return bool(_ISBN_CUE.search(match.string, max(0, match.start() - 12), match.start()))


def _one_case(match):
    """Postcodes count in capitals, or in lower case with the space between their halves."""
    code = match.group()
    return code.isupper() or (code.islower() and " " in code)


def _real_date(match):
    """True for a date whose numeric day and month exist (either way round)."""
    if not match.group("sep"):
        return True
    first, second = (int(part) for part in re.split(r"[/.-]", match.group("date"))[:2])
    return 1 <= min(first, second) <= 12 and max(first, second) <= 31


def _named_real_date(match):
    """A real date after two capitalised words that could be a person's name."""
    return not _NOT_NAMES.intersection(match.group("name").split()) and _real_date(match)


def _phrases(text, phrases):
    """Whole-word, case-insensitive occurrences of each non-blank phrase."""
    for phrase in phrases:
        words = phrase.split()
        if words:
            pattern = re.compile(
                r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE
            )
            yield from _found("phrase", pattern, text)


def _without_overlaps(findings):
    """Of overlapping findings keep the longer, then the earlier, then the one listed first."""
    kept = []
    for finding in sorted(findings, key=lambda found: (found.start - found.end, found.start)):
        place = bisect.bisect(kept, finding.start, key=attrgetter("start"))
        clear_before = place == 0 or kept[place - 1].end <= finding.start
        clear_after = place == len(kept) or finding.end <= kept[place].start
        if clear_before and clear_after:
            kept.insert(place, finding)
    return kept


_URL = re.compile(r"""(?:\bhttps?:|(?<![\w:/]))//\w[^\s<>"'()\[\]]*""", re.IGNORECASE)
_URL_TRAILER = ".,;:!?*_~"


def external_links(text, own_host=""):
    """Absolute and protocol-relative links in `text` to hosts other than `own_host`."""
    own = _host(own_host if "//" in own_host else "//" + own_host)
    links = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILER)
        if not own or _host(url) != own:
            links.append(Finding("external_link", url, match.start(), match.start() + len(url)))
    return links


def _host(url):
    """A URL's host name in lower case without "www.", or "" when it has none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def added_text(old, new):
    """The lines of `new` that are added or changed compared with `old`."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return "\n".join(
        line
        for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
        for line in new_lines[j1:j2]
    )


def findings_for(old, new, phrases=(), own_host="", new_account=False):
    """What the guard finds in the text `new` adds to `old`; outside links too for a new
    account. Offsets are into `added_text(old, new)`."""
    added = added_text(old, new)
    findings = scan(added, phrases)
    if new_account:
        findings = _without_overlaps([*findings, *external_links(added, own_host)])
    return findings


def flag_rows(rows, findings):
    """Diff rows with each finding's text in an added line split out as flagged segments."""
    if not findings:
        return rows
    texts = _TextIndex(findings)
    for row in rows:
        if row.kind == "added":
            row.segments = _flagged_segments(row.segments, texts)
    return rows


class _TextIndex:
    """The findings' texts in a tree of their characters, to find in lines longest first."""

    def __init__(self, findings):
        self.tree = {}
        for finding in findings:
            node = self.tree
            for character in finding.text:
                node = node.setdefault(character, {})
            node.setdefault(_LABEL, finding.label)
        self.first_characters = re.compile("[" + "".join(map(re.escape, self.tree)) + "]")

    def spans(self, line):
        """(start, end, label) of each text found in `line`, left to right, never overlapping."""
        spans, free_from = [], 0
        for match in self.first_characters.finditer(line):
            if match.start() >= free_from and (span := self._longest_at(line, match.start())):
                spans.append(span)
                free_from = span[1]
        return spans

    def _longest_at(self, line, start):
        """The span of the longest text that starts at `start` in `line`, or None."""
        node, longest = self.tree, None
        for index in range(start, len(line)):
            node = node.get(line[index])
            if node is None:
                break
            if _LABEL in node:
                longest = (start, index + 1, node[_LABEL])
        return longest


#: the key under which a tree node holds the label of the text that ends there
_LABEL = None


def _flagged_segments(segments, texts):
    """The segments of a line cut where findings begin and end, those within one flagged."""
    line = "".join(segment.text for segment in segments)
    spans = texts.spans(line)
    if not spans:
        return segments
    bounds = [cut for start, end, _ in spans for cut in (start, end)]
    pieces, start = [], 0
    for segment in segments:
        end = start + len(segment.text)
        inside = bounds[bisect.bisect_right(bounds, start):bisect.bisect_left(bounds, end)]
        cuts = [start, *inside, end]
        pieces.extend(
            replace(segment, text=line[left:right], flag=_flag_at(spans, left))
            for left, right in zip(cuts, cuts[1:]) if left < right
        )
        start = end
    return pieces


def _flag_at(spans, position):
    """The label of the finding at `position` in a line, or ""."""
    index = bisect.bisect_right(spans, position, key=itemgetter(0)) - 1
    if index >= 0 and position < spans[index][1]:
        return spans[index][2]
    return ""
