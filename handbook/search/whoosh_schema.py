"""What the Whoosh index holds for a page: only public fields of its published revision."""

import pickle
from collections import Counter
from collections import defaultdict
from itertools import accumulate
from operator import sub

from whoosh.analysis import LowercaseFilter
from whoosh.analysis import RegexTokenizer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN
from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import STORED
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE
from whoosh.system import pack_uint

from handbook.search import analysis

#: positions left empty between the parts of a field (title, each heading, body), so that no
#: phrase runs from one into the next
PART_GAP = 100
#: how much a word counts where it stands: titles most, then headings, then the body
TITLE_WEIGHT = 4.0
HEADING_WEIGHT = 2.0
BODY_WEIGHT = 1.0
TAG_SEPARATOR = "\x1f"
_ONE = pack_uint(1)


class DeltaPositions(Positions):
    """Whoosh's position format (a pickled list of gaps), encoded and decoded without a Python
    loop over the positions: phrase queries decode thousands of these."""

    def encode(self, positions):
        if len(positions) == 1:  # most terms of a page: no gaps to work out
            return _ONE + pickle.dumps(positions, 2)
        return pack_uint(len(positions)) + pickle.dumps(list(map(sub, positions, [0, *positions])), 2)

    def decode_positions(self, valuestring):
        return list(accumulate(pickle.loads(valuestring[_INT_SIZE:])))


class WeightedText(TEXT):
    """Text given as (text, weight) parts, e.g. a title, each heading and the body of a page.

    A term's weight is the sum of the weights where it occurs (the weighted term frequency of
    BM25F): one field and one posting list per term for the whole page, so a query reads one
    list instead of one for each part. Terms come from `analysis.stems`.
    """

    def __init__(self):
        super().__init__(analyzer=RegexTokenizer() | LowercaseFilter())
        self.format = DeltaPositions()

    def index(self, parts, **kwargs):
        """(term bytes, frequency, weight, encoded positions) for each distinct term."""
        positions, weights = defaultdict(list), Counter()
        start = 0
        for text, weight in parts:
            terms = analysis.stems(text)
            for position, term in enumerate(terms, start):
                positions[term].append(position)
            for term, count in Counter(terms).items():
                weights[term] += count * weight
            start += len(terms) + PART_GAP
        encode = self.format.encode
        return [(term.encode(), len(where), weights[term], encode(where))
                for term, where in positions.items()]


SCHEMA = Schema(
    page_id=ID(stored=True, unique=True),
    slug=STORED,
    revision_id=STORED,
    #: title, headings and body, weighted: what words and phrases without a field search
    text=WeightedText(),
    #: for title: queries
    title=WeightedText(),
    #: for section: queries
    section_title=WeightedText(),
    #: the words of titles and headings, unstemmed: where spelling suggestions come from (every
    #: body word would make the vocabulary to search much larger and indexing slower)
    topics=TEXT(analyzer=RegexTokenizer() | LowercaseFilter(), phrase=False),
    #: sortable: its column gives the section of each hit for the facet counts
    section_slug=ID(sortable=True),
    #: comma-separated, lower-cased, so "systems convening" is one tag
    tags=KEYWORD(commas=True, lowercase=True),
    #: the same tags as one column value, for the facet counts
    tag_list=COLUMN(VarBytesColumn()),
)


def fields(document):
    """The fields to index for a `documents.SearchDocument`."""
    headings = document.headings.splitlines()
    return {
        "page_id": str(document.page_id), "slug": document.slug,
        "revision_id": document.revision_id,
        "text": [(document.title, TITLE_WEIGHT)]
        + [(heading, HEADING_WEIGHT) for heading in headings]
        + [(document.body, BODY_WEIGHT)],
        "title": [(document.title, 1.0)],
        "section_title": [(document.section_title, 1.0)],
        "topics": "\n".join([document.title, *headings]),
        "section_slug": document.section_slug,
        "tags": ",".join(tag.lower() for tag in document.tags),
        "tag_list": TAG_SEPARATOR.join(tag.lower() for tag in document.tags).encode(),
    }


def field_types(schema):
    """{field name: field class}: tells whether an index was written with this schema."""
    return {name: type(schema[name]) for name in schema.names()}
