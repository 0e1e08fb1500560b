"""The search benchmark's text and queries: a Zipf-like vocabulary, page bodies, a fixed query set.

Everything here is deterministic (seeded); nothing imports the app. See search_bench.py.

Vocabulary: about 400 common English words first (the most frequent ranks), then about 20,000
pseudo-words with the single-word domain words of corpus.py scattered among the first thousand
of them. Words are drawn with weight 1 / rank**1.07 (ZIPF_EXPONENT). Every pseudo-word is its own
Porter stem and no two share a stem, so a query for one finds exactly the pages holding it.
Each page also holds three capitalised names used nowhere else (hapaxes), the rarest words of
a real handbook (people, places, products).

Page i's text does not depend on how many pages the corpus has (its own random streams; the
wiki links, which do depend on it, use a separate stream), so the query set, which is drawn from
the first 1,000 pages, is the same for every corpus size of at least 1,000 pages.
"""

import itertools
import random
import re
from dataclasses import dataclass
from dataclasses import field

from whoosh.lang.porter import stem as porter_stem

ZIPF_EXPONENT = 1.07
PSEUDO_WORDS = 20_000
WORDS_PER_PAGE = (950, 1250)  # sampled words a page; names and link texts come on top
NAMES_PER_PAGE = 3
QUERY_PAGES = 1000  # phrases, names and rare words are taken from pages below this index

#: Common English words, roughly in order of frequency (function words first).
ENGLISH = """
the of and to a in is it you that he was for on are with as i his they be at one have this
from or had by not word but what some we can out other were all there when up use your how
said an each she which do their time if will way about many then them write would like so
these her long make thing see him two has look more day could go come did number sound no most
people my over know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came show every good me
give our under name very through just form sentence great think say help low line differ turn
cause much mean before move right boy old too same tell does set three want air well also play
small end put home read hand port large spell add even land here must big high such follow act
why ask men change went light kind off need house picture try us again animal point mother world
near build self earth father head stand own page should country found answer school grow study
still learn plant cover food sun four between state keep eye never last let thought city tree
cross farm hard start might story saw far sea draw left late run while press close night real
life few north open seem together next white children begin got walk example ease paper group
always music those both mark often letter until mile river car feet care second book carry took
science eat room friend began idea fish mountain stop once base hear horse cut sure watch color
face wood main enough plain girl usual young ready above ever red list though feel talk bird
soon body dog family direct pose leave song measure door product black short numeral class wind
question happen complete ship area half rock order fire south problem piece told knew pass since
top whole king space heard best hour better true during hundred five remember step early hold
west ground interest reach fast verb sing listen six table travel less morning ten simple
several vowel toward war lay against pattern slow center love person money serve appear road
map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark
machine note wait plan figure star box noun field rest correct able pound done beauty drive
stood contain front teach week final gave green quick develop ocean warm free minute strong
special mind behind clear tail produce fact street inch multiply nothing course stay wheel full
force blue object decide surface deep moon island foot system busy test record boat common gold
possible plane dry wonder laugh thousand ago ran check game shape hot miss brought heat snow
bring yes distant fill east paint language among
""".split()

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "kl", "pl", "st", "tr", "sk", "sh", "th", "ch")
_VOWELS = ("a", "e", "i", "o", "u", "a", "o", "ai", "ou")
_CODAS = ("", "", "", "", "n", "m", "r", "l", "s")
_ENDINGS = ("a", "o", "u", "an", "or", "ul", "ak", "im", "et", "uz", "in", "ot")


def _pseudo_word(rng):
    """A pronounceable made-up word of 1-3 syllables plus an ending (about 7 letters)."""
    syllables = rng.choice((1, 1, 2, 2, 2, 3))
    parts = []
    for number in range(syllables):
        parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS))
        if number < syllables - 1:
            parts.append(rng.choice(_CODAS))
    parts.append(rng.choice(_ONSETS) + rng.choice(_ENDINGS))
    return "".join(parts)


@dataclass
class Vocabulary:
    """Words by rank (0 = most frequent) and cumulative Zipf weights for sampling."""

    words: list
    cumulative: list
    english: int  # how many of the first ranks are English words
    total_weight: float = 0.0

    def sample(self, rng, count):
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def rank(self, word):
        return self._ranks[word]

    def __post_init__(self):
        self._ranks = {word: rank for rank, word in enumerate(self.words)}
        self.total_weight = self.cumulative[-1]


def _corpus():
    """corpus.py (read only), imported as a package module or from this folder."""
    if __package__:
        from . import corpus
    else:
        import corpus
    return corpus


def domain_words():
    """Single words of corpus.py's vocabulary (real words of the handbook's domain)."""
    corpus = _corpus()
    return [word for word in (*corpus.NOUNS, *corpus.ADJECTIVES, *corpus.VERBS)
            if re.fullmatch(r"[a-z]+", word)]


def build_vocabulary(seed=1, pseudo_words=PSEUDO_WORDS, exponent=ZIPF_EXPONENT):
    rng = random.Random(f"search-vocabulary-{seed}")
    words, known, stems = [], set(), set()

    def add(word):
        word_stem = porter_stem(word)
        if word in known or word_stem in stems:
            return False
        words.append(word)
        known.add(word)
        stems.add(word_stem)
        return True

    for word in ENGLISH:  # English words may share stems (work, works): real text does
        if word not in known:
            words.append(word)
            known.add(word)
            stems.add(porter_stem(word))
    english = len(words)
    domain = [word for word in domain_words() if porter_stem(word) not in stems]
    pseudo = 0
    while pseudo < pseudo_words:
        if domain and pseudo % 10 == 5:
            if add(domain[0]):
                domain.pop(0)
                continue
            domain.pop(0)
        word = _pseudo_word(rng)
        if porter_stem(word) != word:  # keep pseudo-words their own stems (exact matches)
            continue
        if add(word):
            pseudo += 1
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(len(words))))
    return Vocabulary(words, cumulative, english)


_NAME_SYLLABLES = [onset + vowel for onset in ("b", "d", "g", "k", "l", "m", "n", "p", "r", "t", "v", "z", "sh", "th", "kr", "pr")
                   for vowel in ("a", "e", "i", "o", "u", "y")]  # 96 syllables


def page_name(index, number):
    """The `number`th hapax name of page `index`: unique in the corpus, ends in -ix."""
    base = len(_NAME_SYLLABLES)
    value = (index * NAMES_PER_PAGE + number) * 400_009 % base ** 3  # a bijection: 400009 is prime
    syllables = []
    for _ in range(3):  # 96**3 = 884,736 names
        value, digit = divmod(value, base)
        syllables.append(_NAME_SYLLABLES[digit])
    return ("".join(syllables) + "x").capitalize()


@dataclass
class GeneratedPage:
    body: str                      # markdown
    sentences: list = field(default_factory=list)  # word lists of unformatted sentences
    names: list = field(default_factory=list)
    words: int = 0                 # words of text generated (not counting link targets)
    summary: str = ""


def _sentence_words(vocabulary, rng, count):
    return vocabulary.sample(rng, count)


def _format_sentence(words, rng, plain):
    """Capitalised words with a comma or two; (text, plain?)."""
    words = list(words)
    if not plain and len(words) >= 4:
        at = rng.randrange(len(words) - 1)
        mark = "**" if rng.random() < 0.6 else "*"
        words[at] = mark + words[at]
        words[at + 1] = words[at + 1] + mark
    if len(words) > 9 and rng.random() < 0.5:
        at = rng.randrange(3, len(words) - 3)
        words[at] = words[at] + ","
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def generate_page(vocabulary, seed, index, link_titles=None):
    """The body of page `index`: ## headings, paragraphs, some lists, names and wiki links."""
    rng = random.Random(f"search-page-{seed}-{index}")
    link_rng = random.Random(f"search-links-{seed}-{index}")
    budget = rng.randint(*WORDS_PER_PAGE)
    names = [page_name(index, number) for number in range(NAMES_PER_PAGE)]
    page = GeneratedPage(body="", names=names)
    links = 0
    if link_titles:
        link = _corpus()._link  # [[Title]] or [[slug|label]], sometimes to a missing page
        links = [link(link_rng, link_titles, index) for _ in range(link_rng.randint(2, 4))]
    blocks = []
    used = 0
    name_at = sorted(rng.sample(range(budget), NAMES_PER_PAGE))
    pending_names = list(names)

    def words_for(count):
        nonlocal used
        chosen = _sentence_words(vocabulary, rng, count)
        while pending_names and name_at[NAMES_PER_PAGE - len(pending_names)] < used + count:
            chosen[rng.randrange(len(chosen))] = pending_names.pop(0)
        used += count
        return chosen

    while used < budget:
        heading = words_for(rng.randint(2, 5))
        blocks.append("## " + " ".join(heading).capitalize())
        for _ in range(rng.randint(1, 3)):
            sentences = []
            for _ in range(rng.randint(3, 7)):
                words = words_for(rng.randint(6, 22))
                plain = rng.random() >= 0.08
                text = _format_sentence(words, rng, plain)
                if plain:
                    page.sentences.append([word.strip(",") for word in words])
                if links and link_rng.random() < 0.1:  # never touches `rng`
                    text = text[:-1] + f" (see {links.pop()})."
                sentences.append(text)
            blocks.append(" ".join(sentences))
            if used >= budget:
                break
        if used < budget and rng.random() < 0.3:
            items = [_format_sentence(words_for(rng.randint(4, 12)), rng, True)
                     for _ in range(rng.randint(3, 6))]
            blocks.append("\n".join(f"- {item}" for item in items))
    if links:
        blocks.append("Related pages: " + ", ".join(links) + ".")
    page.body = "\n\n".join(blocks) + "\n"
    page.words = used
    page.summary = _format_sentence(_sentence_words(vocabulary, rng, 8), rng, True)
    return page


# -- the query set ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchQuery:
    kind: str   # common, rare, two-word, phrase, prefix, misspelt
    text: str   # in the handbook's query language
    words: tuple  # the words (or the prefix) it is made of

    def fts5(self):
        """The same query in FTS5 syntax: words ANDed, phrases quoted, prefix*."""
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        if self.kind == "prefix":
            return f'"{self.words[0]}"*'
        return " AND ".join(f'"{word}"' for word in self.words)


COMMON_RANKS = (0, 1, 2, 4, 7, 11, 16, 23, 32, 45, 64, 90, 128, 180, 256)


def build_queries(vocabulary, seed=1, pages=QUERY_PAGES):
    """70 queries: 15 common, 15 rare, 15 two-word, 15 phrases, 6 prefixes, 4 misspelt words."""
    queries = []
    words = vocabulary.words
    # common words: ranks spread over the head of the distribution ("the" matches every page)
    queries += [BenchQuery("common", words[rank], (words[rank],)) for rank in COMMON_RANKS]

    # rare: 8 hapax names and 7 tail words that occur in one or two of the first `pages` pages
    generated = [generate_page(vocabulary, seed, index) for index in range(pages)]
    name_pages = [5 + 131 * number for number in range(8)]
    for index in name_pages:
        name = generated[index % pages].names[number_of(index)]
        queries.append(BenchQuery("rare", name, (name.lower(),)))
    tail_start = len(words) - 3000
    seen = {}
    for page in generated:
        for sentence in page.sentences:
            for word in sentence:
                rank = vocabulary._ranks.get(word)
                if rank is not None and rank >= tail_start:
                    seen.setdefault(word, set()).add(id(page))
    tail = sorted((vocabulary.rank(word), word) for word, where in seen.items() if len(where) <= 2)
    step = max(1, len(tail) // 7)
    for _, word in tail[::step][:7]:
        queries.append(BenchQuery("rare", word, (word,)))

    # two words: a frequent word (ranks 20-300) and a mid-frequency one (ranks 400-5000)
    for number in range(15):
        first, second = words[20 + 19 * number], words[400 + 331 * number]
        queries.append(BenchQuery("two-word", f"{first} {second}", (first, second)))

    # phrases of 2-4 consecutive words from unformatted sentences of fixed pages
    for number in range(15):
        index = (17 + 61 * number) % pages
        sentences = generated[index].sentences
        sentence = sentences[(7 * number) % len(sentences)]
        length = (2, 3, 3, 4)[number % 4]
        start = (3 * number) % max(1, len(sentence) - length)
        phrase = [word.lower() for word in sentence[start:start + length]]
        queries.append(BenchQuery("phrase", '"' + " ".join(phrase) + '"', tuple(phrase)))

    # prefixes of 3-4 letters: of two English words, a domain word and three pseudo-words
    prefix_words = [words[vocabulary.english // 3], words[vocabulary.english // 2],
                    next(word for word in words[vocabulary.english:] if word in domain_words()),
                    words[vocabulary.english + 40], words[vocabulary.english + 900],
                    words[vocabulary.english + 6000]]
    for number, word in enumerate(prefix_words):
        prefix = word[:3 + number % 2] if len(word) > 4 else word[:3]
        queries.append(BenchQuery("prefix", prefix + "*", (prefix,)))
    # misspelt words (two letters swapped), unknown to the index: what as-you-type search sends
    # all the time; they find nothing, so the app asks its spelling corrector for a suggestion
    known = set(words)
    for rank in (vocabulary.english // 4, vocabulary.english + 10, vocabulary.english + 100,
                 vocabulary.english + 1000):
        for word in words[rank:]:  # the first word from this rank on that gives a new typo
            typos = [word[:at] + word[at + 1] + word[at] + word[at + 2:] for at in range(1, len(word) - 2)]
            typos = [typo for typo in typos if typo != word and typo not in known
                     and porter_stem(typo) not in known]
            if typos:
                queries.append(BenchQuery("misspelt", typos[0], (typos[0],)))
                known.add(typos[0])
                break
    return queries


def number_of(index):
    """Which of a page's names the rare-word query uses (varies with the page)."""
    return index % NAMES_PER_PAGE


def word_count(text):
    return len(re.findall(r"\w+", text))


def describe(vocabulary):
    """A line about the vocabulary for the report."""
    head = sum(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(10)) / vocabulary.total_weight
    return (f"{len(vocabulary.words):,} words ({vocabulary.english} English, the rest pseudo-words "
            f"and domain words), weight 1/rank^{ZIPF_EXPONENT}; the 10 commonest words are "
            f"{head:.0%} of the text; +{NAMES_PER_PAGE} unique names a page")


