"""Protection levels of pages and sections: open, librarians only, or two approvals.

A page takes its section's level unless it sets its own. Librarians set levels; every
change is audited. The rules themselves live in `permissions` (who may propose, who
publishes at once) and `moderation.approve` (the second approval publishes).
"""

from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import permissions
from handbook.models import Approval
from handbook.models import Protection
from handbook.services import audit
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange

LABELS = {
    Protection.open: "Open: contributors propose, librarians publish",
    Protection.librarians: "Librarians only: contributors cannot propose changes",
    Protection.two_approvals: "Two approvals: a change needs two different librarians",
}
#: the page form's choice meaning "as its section"
INHERIT = "section"


def level(value):
    """A Protection from a form value, or InvalidInput."""
    try:
        return Protection(value)
    except ValueError:
        raise InvalidInput("Choose one of the offered protection levels.", "protection") from None


def set_page_protection(session, librarian, page, value):
    """Give a page its own level, or (INHERIT) let it follow its section's."""
    permissions.require(permissions.may_protect(librarian))
    new = None if value == INHERIT else level(value)
    if new == page.protection:
        raise NoChange("The page already has that protection.")
    db.begin_write(session)
    old = page.protection.value if page.protection else INHERIT
    page.protection = new
    audit.record(session, librarian, "protect", page=page,
                 detail=f"{old} → {new.value if new else INHERIT}")
    changes.page_shown_changed(session, page.id)


def set_section_protection(session, librarian, section, value):
    permissions.require(permissions.may_protect(librarian))
    new = level(value)
    if new is section.protection:
        raise NoChange("The section already has that protection.")
    db.begin_write(session)
    audit.record(session, librarian, "protect",
                 detail=f"section {section.title}: {section.protection.value} → {new.value}")
    section.protection = new
    changes.layout_changed(session)


def approvals(session, proposal):
    """The librarians who approved a proposal so far (on a two-approvals page), oldest first."""
    return session.scalars(select(Approval).where(Approval.revision_id == proposal.id)
                           .order_by(Approval.at)).all()


def record_approval(session, librarian, proposal):
    db.begin_write(session)
    session.add(Approval(revision_id=proposal.id, librarian_id=librarian.id))
    session.flush()


def carry_approvals(session, old, new):
    """A rebased proposal keeps the approvals of the one it replaced."""
    for approval in approvals(session, old):
        session.add(Approval(revision_id=new.id, librarian_id=approval.librarian_id, at=approval.at))
