"""Signed links (itsdangerous): confirm an address, reset a password, stop a kind of mail; and
the signed moment a form was shown (registration refuses forms sent back inhumanly fast).

A token carries only ids and what it must still match; nothing is stored. A reset token is
bound to the account's password hash, so it works once: setting the password changes the hash.
"""

import hashlib
from datetime import datetime
from datetime import timezone

from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeSerializer
from itsdangerous import URLSafeTimedSerializer

from handbook.services.errors import ServiceError

CONFIRM_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


class TokenInvalid(ServiceError):
    """A link that is forged, damaged, expired or already used; the message says which."""


def _timed(secret, purpose):
    return URLSafeTimedSerializer(secret, salt=f"handbook-{purpose}")


def _fingerprint(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def confirm_address(secret, user_id, address):
    """A link proving that whoever opens it reads mail at `address`."""
    return _timed(secret, "confirm").dumps([user_id, address])


def read_confirm_address(secret, token):
    """(user id, address) from a confirmation token, or TokenInvalid."""
    return tuple(_load(_timed(secret, "confirm"), token, CONFIRM_MAX_AGE, "confirmation"))


def reset_password(secret, user):
    """A one-hour link to set a new password, valid until the password changes."""
    return _timed(secret, "reset").dumps([user.id, _fingerprint(user.password_hash)])


def read_reset_password(secret, token):
    """(user id, password fingerprint) from a reset token, or TokenInvalid."""
    return tuple(_load(_timed(secret, "reset"), token, RESET_MAX_AGE, "password reset"))


def password_matches(user, fingerprint):
    return _fingerprint(user.password_hash) == fingerprint


def change_email(secret, user_id, new_address, old_address):
    """A link that moves the account to `new_address`, while its address is still the old one."""
    return _timed(secret, "change-email").dumps([user_id, new_address, _fingerprint(old_address)])


def read_change_email(secret, token):
    """(user id, new address, old address fingerprint), or TokenInvalid."""
    return tuple(_load(_timed(secret, "change-email"), token, CONFIRM_MAX_AGE, "address change", 3))


def address_matches(address, fingerprint):
    return _fingerprint(address) == fingerprint


def unsubscribe(secret, user_id, kind):
    """A lasting link that stops mail of one kind for one account."""
    return URLSafeSerializer(secret, salt="handbook-unsubscribe").dumps([user_id, kind])


def read_unsubscribe(secret, token):
    try:
        user_id, kind = URLSafeSerializer(secret, salt="handbook-unsubscribe").loads(token)
    except (BadSignature, ValueError, TypeError):
        raise TokenInvalid("This link is not one the handbook made, or it was damaged in"
                           " copying.") from None
    return user_id, kind


def _load(serializer, token, max_age, name, length=2):
    try:
        value = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenInvalid(f"This {name} link has expired. Ask for a new one.") from None
    except BadSignature:
        raise TokenInvalid(f"This {name} link is not one the handbook made, or it was damaged"
                           " in copying.") from None
    if not (isinstance(value, list) and len(value) == length and isinstance(value[0], int)
            and all(isinstance(part, str) for part in value[1:])):
        raise TokenInvalid(f"This {name} link is not one the handbook made.")
    return value


def form_shown(secret):
    """A stamp of the moment a form was shown, for its hidden `started` field."""
    return _timed(secret, "form-shown").dumps(0)


def seconds_since_shown(secret, stamp):
    """Seconds since the form carrying `stamp` was shown; None if the stamp is not ours."""
    try:
        _, shown = _timed(secret, "form-shown").loads(stamp or "", return_timestamp=True)
    except BadSignature:
        return None
    return (datetime.now(timezone.utc) - shown).total_seconds()
