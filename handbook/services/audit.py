"""The audit log: who did what, when, to which page or account."""

from handbook.models import AuditEntry


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
