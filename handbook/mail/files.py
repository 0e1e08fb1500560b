"""The embedded default: each message written as an .eml file, and read back for the CLI."""

import logging
import os
import uuid
from datetime import datetime
from datetime import timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger(__name__)


class EmailBackend(BaseEmailBackend):
    """Writes every message to MAIL_FILE_PATH as <time>-<random>.eml (whole, then renamed)."""

    def send_messages(self, messages):
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            draft = folder / f".{name}.part"
            draft.write_bytes(message.message().as_bytes(linesep="\r\n"))
            os.replace(draft, folder / name)
            log.info("Mail to %s written to %s", ", ".join(message.to), folder / name)
        return len(messages)


def stored(folder):
    """The .eml files in `folder`, oldest first."""
    folder = Path(folder)
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def read(path):
    """A stored message, parsed."""
    with open(path, "rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


def plain_text(message):
    """The plain-text part of a parsed message."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""
