"""Generate a deterministic handbook of N pages in the content/ format, for benchmarks."""

import argparse
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: Words the generated prose is built from; a small, plausible vocabulary of the domain.
NOUNS = (
    "network", "practice", "relationship", "boundary", "landscape", "team", "service",
    "pathway", "community", "convener", "partnership", "system", "meeting", "workshop",
    "review", "measure", "outcome", "patient", "carer", "clinician", "manager", "board",
    "referral", "handover", "ward", "practice nurse", "pharmacist", "volunteer", "budget",
    "strategy", "pilot", "evaluation", "protocol", "rota", "dashboard", "survey", "story",
    "conversation", "agreement", "routine", "role", "connector", "broker", "champion",
)
ADJECTIVES = (
    "shared", "local", "regional", "informal", "formal", "weekly", "honest", "small",
    "cross-boundary", "reflective", "practical", "hidden", "visible", "joint", "early",
    "patient-led", "distributed", "relational", "careful", "open", "trusted", "steady",
)
VERBS = (
    "connects", "supports", "challenges", "strengthens", "maps", "reframes", "invites",
    "tests", "measures", "records", "protects", "slows", "speeds up", "clarifies",
    "widens", "narrows", "reveals", "sustains", "replaces", "complements",
)
ADVERBS = (
    "quietly", "deliberately", "often", "rarely", "gradually", "in practice", "over time",
    "at first", "eventually", "sometimes", "without fuss", "by design",
)
OPENERS = (
    "In most teams", "Across the system", "On a busy ward", "In our experience",
    "For new conveners", "In the first month", "When resources are tight",
    "During a restructure", "In primary care", "Between organisations",
)
TOPICS = (
    "Relational coordination", "Network weaving", "Improvement labs", "Communities of practice",
    "Randomised coffee trials", "Boundary spanning", "Shared purpose", "Psychological safety",
    "Peer review", "Care navigation", "Discharge planning", "Quality improvement",
    "Population health", "Co-production", "Action learning", "Appreciative inquiry",
    "Systems mapping", "Stakeholder analysis", "Feedback loops", "Learning reviews",
    "Huddles", "Rapid cycles", "Neighbourhood teams", "Integrated care", "Spread and adoption",
)
ASPECTS = (
    "basics", "in practice", "for beginners", "at scale", "pitfalls", "checklist",
    "case notes", "a worked example", "measures", "questions to ask", "roles", "timelines",
    "common objections", "evidence", "templates", "what to avoid", "first steps",
)
SETTINGS = (
    "primary care", "mental health", "acute trusts", "social care", "the community",
    "children's services", "urgent care", "public health", "the voluntary sector",
)
HEADINGS = (
    "Why it matters", "What it looks like", "Getting started", "Who to involve",
    "Common pitfalls", "Measuring progress", "A short example", "Questions to ask",
    "What we learned", "Further reading", "Working with others", "Keeping it going",
)
TAGS = (
    "networks", "methods", "leadership", "measurement", "reflection", "case study",
    "relationships", "tools", "spread", "improvement", "evidence", "teams",
)
SECTION_WORDS = (
    "Foundations", "Methods", "Roles", "Measures", "Stories", "Tools", "Settings",
    "Practice", "Evidence", "Partnerships", "Learning", "Leadership",
)


@dataclass
class PageSpec:
    """One generated page: where it lives and what readers will request."""

    section_dir: str
    slug: str
    title: str


def slugify(text):
    """The same slug rule as handbook.rendering.slugify (kept here so generation needs no app)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].strip("-") or "page"


def _titles(rng, count):
    """`count` distinct titles (distinct slugs too), drawn without replacement."""
    combos = [f"{topic}: {aspect} in {setting}"
              for topic in TOPICS for aspect in ASPECTS for setting in SETTINGS]
    combos += [f"{first} and {second.lower()}: {aspect}"
               for first in TOPICS for second in TOPICS if first != second for aspect in ASPECTS]
    rng.shuffle(combos)
    titles = []
    seen = set()
    round_number = 1
    while len(titles) < count:
        for title in combos:
            if round_number > 1:
                title = f"{title} ({round_number})"
            slug = slugify(title)
            if slug not in seen:
                seen.add(slug)
                titles.append(title)
                if len(titles) == count:
                    break
        round_number += 1
    return titles


def _sentence(rng):
    subject = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    obj = f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    tail = rng.choice((
        f" {rng.choice(ADVERBS)}",
        f", which {rng.choice(VERBS)} {rng.choice(('each', 'every', 'the'))} {rng.choice(NOUNS)}",
        f" when the {rng.choice(NOUNS)} is {rng.choice(ADJECTIVES)}",
        "",
    ))
    emphasis = rng.random()
    if emphasis < 0.08:
        subject = f"**{subject}**"
    elif emphasis < 0.14:
        obj = f"*{obj}*"
    article = "an" if subject.lstrip("*")[0] in "aeiou" else "a"
    return f"{rng.choice(OPENERS)}, {article} {subject} {rng.choice(VERBS)} {obj}{tail}."


def _paragraph(rng, links, chance=1.0):
    sentences = [_sentence(rng) for _ in range(rng.randint(3, 6))]
    if links and rng.random() < chance:
        at = rng.randrange(len(sentences))
        sentences[at] = sentences[at][:-1] + f" (see {links.pop()})."
    return " ".join(sentences)


def _bullets(rng, ordered):
    items = []
    for number in range(1, rng.randint(3, 6) + 1):
        marker = f"{number}." if ordered else "-"
        items.append(f"{marker} {_sentence(rng)}")
    return "\n".join(items)


def _table(rng):
    rows = ["| Role | What they do | How often |", "|---|---|---|"]
    for _ in range(rng.randint(3, 5)):
        rows.append(
            f"| {rng.choice(NOUNS).capitalize()} | {rng.choice(VERBS)} the {rng.choice(NOUNS)} "
            f"| {rng.choice(('weekly', 'monthly', 'daily', 'each quarter', 'as needed'))} |"
        )
    return "\n".join(rows)


def _link(rng, titles, own_index):
    """A [[wiki link]] to another generated page, or (about one in five) to a missing page."""
    if rng.random() < 0.2:
        return f"[[{rng.choice(TOPICS)} {rng.choice(ASPECTS)} (draft {rng.randint(1, 999)})]]"
    index = rng.randrange(len(titles))
    if index == own_index:
        index = (index + 1) % len(titles)
    title = titles[index]
    if rng.random() < 0.3:
        return f"[[{slugify(title)}|{title.split(':')[0].lower()}]]"
    return f"[[{title}]]"


def _body(rng, titles, own_index, target_chars):
    """Blocks of ## heading, paragraphs, a list or a table, until about `target_chars`."""
    links = [_link(rng, titles, own_index) for _ in range(rng.randint(3, 6))] if len(titles) > 1 else []
    blocks = []
    headings = rng.sample(HEADINGS, len(HEADINGS))
    size = 0
    while size < target_chars:
        heading = headings[len(blocks) % len(headings)]
        part = [f"## {heading}", _paragraph(rng, links, 0.7)]
        roll = rng.random()
        if roll < 0.45:
            part.append(_bullets(rng, ordered=roll < 0.15))
        elif roll < 0.6:
            part.append(_table(rng))
        elif roll < 0.8:
            part.append(_paragraph(rng, links, 0.7))
        block = "\n\n".join(part)
        blocks.append(block)
        size += len(block) + 2
    if links:
        blocks.append("Related pages: " + ", ".join(links) + ".")
    return "\n\n".join(blocks) + "\n"


def _front(meta):
    lines = ["---"]
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(value)}]")
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key}: "{escaped}"')
    lines.append("---")
    return "\n".join(lines) + "\n"


def default_sections(pages):
    """About 250 pages a section, at least 4 sections (never more sections than pages)."""
    return max(1, min(pages, max(4, pages // 250)))


def generate(folder, pages, sections=None, seed=1):
    """Write `pages` pages in `sections` sections under `folder`; returns their PageSpecs.

    The same (pages, sections, seed) always writes byte-identical files.
    """
    rng = random.Random(seed)
    sections = sections or default_sections(pages)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    titles = _titles(rng, pages)
    specs = []
    section_dirs = []
    width = max(2, len(str(sections)))
    for number in range(1, sections + 1):
        name = f"{rng.choice(SECTION_WORDS)} {number}"
        section_dir = folder / f"{number:0{width}d}-{slugify(name)}"
        section_dir.mkdir(exist_ok=True)
        intro = "\n\n".join(_paragraph(rng, []) for _ in range(2))
        (section_dir / "_section.md").write_text(
            _front({"title": name, "order": number,
                    "summary": f"Generated section {number} of {sections}."}) + intro + "\n",
            encoding="utf-8",
        )
        section_dirs.append(section_dir)
    for index, title in enumerate(titles):
        section_dir = section_dirs[index * sections // pages]
        slug = slugify(title)
        meta = {
            "title": title,
            "order": index + 1,
            "tags": rng.sample(TAGS, rng.randint(1, 3)),
            "summary": _sentence(rng),
        }
        body = _body(rng, titles, index, rng.randint(2800, 5200))
        (section_dir / f"{slug}.md").write_text(_front(meta) + body, encoding="utf-8")
        specs.append(PageSpec(section_dir=section_dir.name, slug=slug, title=title))
    return specs


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write a generated handbook in the content/ format.")
    parser.add_argument("folder", help="Where to write the content folder (created if missing).")
    parser.add_argument("--pages", type=int, default=1000, help="Number of pages (default 1000).")
    parser.add_argument("--sections", type=int, default=None,
                        help="Number of sections (default: about 250 pages each, at least 4).")
    parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
    args = parser.parse_args(argv)
    specs = generate(args.folder, args.pages, args.sections, args.seed)
    print(f"Wrote {len(specs)} pages to {args.folder}")


if __name__ == "__main__":
    main()
