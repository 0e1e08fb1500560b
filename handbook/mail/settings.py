"""HANDBOOK_MAIL_URL as Flask-Mailman settings."""

from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

FILES_BACKEND = "handbook.mail.files.EmailBackend"
_TRUE = {"1", "true", "yes", "on"}


class MailURLInvalid(ValueError):
    """HANDBOOK_MAIL_URL is not an smtp:// or smtps:// address."""


def from_url(url, instance_path):
    """Settings for `url`: smtp://user:password@host:port (add ?starttls=true to upgrade the
    connection), smtps://... (TLS from the start), or nothing: .eml files in <instance>/mail."""
    if not url:
        return {"MAIL_BACKEND": FILES_BACKEND, "MAIL_FILE_PATH": str(Path(instance_path) / "mail")}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailURLInvalid("HANDBOOK_MAIL_URL must look like smtp://user:password@host:587"
                             "?starttls=true or smtps://user:password@host:465")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = options.get("starttls", "").lower() in _TRUE
    secure = parts.scheme == "smtps"
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": parts.port or (465 if secure else 587 if starttls else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": secure,
        "MAIL_USE_TLS": starttls and not secure,
        "MAIL_TIMEOUT": float(options.get("timeout", 10)),
    }
