"""Mail: the .eml default, a real SMTP server, the outbox through a server that is down,
the background sender, one-click unsubscribe, digests, and no pending text in any mail."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from handbook import changes
from handbook import db
from handbook import outbox
from handbook.mail.settings import MailURLInvalid
from handbook.mail.settings import from_url
from handbook.models import MailMessage
from handbook.models import Notification
from handbook.models import OutboxEntry
from handbook.models import Role
from handbook.models import utcnow
from handbook.services import moderation
from handbook.services import notifications
from handbook.services import pages
from handbook.services import watching

from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import post
from conftest import stored_mail
from smtp import SMTPServer
from smtp import free_port
from smtp import html_of
from smtp import subject
from smtp import text_of

LINK = re.compile(r"http://127\.0\.0\.1:5000(/\S+)")


def links_in(message):
    return LINK.findall(text_of(message))


def propose(session, author, page, body):
    return pages.save_edit(session, author, page, body=body, base_revision_id=page.current_revision_id,
                           renderer=RENDER).revision


def test_registration_mail_is_an_eml_file_with_text_html_and_a_confirm_link(app, client):
    response = post(client, "/register", {"name": "newcomer", "email": "new@example.org",
                                          "password": PASSWORD})
    assert response.status_code == 302
    [message] = stored_mail(app)
    assert message["To"] == "new@example.org"
    assert subject(message) == "Confirm your email address"
    assert message["Auto-Submitted"] == "auto-generated"
    [link] = [link for link in links_in(message) if link.startswith("/confirm/")]
    assert "Confirm my address" in html_of(message)
    assert "registered the account “newcomer”" in text_of(message)


def test_an_approval_reaches_the_author_through_a_real_smtp_server(mail_app, smtp_server):
    with db.session_scope(mail_app.extensions["handbook_runtime"]) as session:
        from conftest import accounts, sections

        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD, Role.librarian)
        author = accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        section = sections.create_section(session, librarian, title="Methods", summary="",
                                          renderer=RENDER)
        page = pages.create_page(session, librarian, section_id=section.id, title="Weaving",
                                 body="One\n", renderer=RENDER).revision.page
        session.commit()
        proposal = propose(session, author, page, "One\nTwo\n")
        session.commit()
        assert smtp_server.messages == []  # librarians get new proposals in the inbox by default
        moderation.approve(session, librarian, proposal.id, renderer=RENDER)
    [message] = smtp_server.wait_for(1) and smtp_server.to("connie@example.org")
    assert subject(message) == "Your proposal to “Weaving” was published"
    assert message.get_content_type() == "multipart/alternative"
    assert links_in(message)[0] == f"/wiki/weaving/revisions/{proposal.id}"
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "is set to mail in your settings" in text_of(message)


@pytest.fixture
def down_app(database_url, tmp_path):
    """An app whose SMTP server is not running (yet): the port is free."""
    port = free_port()
    app = build_app(database_url, tmp_path / "instance", MAIL_URL=f"smtp://127.0.0.1:{port}?timeout=2")
    yield app, port
    app.extensions["handbook_engine"].dispose()


def test_the_outbox_keeps_mail_while_the_server_is_down_and_sends_it_once_when_it_is_up(down_app):
    app, port = down_app
    runtime = app.extensions["handbook_runtime"]
    client = app.test_client()
    response = post(client, "/register", {"name": "patient", "email": "patient@example.org",
                                          "password": PASSWORD})
    assert response.status_code == 302  # the action did not wait for, or fail with, the server
    with db.session_scope(runtime) as session:
        assert session.scalar(select(MailMessage.to_address)) == "patient@example.org"
        [(message_id, attempts, _next, error)] = outbox.failures(session, "mail")
        assert attempts == 1 and "Connection refused" in error
    server = SMTPServer(port).start()
    try:
        changes.drain(runtime)  # not due yet: the retry waits
        assert server.messages == []
        with db.session_scope(runtime) as session:
            session.execute(update(OutboxEntry).values(not_before=utcnow() - timedelta(seconds=1)))
        changes.drain(runtime)
        changes.drain(runtime)
        [(recipients, message)] = server.wait_for(1)
        assert recipients == ["patient@example.org"]
        with db.session_scope(runtime) as session:
            assert outbox.owed(session, "mail") == 0
            assert session.get(MailMessage, message_id).sent_at is not None
    finally:
        server.stop()


def test_the_background_sender_delivers_without_holding_up_the_request(database_url, tmp_path,
                                                                          smtp_server):
    app = build_app(database_url, tmp_path / "instance", MAIL_URL=smtp_server.url,
                    MAIL_IN_BACKGROUND=True)
    try:
        response = post(app.test_client(), "/forgot-password", {"email": "nobody@example.org"})
        assert response.status_code == 200
        post(app.test_client(), "/register", {"name": "quick", "email": "quick@example.org",
                                              "password": PASSWORD})
        [(recipients, _message)] = smtp_server.wait_for(1)
        assert recipients == ["quick@example.org"]
    finally:
        app.extensions["handbook_mailer"].stop()
        app.extensions["handbook_engine"].dispose()


def test_one_click_unsubscribe_stops_that_kind_of_mail_but_keeps_the_inbox(
        mail_app, smtp_server):
    runtime = mail_app.extensions["handbook_runtime"]
    with db.session_scope(runtime) as session:
        from conftest import accounts

        user = accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        notifications.tell(session, user, "proposal_rejected", key="one", path="/me/proposals",
                           title="A", librarian="libby", reason="Because")
    [message] = smtp_server.wait_for(1) and smtp_server.to("connie@example.org")
    target = str(message["List-Unsubscribe"]).strip().strip("<>").removeprefix("http://127.0.0.1:5000")
    client = mail_app.test_client()
    assert "Stop these mails" in client.get(target).get_data(as_text=True)
    # What mail programs send (RFC 8058): a POST with no cookie and no CSRF token.
    response = client.post(target, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with db.session_scope(runtime) as session:
        user = session.merge(user)
        assert notifications.delivery_for(session, user, "proposal_rejected") == "inbox"
        notifications.tell(session, user, "proposal_rejected", key="two", path="/me/proposals",
                           title="B", librarian="libby", reason="Again")
    assert len(smtp_server.messages) == 1
    with db.session_scope(runtime) as session:
        assert len(session.scalars(select(Notification)).all()) == 2
    forged = client.post(target[:-3] + "xyz")
    assert forged.status_code == 400


def test_the_daily_digest_is_sent_once_a_day_with_everything_waiting(mail_app, smtp_server):
    runtime = mail_app.extensions["handbook_runtime"]
    with db.session_scope(runtime) as session:
        from conftest import accounts

        user = accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        notifications.set_preferences(session, user, {"proposal_rejected": "digest"}, True)
        for key in ("a", "b"):
            notifications.tell(session, user, "proposal_rejected", key=key, path="/me/proposals",
                               title=f"Page {key}", librarian="libby", reason="No")
    assert smtp_server.messages == []
    today = utcnow().date()
    with db.session_scope(runtime) as session:
        assert notifications.queue_digests(session, today) == 1
    with db.session_scope(runtime) as session:
        notifications.tell(session, session.merge(user), "proposal_rejected", key="c",
                           path="/me/proposals", title="Page c", librarian="libby", reason="No")
        assert notifications.queue_digests(session, today) == 0  # once a day
    [(_, digest)] = smtp_server.wait_for(1)
    assert "Page a" in text_of(digest) and "Page b" in text_of(digest)
    assert "Page c" not in text_of(digest)
    with db.session_scope(runtime) as session:
        assert notifications.queue_digests(session, today + timedelta(days=1)) == 1
    assert "Page c" in text_of(smtp_server.wait_for(2)[1][1])


def test_no_mail_carries_pending_or_rejected_text_to_anyone_but_its_author(
        mail_app, smtp_server):
    runtime = mail_app.extensions["handbook_runtime"]
    with db.session_scope(runtime) as session:
        from conftest import accounts, sections

        librarian = accounts.create_user(session, "libby", "libby@example.org", PASSWORD, Role.librarian)
        author = accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        watcher = accounts.create_user(session, "walt", "walt@example.org", PASSWORD)
        section = sections.create_section(session, librarian, title="Methods", summary="",
                                          renderer=RENDER)
        page = pages.create_page(session, librarian, section_id=section.id, title="Weaving",
                                 body="One\n", renderer=RENDER).revision.page
        watching.watch(session, watcher, section=section)
        watching.watch(session, watcher, page=page)
        for kind in notifications.KINDS:
            notifications.set_preferences(session, librarian, {kind: "mail"}, True)
            notifications.set_preferences(session, watcher, {kind: "mail"}, True)
        session.commit()
        rejected = propose(session, author, page, "One\nSECRET-PENDING-TEXT\n")
        session.commit()
        moderation.reject(session, librarian, rejected.id, "Not this")
        session.commit()
        published = propose(session, author, page, "One\nPublished words\n")
        session.commit()
        moderation.approve(session, librarian, published.id, renderer=RENDER)
    messages = smtp_server.wait_for(4)
    for recipients, message in messages:
        assert "SECRET-PENDING-TEXT" not in message.as_string()
    to_watcher = smtp_server.to("walt@example.org")
    assert [subject(message) for message in to_watcher] == ["“Weaving” was changed"]
    assert {subject(message) for message in smtp_server.to("libby@example.org")} == {
        "Proposal to “Weaving” waits for review"}


def test_links_in_mail_use_the_configured_address_never_the_request_host(database_url, tmp_path):
    from conftest import accounts

    # no CSRF here: the test client keeps cookies per host, and the point is the Host header
    app = build_app(database_url, tmp_path / "instance", WTF_CSRF_ENABLED=False)
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
    response = app.test_client().post("/forgot-password", data={"email": "connie@example.org"},
                                      headers={"Host": "attacker.example"})
    assert response.status_code == 200
    app.extensions["handbook_engine"].dispose()
    [message] = stored_mail(app)
    assert "attacker.example" not in message.as_string()
    assert links_in(message)[0].startswith("/reset-password/")


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example.org", {"MAIL_SERVER": "mail.example.org", "MAIL_PORT": 25,
                                 "MAIL_USE_TLS": False, "MAIL_USE_SSL": False}),
    ("smtp://ada:p%40ss@mail.example.org:2525?starttls=true",
     {"MAIL_PORT": 2525, "MAIL_USE_TLS": True, "MAIL_USERNAME": "ada", "MAIL_PASSWORD": "p@ss"}),
    ("smtp://mail.example.org?starttls=1", {"MAIL_PORT": 587, "MAIL_USE_TLS": True}),
    ("smtps://ada:secret@mail.example.org", {"MAIL_PORT": 465, "MAIL_USE_SSL": True,
                                             "MAIL_USE_TLS": False}),
])
def test_mail_urls(url, expected):
    settings = from_url(url, "/instance")
    assert {key: settings[key] for key in expected} == expected


def test_no_mail_url_writes_files_to_the_instance_folder_and_a_bad_one_is_refused():
    assert from_url("", "/srv/instance")["MAIL_FILE_PATH"] == "/srv/instance/mail"
    for bad in ("http://mail.example.org", "smtp://", "mail.example.org:25"):
        with pytest.raises(MailURLInvalid):
            from_url(bad, "/instance")


def test_mail_commands_list_show_check_and_send_digests(database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from handbook.cli import main
    from conftest import accounts

    instance = tmp_path / "instance"
    monkeypatch.setenv("HANDBOOK_INSTANCE", str(instance))
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    app = build_app(database_url, instance)
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        accounts.register(session, "newcomer", "new@example.org", PASSWORD)
        reader = accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
        notifications.set_preferences(session, reader, {"proposal_rejected": "digest"}, True)
        notifications.tell(session, reader, "proposal_rejected", key="k", path="/me/proposals",
                           title="Weaving", librarian="libby", reason="No")
    app.extensions["handbook_engine"].dispose()

    def run(*args, **env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    listed = run("mail", "list")
    assert listed.exit_code == 0 and "new@example.org\tConfirm your email address" in listed.output
    shown = run("mail", "show", "1")
    assert "To: new@example.org" in shown.output and "/confirm/" in shown.output
    assert run("mail", "show", "9").exit_code == 1
    assert run("mail", "check").output.strip() == "No mail is owed."
    assert run("mail", "digest").output.strip() == "Queued 1 digest mails."
    assert run("mail", "digest").output.strip() == "No digests to send today."
    assert "Your daily digest: 1 new" in run("mail", "list").output
    with db.session_scope(build_app(database_url, instance,
                                    MAIL_URL=f"smtp://127.0.0.1:{free_port()}").extensions[
                                        "handbook_runtime"]) as session:
        accounts.request_password_reset(session, "connie@example.org")
    checked = run("mail", "check", HANDBOOK_MAIL_URL=f"smtp://127.0.0.1:{free_port()}")
    assert checked.exit_code == 1 and "1 failed attempts" in checked.output
    assert "Connection refused" in checked.output
