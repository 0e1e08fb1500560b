"""Accounts: registration, confirmed addresses, passwords and their recovery, settings,
deletion, roles and blocks. Mails are queued here and sent after the commit."""

import functools
import re
import unicodedata
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import select

from handbook import changes
from handbook import db
from handbook import permissions
from handbook import tokens
from handbook.models import Revision
from handbook.models import Role
from handbook.models import User
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import coffee
from handbook.services import notifications
from handbook.services import outgoing
from handbook.services import reflection
from handbook.services import watching
from handbook.services import workflow
from handbook.services.errors import InvalidCredentials
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound

#: Argon2id at OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane).
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,189}\.[^@\s\x00-\x1f\x7f]{2,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000
SYSTEM_NAME = "handbook"
MAX_DISPLAY_NAME = 80
DELETE_PHRASE = "delete my account"
LOGIN_FAILED = "Unknown name or wrong password."
NAME_TAKEN = "That name is taken; choose another."


@functools.cache
def _dummy_hash():
    """A hash checked when no account has the name, so that costs what a wrong password does."""
    return HASHER.hash("not a password anyone has")


def hash_password(password):
    return HASHER.hash(password)


def _check_password(password):
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("That password is too long.", "password")


def create_user(session, name, email, password, role=Role.contributor):
    """Add an account (by an admin or the command line: its address counts as confirmed)."""
    user = _add_account(session, name, email, password, role)
    if user is None:
        raise InvalidInput("An account with that email address exists.", "email")
    user.email_confirmed_at = utcnow()
    return user


def register(session, name, email, password):
    """Self-registration: a contributor account whose address is not yet confirmed, and a
    mail with the link that confirms it; or None when the address already has an account.

    The caller answers both cases alike, so the form does not tell anyone which addresses
    have accounts; the owner of the address is told instead (at most once an hour).
    """
    user = _add_account(session, name, email, password, Role.contributor)
    if user is None:
        owner = session.scalar(select(User).where(User.email == email.strip().lower()))
        if owner.is_active:
            outgoing.queue(session, key=f"exists:{owner.id}:{utcnow():%Y-%m-%dT%H}",
                           template="account_exists", to_address=owner.email, user=owner)
        return None
    send_confirmation(session, user)
    return user


def send_confirmation(session, user):
    """Mail the account a link that confirms its address (again, when asked)."""
    if user.is_confirmed:
        raise NoChange("Your address is already confirmed.")
    db.begin_write(session)
    outgoing.queue(session, key=f"confirm:{user.id}:{uuid.uuid4().hex}", template="confirm",
                   to_address=user.email, user=user)


def confirm_address(session, secret, token):
    """Confirm the address a confirmation link was sent to: (account, whether it was
    confirmed just now). A link for an address the account no longer has is TokenInvalid."""
    user_id, address = tokens.read_confirm_address(secret, token)
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.email != address:
        raise tokens.TokenInvalid("This link is for an address that no account here uses now.")
    if user.is_confirmed:
        return user, False
    db.begin_write(session)
    user.email_confirmed_at = utcnow()
    return user, True


def confirm_by_admin(session, admin, target):
    """An admin vouches for an account's address by hand."""
    permissions.require(permissions.may_manage_users(admin))
    if target.is_confirmed:
        raise NoChange(f"{target.name}'s address is already confirmed.")
    db.begin_write(session)
    target.email_confirmed_at = utcnow()
    audit.record(session, admin, "confirm", target_user=target, detail="address confirmed by hand")
    return target


def request_password_reset(session, email):
    """Mail a one-hour reset link to the account with this address, if there is one. The
    caller answers alike either way."""
    email = (email or "").strip().lower()
    user = session.scalar(select(User).where(User.email == email)) if EMAIL.match(email) else None
    if user is None or not user.is_active:
        return None
    db.begin_write(session)
    outgoing.queue(session, key=f"reset:{user.id}:{uuid.uuid4().hex}", template="reset",
                   to_address=user.email, user=user)
    return user


def reset_password(session, secret, token, new_password):
    """Set a new password from a reset link; the link then stops working, every session of
    the account ends, and the address counts as confirmed (the mail reached its owner)."""
    user = account_for_reset(session, secret, token)
    _check_password(new_password or "")
    new_hash = hash_password(new_password)
    db.begin_write(session)
    user.password_hash = new_hash
    user.rotate_session_token()
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
    audit.record(session, user, "password", target_user=user, detail="reset by mailed link")
    return user


def account_for_reset(session, secret, token):
    """The account a reset link is for, or TokenInvalid (expired, used, forged)."""
    user_id, fingerprint = tokens.read_reset_password(secret, token)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise tokens.TokenInvalid("This password reset link is for an account that cannot log in.")
    if not tokens.password_matches(user, fingerprint):
        raise tokens.TokenInvalid("This password reset link has been used already. Ask for a"
                                  " new one if you need it.")
    return user


def _verify(user, password):
    try:
        HASHER.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise InvalidInput("Your current password is not right.", "current_password") from None


def change_email(session, user, current_password, new_email):
    """Ask to move the account to a new address: a link goes to the new address, and the
    change happens when it is opened. A taken address gets no mail (the answer is the same)."""
    _verify(user, current_password)
    new_email = (new_email or "").strip().lower()
    if not EMAIL.match(new_email):
        raise InvalidInput("Enter an email address such as ada@example.org.", "email")
    if new_email == user.email:
        raise NoChange("That is already your address.")
    db.begin_write(session)
    if session.scalar(select(User.id).where(User.email == new_email)) is None:
        outgoing.queue(session, key=f"change:{user.id}:{uuid.uuid4().hex}",
                       template="change_email", to_address=new_email, user=user)


def confirm_email_change(session, secret, token):
    """Move the account to the address the link was sent to; the old address is told."""
    user_id, new_email, old_fingerprint = tokens.read_change_email(secret, token)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise tokens.TokenInvalid("This link is for an account that cannot log in.")
    if user.email == new_email:
        return user, False
    if not tokens.address_matches(user.email, old_fingerprint):
        raise tokens.TokenInvalid("This link was made before the account's address last"
                                  " changed; ask for a new one from your settings.")
    db.begin_write(session)
    if session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise InvalidInput("Another account now uses that address.")
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    outgoing.queue(session, key=f"changed:{user.id}:{uuid.uuid4().hex}",
                   template="email_changed", to_address=old_email, user=user)
    audit.record(session, user, "email", target_user=user, detail="address changed by mailed link")
    return user, True


def set_display_name(session, user, display_name):
    """The public name shown beside the account name; empty to show the account name only."""
    display_name = unicodedata.normalize("NFC", (display_name or "").strip())
    if len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"Keep the display name to {MAX_DISPLAY_NAME} characters.", "display_name")
    if any(unicodedata.category(character) in ("Cc", "Cf") for character in display_name):
        raise InvalidInput("The display name holds characters that cannot be shown.", "display_name")
    if display_name == user.display_name:
        raise NoChange("The display name is as it was.")
    db.begin_write(session)
    user.display_name = display_name
    changes.layout_changed(session)


def delete_account(session, user, current_password, typed):
    """Delete the owner's account: personal data goes, published edits stay credited to
    "a former contributor", pending proposals are withdrawn, every session ends."""
    _verify(user, current_password)
    if (typed or "").strip().lower() != DELETE_PHRASE:
        raise InvalidInput(f"Type “{DELETE_PHRASE}” to confirm.", "confirm")
    if user.role is Role.admin:
        raise InvalidInput("An admin account cannot be deleted; ask another admin to change"
                           " your role first.")
    db.begin_write(session)
    for proposal in session.scalars(select(Revision).where(
            Revision.author_id == user.id, Revision.status.in_(workflow.OPEN))).all():
        workflow.move(session, proposal, "withdraw")
    watching.forget(session, user)
    coffee.forget(session, user)
    reflection.forget(session, user)
    notifications.forget(session, user)
    outgoing.forget_unsent(session, user)
    user.name = user.name_key = f"former-{user.id}"
    user.email = f"former-{user.id}@deleted.invalid"
    user.display_name = ""
    user.password_hash = "!"
    user.feed_token = None
    user.deleted_at = utcnow()
    user.rotate_session_token()
    audit.record(session, user, "delete account", target_user=user)
    changes.layout_changed(session)


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
        HASHER.verify(user.password_hash if user else _dummy_hash(), password or "")
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
    _verify(user, current_password)
    _check_password(new_password or "")
    new_hash = hash_password(new_password)
    db.begin_write(session)
    user.password_hash = new_hash
    user.rotate_session_token()


def set_password_from_command_line(session, target, new_password):
    """`handbook users set-password`: for an admin helping someone without mail; every session
    of the account ends, and the change is audited as the system account's."""
    if target.is_system or target.deleted_at is not None:
        raise InvalidInput("This account has no password.")
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


def set_review_sections(session, actor, target, *, every, slugs, note=""):
    """Give a librarian every section, or only these (by slug); audited."""
    from handbook.models import Section

    if actor is not None:
        permissions.require(permissions.may_assign_sections(actor))
    if target.role is Role.contributor:
        raise InvalidInput(f"{target.name} is a contributor; make them a librarian first.")
    chosen = session.scalars(select(Section).where(Section.slug.in_(list(slugs)))).all()
    if len(chosen) != len(set(slugs)):
        raise InvalidInput("One of those sections does not exist.")
    if not every and not chosen:
        raise InvalidInput("Choose at least one section, or every section.")
    db.begin_write(session)
    target.all_sections = every
    target.review_sections = [] if every else sorted(chosen, key=lambda section: section.position)
    audit.record(session, actor or system_user(session), "sections", target_user=target,
                 detail=("every section" if every else ", ".join(s.title for s in target.review_sections))
                 + note)
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
                    password_hash="!", role=Role.librarian, is_system=True,
                    email_confirmed_at=utcnow())
        session.add(user)
        session.flush()
    return user
