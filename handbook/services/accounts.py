"""Accounts: registration, passwords, roles and blocks."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import select

from handbook import db
from handbook import permissions
from handbook.models import Role
from handbook.models import User
from handbook.services import audit
from handbook.services.errors import InvalidCredentials
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound

#: Argon2id at OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane).
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,189}\.[^@\s\x00-\x1f\x7f]{2,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000
SYSTEM_NAME = "handbook"
_DUMMY_HASH = HASHER.hash("not a password anyone has")
LOGIN_FAILED = "Unknown name or wrong password."
NAME_TAKEN = "That name is taken; choose another."


def hash_password(password):
    return HASHER.hash(password)


def _check_password(password):
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("That password is too long.", "password")


def create_user(session, name, email, password, role=Role.contributor):
    """Add an account after checking its name, email and password."""
    user = _add_account(session, name, email, password, role)
    if user is None:
        raise InvalidInput("An account with that email address exists.", "email")
    return user


def register(session, name, email, password):
    """Self-registration: a contributor account, or None when the address already has one.

    The caller answers both cases alike, so the form does not tell anyone which addresses
    have accounts; the owner of the address is the one to be told.
    """
    return _add_account(session, name, email, password, Role.contributor)


def _add_account(session, name, email, password, role):
    """The new account, or None when the address already has one (nothing is added)."""
    name, email = _check_new_account(name, email, password)
    password_hash = hash_password(password)
    db.begin_write(session)
    if name.lower() == SYSTEM_NAME or session.scalar(
            select(User.id).where(User.name_key == name.lower())):
        raise InvalidInput(NAME_TAKEN, "name")
    if session.scalar(select(User.id).where(User.email == email)):
        return None
    user = User(name=name, name_key=name.lower(), email=email, password_hash=password_hash,
                role=role)
    session.add(user)
    session.flush()
    return user


def _check_new_account(name, email, password):
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not NAME.match(name):
        raise InvalidInput(
            "Names are 3 to 40 letters, digits, dots, dashes or underscores.", "name"
        )
    if not EMAIL.match(email):
        raise InvalidInput("Enter an email address such as ada@example.org.", "email")
    _check_password(password or "")
    return name, email


def authenticate(session, name, password):
    """The account for these credentials, or InvalidCredentials (one message for all causes)."""
    user = session.scalar(select(User).where(User.name_key == (name or "").strip().lower()))
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials(LOGIN_FAILED) from None
    if user is None or user.is_system:
        raise InvalidCredentials(LOGIN_FAILED)
    if user.blocked:
        raise InvalidCredentials("This account is blocked. Ask a librarian if you think this is wrong.")
    if HASHER.check_needs_rehash(user.password_hash):
        new_hash = hash_password(password)
        db.begin_write(session)
        user.password_hash = new_hash
    return user


def change_password(session, user, current_password, new_password):
    """Set a new password; every other session of the account ends."""
    try:
        HASHER.verify(user.password_hash, current_password or "")
    except (VerificationError, InvalidHashError):
        raise InvalidInput("Your current password is not right.", "current_password") from None
    _check_password(new_password or "")
    new_hash = hash_password(new_password)
    db.begin_write(session)
    user.password_hash = new_hash
    user.rotate_session_token()


def set_password_from_command_line(session, target, new_password):
    """`handbook users set-password`: for an admin helping someone without mail; every session
    of the account ends, and the change is audited as the system account's."""
    if target.is_system:
        raise InvalidInput("The system account has no password.")
    _check_password(new_password or "")
    new_hash = hash_password(new_password)
    db.begin_write(session)
    target.password_hash = new_hash
    target.rotate_session_token()
    audit.record(session, system_user(session), "password", target_user=target,
                 detail="set from the command line")


def end_sessions(session, user):
    """Log the account out everywhere (used on logout)."""
    db.begin_write(session)
    user.rotate_session_token()


def get_by_name(session, name):
    user = session.scalar(select(User).where(User.name_key == (name or "").lower()))
    if user is None:
        raise NotFound("No such person.")
    return user


def set_role(session, admin, target, role):
    """Change an account's role; its sessions end so the new role applies at once."""
    permissions.require(permissions.may_manage_users(admin))
    if target.is_system:
        raise InvalidInput("The system account's role cannot change.")
    if target.id == admin.id and role is not Role.admin:
        raise InvalidInput("You cannot remove your own admin role; ask another admin.")
    return _change_role(session, admin, target, role)


def set_role_from_command_line(session, target, role):
    """`handbook users set-role`: the same change, audited as the system account's."""
    if target.is_system:
        raise InvalidInput("The system account's role cannot change.")
    return _change_role(session, system_user(session), target, role, " (command line)")


def _change_role(session, actor, target, role, note=""):
    if target.role is role:
        return target
    db.begin_write(session)
    old = target.role
    target.role = role
    target.rotate_session_token()
    audit.record(session, actor, "role", target_user=target, detail=f"{old.name} → {role.name}{note}")
    return target


def set_blocked(session, admin, target, blocked):
    """Block or unblock an account; blocking ends its sessions at once."""
    permissions.require(permissions.may_manage_users(admin))
    if target.id == admin.id:
        raise InvalidInput("You cannot block yourself.")
    if target.blocked == blocked:
        return target
    db.begin_write(session)
    target.blocked = blocked
    target.rotate_session_token()
    audit.record(session, admin, "block" if blocked else "unblock", target_user=target)
    return target


def system_user(session):
    """The account that imports seed content (it cannot log in)."""
    user = session.scalar(select(User).where(User.name_key == SYSTEM_NAME))
    if user is None:
        db.begin_write(session)
        user = User(name=SYSTEM_NAME, name_key=SYSTEM_NAME, email="handbook@localhost",
                    password_hash="!", role=Role.librarian, is_system=True)
        session.add(user)
        session.flush()
    return user
