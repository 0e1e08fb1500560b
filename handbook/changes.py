"""Side effects, declared where they are caused and fired on commit from this one place.

Services say what changed: `page_changed` (a page's public text or tags; `placed=True` when
its title, place in its section or presence changed too),
`page_shown_changed` (only what a page's own view shows, such as its comment count),
`links_changed` (keys a page linked to before this change),
`addresses_changed` (wiki-link keys that started or stopped leading to a page),
`rendering_owed` (a page's kept rendering may be out of date), `rebase_owed` (a page's
published text moved, so its pending proposals are to be rebased onto it), `layout_changed`
(anything else readers see, such as section order) and `mail_owed` (a mail to send once the
change is committed). The session collects
the declarations; just before it commits, they become outbox rows in the same transaction
(reindex these pages, render again the pages that link to those keys, send these mails) and,
when readers see something new, the site generation is bumped and the kept reader pages that
show the change are deleted (`reader_pages.invalidate`); the rest stay kept. After the commit,
`drain` does the owed work. Nothing else calls these side effects.
"""

import logging
import threading
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import update

from handbook import outbox
from handbook import reader_pages
from handbook.db import HandbookSession
from handbook.models import Link
from handbook.models import Page
from handbook.models import SiteState

log = logging.getLogger(__name__)
#: the kinds of owed work, in the order a drain does them
KINDS = ("search", "render", "rebase", "mail")
_draining = threading.local()


@dataclass
class _Owed:
    pages: set = field(default_factory=set)
    #: of which those whose title, place or presence changed (their neighbours show it)
    placed: set = field(default_factory=set)
    keys: set = field(default_factory=set)
    renders: set = field(default_factory=set)
    rebases: set = field(default_factory=set)
    mails: set = field(default_factory=set)
    #: pages whose own view changed, not their text or place
    shown: set = field(default_factory=set)
    #: keys the changed pages linked to before (those pages list them as backlinks)
    old_links: set = field(default_factory=set)
    #: whether readers see something new (kept reader pages that show it go stale)
    visible: bool = False
    #: whether it is something every page shows (names, sections): all kept pages go stale
    everywhere: bool = False
    #: the kept reader pages this commit deleted (the proxies fetch them again)
    stale_paths: list = field(default_factory=list)
    #: those of them that are the changed pages themselves (refreshed before any other's)
    changed_paths: set = field(default_factory=set)


def _owed(session, visible=True):
    owed = session.info.setdefault("owed", _Owed())
    owed.visible = owed.visible or visible
    return owed


def page_changed(session, *page_ids, placed=False):
    """These pages' public text or tags changed; `placed`: also their title, section or order,
    or they came or went."""
    owed = _owed(session)
    owed.pages.update(page_ids)
    if placed:
        owed.placed.update(page_ids)


def page_shown_changed(session, page_id):
    """What this page's own view shows changed (a comment count, a notice), not its text."""
    _owed(session).shown.add(page_id)


def links_changed(session, old_keys):
    """A page's links were replaced; it used to link to these keys."""
    _owed(session).old_links.update(old_keys)


def addresses_changed(session, keys):
    """Wiki links to these keys (slugs, old slugs, title keys) now lead somewhere else."""
    _owed(session).keys.update(keys)


def rendering_owed(session, page_id):
    """This page's kept rendering may link wrongly: render it again after the commit."""
    _owed(session).renders.add(page_id)


def rebase_owed(session, page_id):
    """The page's published text moved: rebase its pending proposals after the commit."""
    _owed(session).rebases.add(page_id)


def layout_changed(session):
    """Readers see something else on many pages (section order or titles, people's names)."""
    _owed(session).everywhere = True


def mail_owed(session, message_id):
    """Send this mail_messages row after the commit (services.outgoing queues it)."""
    _owed(session, visible=False).mails.add(message_id)


#: a commit that changes more pages than this (an import) stales every kept page: cheaper than
#: working out which, and no statement then lists them all (PostgreSQL takes at most 65,535
#: parameters a statement; an import of 100,000 pages failed on one)
MANY = 1000
#: keys looked up a statement at a time
KEYS_A_STATEMENT = 1000


def _pages_linking_to(session, keys):
    """The published pages with a link to any of `keys`."""
    keys = sorted(keys)
    found = set()
    for start in range(0, len(keys), KEYS_A_STATEMENT):
        found.update(session.scalars(
            select(Link.source_page_id).join(Page, Page.id == Link.source_page_id)
            .where(Link.target_slug.in_(keys[start:start + KEYS_A_STATEMENT]),
                   Page.current_revision_id.is_not(None))
            .distinct()))
    return found


@event.listens_for(HandbookSession, "before_commit")
def _record_owed(session):
    owed = session.info.pop("owed", None)
    if owed is None:
        return
    outbox.add(session, "search", owed.pages)
    owed.renders = set(owed.renders)
    if owed.keys:
        owed.renders.update(_pages_linking_to(session, owed.keys) - set(owed.pages))
    outbox.add(session, "render", owed.renders)
    outbox.add(session, "rebase", owed.rebases)
    outbox.add(session, "mail", owed.mails)
    if owed.visible:
        # the generation first: its row lock orders this commit against a reader's store
        bumped = session.execute(
            update(SiteState).where(SiteState.id == 1).values(generation=SiteState.generation + 1)
        )
        if bumped.rowcount == 0:
            session.add(SiteState(id=1, generation=1))
        many = len(owed.pages | owed.shown | owed.renders) > MANY or len(owed.old_links) > MANY
        owed.stale_paths, owed.changed_paths = reader_pages.invalidate(
            session, everything=owed.everywhere or many, pages=owed.pages, placed=owed.placed,
            shown=owed.shown | owed.renders, link_keys=owed.old_links)
    session.info["drain_after_commit"] = owed


@event.listens_for(HandbookSession, "after_commit")
def _drain_after_commit(session):
    owed = session.info.pop("drain_after_commit", None)
    if owed is None:
        return
    runtime = session.info["runtime"]
    if owed.visible:
        # proxies first: what readers see is committed; the owed work (search, pages linking
        # here rendered again) takes longer, and its own commits refresh what it changes
        runtime.proxies.refresh(owed.stale_paths, first=owed.changed_paths)
        drain(runtime, KINDS[:-1])
    if owed.mails:
        runtime.mailer.deliver_soon(runtime)


@event.listens_for(HandbookSession, "after_rollback")
def _forget_owed(session):
    session.info.pop("owed", None)
    session.info.pop("drain_after_commit", None)


def drain(runtime, kinds=KINDS):
    """Do every kind of owed work that is due; failures are logged and retried later."""
    if getattr(_draining, "active", False):
        return  # a commit inside a drain: the running drain picks up its work
    _draining.active = True
    try:
        for kind in kinds:
            try:
                _handler(kind)(runtime)
            except Exception:
                log.exception("owed %s work failed; the outbox keeps it for the next attempt", kind)
    finally:
        _draining.active = False


def _handler(kind):
    from handbook.mail import delivery
    from handbook.search import indexing
    from handbook.services import links
    from handbook.services import rebasing

    return {"search": indexing.pay, "render": links.pay_rendering, "rebase": rebasing.pay,
            "mail": delivery.pay}[kind]
