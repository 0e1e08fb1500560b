"""Line diffs with changed words marked, and three-way merges of page texts."""

import difflib
import re
from dataclasses import dataclass

import merge3

from handbook import text_passages

_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class Segment:
    """A run of text within a line; `changed` runs are highlighted, and a `flag` (the label of
    what the confidentiality guard found there) is shown on it."""

    text: str
    changed: bool = False
    flag: str = ""


@dataclass
class DiffLine:
    """One row of a diff: kind is "context", "removed", "added" or "gap"."""

    kind: str
    old_number: int | None
    new_number: int | None
    segments: list


@dataclass
class MergeResult:
    """A merged text, or the conflicting regions when both sides changed the same lines."""

    text: str
    conflicts: list


def line_diff(old, new, context=3):
    """Rows of a unified line diff between two texts, with changed words marked."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows = []
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffLine("gap", None, None, []))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    DiffLine("context", i + 1, j + 1, [Segment(old_lines[i])])
                    for i, j in zip(range(i1, i2), range(j1, j2))
                )
            elif tag == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    removed, added = word_diff(old_lines[i], new_lines[j])
                    rows.append(DiffLine("removed", i + 1, None, removed))
                    rows.append(DiffLine("added", None, j + 1, added))
            else:
                rows.extend(
                    DiffLine("removed", i + 1, None, [Segment(old_lines[i], True)])
                    for i in range(i1, i2)
                )
                rows.extend(
                    DiffLine("added", None, j + 1, [Segment(new_lines[j], True)])
                    for j in range(j1, j2)
                )
    return rows


def word_diff(old_line, new_line):
    """The two lines split into segments, with the words that differ marked as changed."""
    old_words = _WORDS.findall(old_line)
    new_words = _WORDS.findall(new_line)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            removed.append(Segment("".join(old_words[i1:i2]), changed))
        if j2 > j1:
            added.append(Segment("".join(new_words[j1:j2]), changed))
    return removed, added


def change_size(old, new):
    """Lines added and removed between two texts: (added, removed)."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


#: the lines that mark a conflict in a text for its author to resolve
MINE_MARK = "<<<<<<< your text"
SPLIT_MARK = "======="
THEIRS_MARK = ">>>>>>> published text"


def three_way_merge(base, theirs, mine, markers=False):
    """Merge `mine` and `theirs`, both descended from `base`; report overlapping changes.
    With `markers`, a conflict is written into the text between marker lines."""
    merger = merge3.Merge3(
        _lines(base), _lines(theirs), _lines(mine), is_cherrypick=False
    )
    merged, conflicts = [], []
    for region in merger.merge_regions():
        kind = region[0]
        if kind == "unchanged":
            merged.extend(merger.base[region[1]:region[2]])
        elif kind in ("a", "same"):
            merged.extend(merger.a[region[1]:region[2]])
        elif kind == "b":
            merged.extend(merger.b[region[1]:region[2]])
        else:
            _, _, _, a1, a2, b1, b2 = region
            conflicts.append(("".join(merger.a[a1:a2]), "".join(merger.b[b1:b2])))
            if markers:
                merged.extend([MINE_MARK + "\n", *merger.b[b1:b2], SPLIT_MARK + "\n",
                               *merger.a[a1:a2], THEIRS_MARK + "\n"])
    return MergeResult("".join(merged), conflicts)


def _lines(text):
    """Lines with their endings; a missing final newline is added so merges stay aligned."""
    if text and not text.endswith("\n"):
        text += "\n"
    return text.splitlines(True)


def has_conflict_marks(text):
    """True while a text still holds the lines that mark an unresolved conflict."""
    lines = set(text.splitlines())
    return MINE_MARK in lines or THEIRS_MARK in lines


@dataclass
class SplitRow:
    """One row of a side-by-side diff: the old line on the left, the new on the right (either
    may be None where a line was only removed or only added); a gap has neither."""

    left: DiffLine | None
    right: DiffLine | None
    gap: bool = False


def side_by_side(rows):
    """The rows of `line_diff` paired for two columns: each run of removed lines beside the
    run of added lines that replaced it."""
    paired, removed, added = [], [], []

    def flush():
        for number in range(max(len(removed), len(added))):
            paired.append(SplitRow(removed[number] if number < len(removed) else None,
                                   added[number] if number < len(added) else None))
        removed.clear()
        added.clear()

    for row in rows:
        if row.kind == "removed":
            removed.append(row)
        elif row.kind == "added":
            added.append(row)
        else:
            flush()
            paired.append(SplitRow(None, None, gap=True) if row.kind == "gap" else SplitRow(row, row))
    flush()
    return paired


_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]]+\]:")


def changed_passages(old, new):
    """The passages of `new` that are not in `old` word for word (new or changed), each with
    the footnote definitions of `new`, so that each renders on its own."""
    before = set(text_passages.texts(old))
    notes = "\n".join(line for line in new.splitlines() if _FOOTNOTE_DEFINITION.match(line))
    changed = [passage for passage in text_passages.texts(new) if passage not in before]
    return [f"{passage}\n{notes}\n" if notes and "[^" in passage else passage
            for passage in changed]
