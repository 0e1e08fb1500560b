"""What the Atom feeds say about each published revision: its edit summary and the change
itself (the lines it added and removed against the previous visible version), not the page."""

from dataclasses import dataclass

from handbook.diffing import line_diff
from handbook.services import reading

#: changed lines an entry shows before "and N more"
SHOWN_LINES = 20


@dataclass
class FeedEntry:
    revision: object
    added: int
    removed: int
    #: the first changed lines (DiffLine rows of kind "added" or "removed")
    lines: list
    more: int


def entries(session, section_id=None):
    """The feed's entries, newest first: the whole handbook's, or one section's."""
    found = []
    for revision in reading.recent_changes(session, section_id=section_id):
        if revision.text_hidden:
            found.append(FeedEntry(revision, 0, 0, [], 0))
            continue
        previous = reading.previous_published(session, revision)
        before = previous.body if previous is not None else ""
        changed = [row for row in line_diff(before, revision.body, context=0)
                   if row.kind in ("added", "removed")]
        added = sum(1 for row in changed if row.kind == "added")
        found.append(FeedEntry(revision, added, len(changed) - added, changed[:SHOWN_LINES],
                               max(0, len(changed) - SHOWN_LINES)))
    return found
