"""A real SMTP server for tests (aiosmtpd on a loopback port) that keeps what it receives."""

import socket
import time
from email import message_from_bytes
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keeper:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                    policy=policy.default)))
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start with `start()`; `messages` holds (recipients, parsed message) as they arrive."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self._keeper = _Keeper()
        self._controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self._keeper.messages

    def start(self):
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count, timeout=10):
        """The messages once at least `count` have arrived (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return self.messages

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


def text_of(message):
    """The plain-text part of a parsed message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def subject(message):
    """The subject, without the site name (a folded encoded subject may start with a space)."""
    return str(message["Subject"]).strip().removesuffix(" · Systems Convenor handbook")
