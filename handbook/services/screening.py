"""The confidentiality guard applied to a proposal: what it adds, scanned with its section's
phrases, and (for a new account) its external links."""

from datetime import timedelta

from handbook import permissions
from handbook.models import utcnow
from handbook.services import guard

#: an account younger than this is new: its proposals' external links are flagged
NEW_ACCOUNT_AGE = timedelta(days=14)


def is_new_account(user):
    return not permissions.is_librarian(user) and utcnow() - user.created_at < NEW_ACCOUNT_AGE


def phrases_of(section):
    return [line for line in (section.guard_phrases or "").splitlines() if line.strip()]


def findings(section, author, old, new, own_host=""):
    """The guard's findings in what `new` adds to `old` (a page's text)."""
    return guard.findings_for(old or "", new or "", phrases=phrases_of(section),
                              own_host=own_host, new_account=is_new_account(author))
