"""Watching pages and sections: the people told when one gets a published change."""

from sqlalchemy import or_
from sqlalchemy import select

from handbook import db
from handbook.models import Page
from handbook.models import Section
from handbook.models import User
from handbook.models import Watch
from handbook.services.errors import NoChange


def _watch(session, user, page=None, section=None):
    """The account's watch of the page, or else of the section."""
    column, target = (Watch.page_id, page) if page is not None else (Watch.section_id, section)
    return session.scalar(select(Watch).where(Watch.user_id == user.id, column == target.id))


def watch(session, user, *, page=None, section=None):
    """Start watching a page or a section (one of the two)."""
    if _watch(session, user, page, section):
        raise NoChange("You already watch it.")
    db.begin_write(session)
    session.add(Watch(user_id=user.id, page_id=page.id if page else None,
                      section_id=section.id if section else None))


def unwatch(session, user, *, page=None, section=None):
    found = _watch(session, user, page, section)
    if found is None:
        raise NoChange("You were not watching it.")
    db.begin_write(session)
    session.delete(found)


def is_watching(session, user, *, page=None, section=None):
    if not getattr(user, "is_authenticated", False):
        return False
    return _watch(session, user, page, section) is not None


def watch_own_proposal(session, user, page):
    """Authors watch the pages they propose to, unless their settings say not to."""
    if user.watch_own_proposals and _watch(session, user, page) is None:
        db.begin_write(session)
        session.add(Watch(user_id=user.id, page_id=page.id))


def watchers(session, page):
    """Active accounts watching the page or its section."""
    return session.scalars(
        select(User).join(Watch, Watch.user_id == User.id)
        .where(or_(Watch.page_id == page.id, Watch.section_id == page.section_id))
        .distinct().order_by(User.id)
    ).all()


def watchlist(session, user):
    """(pages, sections) the account watches."""
    pages = session.scalars(select(Page).join(Watch, Watch.page_id == Page.id)
                            .where(Watch.user_id == user.id).order_by(Page.title)).all()
    sections = session.scalars(select(Section).join(Watch, Watch.section_id == Section.id)
                               .where(Watch.user_id == user.id).order_by(Section.position)).all()
    return pages, sections


def forget(session, user):
    for row in session.scalars(select(Watch).where(Watch.user_id == user.id)):
        session.delete(row)
