"""How text becomes search terms: words, lower-cased, Porter-stemmed.

One definition for the Whoosh index, its queries and the highlighted snippets, so that what is
marked in a snippet is what was matched. Plain functions over `re` and a stem cache: indexing
10,000 pages tokenises about 11 million words, and Whoosh's analyzer chain (a token object per
word through four generators) took about half of a full rebuild.
"""

import re
from functools import lru_cache

from whoosh.lang.porter import stem as porter_stem

#: Whoosh's default tokenizer expression: "e.g." and "3.5" stay one word
WORD = re.compile(r"\w+(?:\.?\w+)*")
#: words spelt two ways that search treats as one: the handbook writes "convenor", many of
#: its sources "convener"; searched as "convener", so that they also meet "convene" and
#: "convening" (all stem to "conven")
SPELLINGS = {"convenor": "convener", "convenors": "conveners"}
_SPELLING = re.compile(r"\b(?:" + "|".join(SPELLINGS) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=200_000)
def stem(word):
    """The Porter stem of a lower-cased word, one spelling for words spelt two ways."""
    return porter_stem(SPELLINGS.get(word, word))


def one_spelling(text):
    """`text` with each word of SPELLINGS written one way (for PostgreSQL, whose synonym
    dictionaries would need files on the database server)."""
    return _SPELLING.sub(lambda match: SPELLINGS[match.group(0).lower()], text)


def words(text):
    """The words of `text`, lower-cased, in order."""
    return WORD.findall(text.lower())


def stems(text):
    """The search terms of `text`, in order."""
    return list(map(stem, words(text)))
