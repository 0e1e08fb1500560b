"""Limits on what users may submit: checked before anything is written."""

import re

from handbook.services.errors import InvalidInput

MAX_BODY_BYTES = 512 * 1024
MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 300
MAX_REASON_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_title(title):
    """A stripped title, or InvalidInput: empty, too long, or with control characters."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput("A title is required.", "title")
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(
            f"The title has {len(title)} characters; the limit is {MAX_TITLE_CHARS}.", "title"
        )
    if _CONTROL.search(title) or "\n" in title or "\r" in title:
        raise InvalidInput("The title contains control characters; remove them.", "title")
    return title


def clean_body(body):
    """A body with normalised line endings, no blank lines around it, or InvalidInput."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in body:
        raise InvalidInput("The text contains NUL bytes, which a page cannot hold.", "body")
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise InvalidInput(
            f"The text is {size // 1024} KiB; a page may hold at most {MAX_BODY_BYTES // 1024} KiB."
            " Split it into several pages.",
            "body",
        )
    body = body.rstrip().lstrip("\n")
    if not body:
        raise InvalidInput("The page text is empty.", "body")
    return body + "\n"


def clean_summary(summary, limit=MAX_SUMMARY_CHARS, field="summary"):
    """A one-line summary or reason within its limit."""
    summary = " ".join((summary or "").split())
    if _CONTROL.search(summary):
        raise InvalidInput("The summary contains control characters; remove them.", field)
    if len(summary) > limit:
        raise InvalidInput(f"Keep this under {limit} characters (it has {len(summary)}).", field)
    return summary
