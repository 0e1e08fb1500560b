"""Outgoing mail with Flask-Mailman: settings from HANDBOOK_MAIL_URL, .eml files by default.

Flask-Mailman carries Django's mail API (multipart messages, SMTP with STARTTLS or TLS, and
pluggable backends), which lets the embedded default write each message to a file through a
backend of ours (`files.EmailBackend`) while SMTP uses the library's own.
"""

import atexit
import logging
import os
import threading

from flask_mailman import Mail

from handbook.mail import compose
from handbook.mail import delivery
from handbook.mail.settings import from_url

log = logging.getLogger(__name__)
mail = Mail()
#: how often a process's sender looks again for mail whose retry time has come
RETRY_POLL_SECONDS = 30


class Mailer:
    """Sends the queued mail of one app: from a background thread of each process, so a slow
    or dead mail server never holds up a request, or at once when `background` is off
    (commands and tests). Claims in the outbox keep two processes from sending one mail."""

    def __init__(self, app):
        self.app = app
        self.background = app.config["MAIL_IN_BACKGROUND"]
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = None
        self._pid = None
        self._start = threading.Lock()

    def deliver_soon(self, runtime):
        """Send what is owed: now, or by waking this process's sender."""
        if not self.background:
            delivery.pay(runtime)
            return
        with self._start:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, args=(runtime,), daemon=True,
                                                name="handbook-mail")
                self._thread.start()
                atexit.register(self.stop)
        self._wake.set()

    def stop(self):
        """End this process's sender once it has finished what it is sending (also when the
        process exits, so a mail is not cut off half-sent)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self, runtime):
        while not self._stopping.is_set():
            self._wake.wait(RETRY_POLL_SECONDS)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                delivery.pay(runtime)
            except Exception:
                log.exception("sending mail failed; the outbox keeps it for the next attempt")

    def compose(self, session, message):
        """The email for a queued message, or None when it is no longer worth sending."""
        with self.app.app_context():
            return compose.compose(self.app, session, message)

    def send(self, email):
        with self.app.app_context():
            email.send(fail_silently=False)

    def external_url(self, endpoint, **values):
        """An absolute link into the handbook (at HANDBOOK_BASE_URL, never a request's Host)."""
        return compose.external_url(self.app, endpoint, **values)


def init_app(app):
    app.config.update(from_url(app.config.get("MAIL_URL"), app.instance_path))
    app.config["MAIL_DEFAULT_SENDER"] = app.config["MAIL_FROM"]
    mail.init_app(app)
    app.extensions["handbook_mailer"] = Mailer(app)
