"""The audit log and the site generation that invalidates readers' cached pages."""

from sqlalchemy import update

from handbook.models import AuditEntry
from handbook.models import SiteState


def record(session, actor, action, *, page=None, target_user=None, revision=None, detail=""):
    """Add an audit entry: who did what to which page or account."""
    session.add(
        AuditEntry(
            actor_id=actor.id,
            action=action,
            page_id=page.id if page is not None else None,
            target_user_id=target_user.id if target_user is not None else None,
            revision_id=revision.id if revision is not None else None,
            detail=detail[:2000],
        )
    )


def bump_generation(session):
    """Mark every cached reader page stale; runs in the writing transaction."""
    result = session.execute(
        update(SiteState).where(SiteState.id == 1).values(generation=SiteState.generation + 1)
    )
    if result.rowcount == 0:
        session.add(SiteState(id=1, generation=1))
