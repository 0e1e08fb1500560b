"""Accounts as services: registration rules, login, roles, blocks, password changes."""

import pytest

from handbook.models import Role
from handbook.permissions import Forbidden
from handbook.services import accounts
from handbook.services.errors import InvalidCredentials
from handbook.services.errors import InvalidInput

from conftest import PASSWORD


@pytest.mark.parametrize("name, email, password, field", [
    ("ab", "a@example.org", PASSWORD, "name"),
    ("has space", "a@example.org", PASSWORD, "name"),
    ("valid_name", "not-an-email", PASSWORD, "email"),
    ("valid_name", "a@example.org", "short", "password"),
    ("handbook", "a@example.org", PASSWORD, "name"),
])
def test_registration_rules(session, name, email, password, field):
    with pytest.raises(InvalidInput) as raised:
        accounts.register(session, name, email, password)
    assert raised.value.field == field


def test_names_and_emails_are_unique_ignoring_case(session, contributor):
    with pytest.raises(InvalidInput, match="taken"):
        accounts.register(session, "CONNIE", "other@example.org", PASSWORD)
    session.rollback()
    assert accounts.register(session, "someone", "Connie@Example.org", PASSWORD) is None, \
        "a taken address makes no account, and says nothing the caller could show"
    session.rollback()
    with pytest.raises(InvalidInput, match="exists"):
        accounts.create_user(session, "someone", "Connie@Example.org", PASSWORD)


def test_passwords_are_hashed_with_argon2id(contributor):
    assert contributor.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_login_failures_share_one_message(session, contributor):
    for name, password in [("nobody", PASSWORD), ("connie", "wrong password")]:
        with pytest.raises(InvalidCredentials, match="Unknown name or wrong password"):
            accounts.authenticate(session, name, password)
    assert accounts.authenticate(session, "Connie", PASSWORD).id == contributor.id


def test_blocked_accounts_cannot_log_in(session, admin, contributor):
    accounts.set_blocked(session, admin, contributor, True)
    with pytest.raises(InvalidCredentials, match="blocked"):
        accounts.authenticate(session, "connie", PASSWORD)


def test_role_change_and_block_end_sessions_and_are_audited(session, admin, contributor):
    token = contributor.session_token
    accounts.set_role(session, admin, contributor, Role.librarian)
    assert contributor.session_token != token and contributor.role is Role.librarian
    token = contributor.session_token
    accounts.set_blocked(session, admin, contributor, True)
    assert contributor.session_token != token
    session.commit()
    from handbook.services import reading

    entries, _ = reading.audit_log(session, 1)
    assert [entry.action for entry in entries] == ["block", "role"]


def test_only_admins_manage_accounts(session, librarian, contributor):
    with pytest.raises(Forbidden):
        accounts.set_role(session, librarian, contributor, Role.admin)
    with pytest.raises(Forbidden):
        accounts.set_blocked(session, librarian, contributor, True)


def test_admin_cannot_lock_themselves_out(session, admin):
    with pytest.raises(InvalidInput):
        accounts.set_role(session, admin, admin, Role.contributor)
    with pytest.raises(InvalidInput):
        accounts.set_blocked(session, admin, admin, True)


def test_change_password_checks_the_old_one(session, contributor):
    with pytest.raises(InvalidInput, match="current password"):
        accounts.change_password(session, contributor, "wrong", "a new long password")
    token = contributor.session_token
    accounts.change_password(session, contributor, PASSWORD, "a new long password")
    assert contributor.session_token != token
    assert accounts.authenticate(session, "connie", "a new long password")
