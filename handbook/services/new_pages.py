"""Publishing many pages new to the handbook at once (an import), in a few statements.

Each page ends as `pages.add_revision` then `pages.publish` would leave it: its first revision
published by the reviewer, its links recorded, its review noted, its section's watchers told,
and the same changes declared for after the commit. New pages have no proposals to rebase and
no redirects or old links to replace.
"""

from dataclasses import dataclass

from handbook import changes
from handbook.models import Link
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import utcnow
from handbook.rendering import link_targets
from handbook.services import events
from handbook.services import freshness
from handbook.services import links
from handbook.services import media
from handbook.services import watching


@dataclass
class Draft:
    """A page not yet in the database (no id) with its first text, already rendered."""

    page: Page
    title: str
    body: str
    rendered: object


def publish(session, reviewer, drafts, summary="First version"):
    """Add every draft's page and publish its text (inside the caller's write)."""
    if not drafts:
        return
    now = utcnow()
    reviewed = freshness.counts_as_review(reviewer)
    revisions = []
    for draft in drafts:
        revision = Revision(page=draft.page, title=draft.title, body=draft.body, summary=summary,
                            author_id=reviewer.id, status=RevisionStatus.published,
                            published_at=now, reviewer_id=reviewer.id, reviewed_at=now)
        links.store_rendering(revision, draft.rendered)
        draft.page.current_revision = revision
        if reviewed:
            freshness.note_review(draft.page, reviewer, now)
        revisions.append(revision)
    session.add_all(revisions)
    session.flush()
    session.add_all(Link(source_page_id=draft.page.id, target_slug=key)
                    for draft in drafts for key in sorted(link_targets(draft.body)))
    for draft in drafts:
        media.publish_used(session, draft.body)
    changes.page_changed(session, *(draft.page.id for draft in drafts), placed=True)
    changes.addresses_changed(session, {key for draft in drafts
                                        for key in (draft.page.slug, draft.page.title_key)} - {""})
    watchers = {}  # a new page has no watchers of its own: its section's, asked once
    for draft, revision in zip(drafts, revisions):
        section_id = draft.page.section_id
        if section_id not in watchers:
            watchers[section_id] = watching.watchers(session, draft.page)
        events.watched_change(session, draft.page, revision, reviewer,
                              watchers=watchers[section_id])
