"""Accounts through the browser's forms: confirming an address, forgetting a password,
settings, deleting an account, and email addresses that appear nowhere public."""

import re

from sqlalchemy import select

from handbook import content_io
from handbook import db
from handbook import tokens
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import User
from handbook.services import accounts
from handbook.services import pages

from conftest import PASSWORD
from conftest import RENDER
from conftest import build_app
from conftest import login
from conftest import post
from conftest import stored_mail
from smtp import text_of

LINK = re.compile(r"http://127\.0\.0\.1:5000(/\S+)")
NEW_PASSWORD = "a brand new passphrase"


def mailed_link(app, prefix, to=None):
    """The path of the newest mailed link starting with `prefix` (to `to`, if given)."""
    for message in reversed(stored_mail(app)):
        if to is None or message["To"] == to:
            for link in LINK.findall(text_of(message)):
                if link.startswith(prefix):
                    return link
    raise AssertionError(f"no mail with a {prefix} link")


def register(client, name="newcomer", email="new@example.org"):
    return post(client, "/register", {"name": name, "email": email, "password": PASSWORD})


def test_a_new_account_reads_but_proposes_only_once_its_address_is_confirmed(app, client, make_page):
    make_page("Network weaving")
    register(client)
    assert "Logged in as newcomer" in post(client, "/login", {"name": "newcomer", "password": PASSWORD},
                                          follow_redirects=True).get_data(as_text=True)
    refused = client.get("/wiki/network-weaving/edit")
    assert refused.status_code == 403 and "Confirm your address first" in refused.get_data(as_text=True)
    assert "Confirm your address to edit" in client.get("/wiki/network-weaving").get_data(as_text=True)
    link = mailed_link(app, "/confirm/")
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert client.get("/wiki/network-weaving/edit").status_code == 403  # a GET changes nothing
    done = post(client, link, token_from=link, follow_redirects=True)
    assert "Your address is confirmed" in done.get_data(as_text=True)
    assert client.get("/wiki/network-weaving/edit").status_code == 200
    again = post(client, link, token_from=link, follow_redirects=True)
    assert again.status_code == 200 and "already confirmed" in again.get_data(as_text=True)


def test_confirmation_links_forged_damaged_or_expired_get_a_clear_page(app, client, monkeypatch):
    register(client)
    link = mailed_link(app, "/confirm/")
    for bad in (link[:-4] + "AAAA", "/confirm/not-a-token", "/confirm/" + "x" * 3000):
        response = client.get(bad)
        assert response.status_code == 400
        assert "This link does not work" in response.get_data(as_text=True)
    monkeypatch.setattr(tokens, "CONFIRM_MAX_AGE", -1)
    expired = client.get(link)
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)


def test_the_confirmation_link_can_be_sent_again_within_limits(database_url, tmp_path):
    app = build_app(database_url, tmp_path / "instance", MAIL_ACCOUNT_LIMITS="2 per hour")
    client = app.test_client()
    register(client)
    post(client, "/login", {"name": "newcomer", "password": PASSWORD})
    for _ in range(4):
        response = post(client, "/me/confirm/resend", token_from="/me/settings", follow_redirects=True)
        assert "We have sent a new confirmation link" in response.get_data(as_text=True)
    assert len(stored_mail(app)) == 1 + 2  # registration, then two within the account's limit
    app.extensions["handbook_engine"].dispose()


def test_an_admin_confirms_an_address_by_hand(app, client, admin):
    register(client)
    login(client, admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Confirm the address of newcomer" in page
    post(client, "/admin/users/newcomer/confirm", token_from="/admin/users")
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        assert accounts.get_by_name(session, "newcomer").is_confirmed


def test_forgot_password_answers_alike_and_the_link_works_once(app, contributor):
    asking = app.test_client()
    known = post(asking, "/forgot-password", {"email": "CONNIE@example.org "}).get_data(as_text=True)
    unknown = post(asking, "/forgot-password", {"email": "nobody@example.org"}).get_data(as_text=True)
    strip = lambda html: re.sub(r"value=\"[^\"]*\"|If an account uses \S+", "", html)  # noqa: E731
    assert strip(known) == strip(unknown)
    assert len(stored_mail(app)) == 1
    elsewhere = app.test_client()
    login(elsewhere, contributor)
    link = mailed_link(app, "/reset-password/")
    assert "For the account <strong>connie</strong>" in asking.get(link).get_data(as_text=True)
    short = post(asking, link, {"new_password": "short"}, token_from=link)
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    done = post(asking, link, {"new_password": NEW_PASSWORD}, token_from=link, follow_redirects=True)
    assert "Your new password is set" in done.get_data(as_text=True)
    assert "Log out" in done.get_data(as_text=True)
    assert elsewhere.get("/me/settings").status_code == 302  # every other session ended
    used = asking.get(link)
    assert used.status_code == 400 and "used already" in used.get_data(as_text=True)
    assert login(app.test_client(), contributor, NEW_PASSWORD).status_code == 302


def test_forgot_password_is_rate_limited_per_address_and_per_account(database_url, tmp_path):
    app = build_app(database_url, tmp_path / "instance", MAIL_FORM_LIMITS="3 per hour",
                    MAIL_ACCOUNT_LIMITS="1 per hour")
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        accounts.create_user(session, "connie", "connie@example.org", PASSWORD)
    client = app.test_client()
    token = post(client, "/forgot-password", {"email": "connie@example.org"}).status_code
    assert token == 200
    assert post(client, "/forgot-password", {"email": "connie@example.org"}).status_code == 200
    assert len(stored_mail(app)) == 1  # the account's limit: the same answer, no second mail
    assert post(client, "/forgot-password", {"email": "x@example.org"}).status_code == 200
    assert post(client, "/forgot-password", {"email": "y@example.org"}).status_code == 429
    app.extensions["handbook_engine"].dispose()


def test_the_command_line_prints_a_reset_link_for_admins_without_mail(app, contributor, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from handbook.cli import main

    monkeypatch.setenv("HANDBOOK_INSTANCE", app.instance_path)
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("HANDBOOK_SECRET_KEY", app.config["SECRET_KEY"])
    result = CliRunner().invoke(main, ["users", "reset-password", "connie"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [link] = LINK.findall(result.output)
    client = app.test_client()
    post(client, link, {"new_password": NEW_PASSWORD}, token_from=link)
    assert login(app.test_client(), contributor, NEW_PASSWORD).status_code == 302


def test_settings_display_name_is_checked_and_shown_with_the_account_name(app, client, make_page,
                                                                           librarian):
    make_page("Network weaving")
    login(client, librarian)
    bad = post(client, "/me/settings/profile", {"display_name": "Libby\u202e evil"},
               token_from="/me/settings")
    assert bad.status_code == 400
    assert "cannot be shown" in bad.get_data(as_text=True)
    assert "Libby\u202e evil" in bad.get_data(as_text=True)  # the typed text comes back
    post(client, "/me/settings/profile", {"display_name": "Libby Lane"}, token_from="/me/settings")
    history = app.test_client().get("/wiki/network-weaving/history").get_data(as_text=True)
    assert "Libby Lane (libby)" in history
    assert "Libby Lane (libby)" in app.test_client().get("/wiki/network-weaving").get_data(as_text=True)


def test_changing_the_address_needs_the_password_and_the_new_address_confirmed(app, client, contributor):
    login(client, contributor)
    wrong = post(client, "/me/settings/email", {"email": "connie@new.example", "current_password": "nope"},
                 token_from="/me/settings")
    assert wrong.status_code == 400 and "connie@new.example" in wrong.get_data(as_text=True)
    post(client, "/me/settings/email", {"email": "connie@new.example", "current_password": PASSWORD},
         token_from="/me/settings")
    link = mailed_link(app, "/me/settings/confirm-email/", to="connie@new.example")
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        assert session.get(User, contributor.id).email == "connie@example.org"  # not yet
    opened_elsewhere = app.test_client()
    assert "Use this address" in opened_elsewhere.get(link).get_data(as_text=True)
    post(opened_elsewhere, link, token_from=link)
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        assert session.get(User, contributor.id).email == "connie@new.example"
    [notice] = [message for message in stored_mail(app) if message["To"] == "connie@example.org"]
    assert "was changed" in text_of(notice)
    assert post(opened_elsewhere, link, token_from=link).status_code == 302  # already done


def test_deleting_an_account_keeps_its_edits_for_a_former_contributor(app, client, make_page,
                                                                      contributor, librarian, session):
    page = make_page("Network weaving", "One\n")
    published = pages.save_edit(session, contributor, page, body="One\nTwo\n",
                                base_revision_id=page.current_revision_id, renderer=RENDER).revision
    from handbook.services import moderation

    moderation.approve(session, librarian, published.id, renderer=RENDER)
    session.commit()
    waiting = pages.save_edit(session, contributor, page, body="One\nTwo\nThree\n",
                              base_revision_id=page.current_revision_id, renderer=RENDER).revision
    session.commit()
    login(client, contributor)
    explained = client.get("/me/settings/delete").get_data(as_text=True)
    assert "a former contributor" in explained
    wrong = post(client, "/me/settings/delete", {"current_password": PASSWORD, "confirm": "yes"},
                 token_from="/me/settings/delete")
    assert wrong.status_code == 400 and "Type “delete my account”" in wrong.get_data(as_text=True)
    post(client, "/me/settings/delete", {"current_password": PASSWORD, "confirm": "Delete my account"},
         token_from="/me/settings/delete")
    assert client.get("/me/settings").status_code == 302
    history = app.test_client().get("/wiki/network-weaving/history").get_data(as_text=True)
    assert "a former contributor" in history and "connie" not in history
    assert app.test_client().get("/users/connie").status_code == 404
    assert login(app.test_client(), contributor).status_code == 401
    session.expire_all()
    gone = session.get(User, contributor.id)
    assert "connie" not in gone.email and gone.name.startswith("former-")
    assert session.get(Revision, waiting.id).status is RevisionStatus.withdrawn


def test_email_addresses_appear_nowhere_public(app, client, make_page, contributor, librarian,
                                               session, tmp_path):
    page = make_page("Network weaving", "One\n")
    edit = pages.save_edit(session, contributor, page, body="One\nTwo\n",
                           base_revision_id=page.current_revision_id, renderer=RENDER).revision
    from handbook.services import moderation

    moderation.approve(session, librarian, edit.id, renderer=RENDER)
    session.commit()
    member = app.test_client()
    login(member, librarian)
    public = ["/", "/sections/practical-methods", "/wiki/network-weaving",
              "/wiki/network-weaving/history", f"/wiki/network-weaving/revisions/{edit.id}",
              f"/wiki/network-weaving/diff?to={edit.id}", "/recent", "/recent.atom",
              "/users/connie", "/users/libby", "/search?q=weaving", "/api/v1/search?q=weaving"]
    for viewer in (client, member):
        for path in public:
            body = viewer.get(path).get_data(as_text=True)
            assert "@example.org" not in body, path
    content_io.export_dir(session, tmp_path / "export")
    for path in (tmp_path / "export").rglob("*"):
        if path.is_file():
            assert "@example.org" not in path.read_text(), path


def test_registering_a_taken_address_answers_alike_and_tells_its_owner_once_an_hour(app, contributor):
    first = register(app.test_client(), "someone", "connie@example.org").get_data(as_text=True)
    fresh = register(app.test_client(), "another", "free@example.org").get_data(as_text=True)
    assert first.replace("someone", "X").replace("connie@example.org", "Y") == \
        fresh.replace("another", "X").replace("free@example.org", "Y")
    register(app.test_client(), "third", "connie@example.org")
    told = [message for message in stored_mail(app) if message["To"] == "connie@example.org"]
    assert len(told) == 1
    assert "already belongs to your account, “connie”" in text_of(told[0])
    assert "/forgot-password" in text_of(told[0])


def test_any_token_in_a_link_gets_a_clear_answer_and_changes_nothing(database_url, tmp_path):
    """Whatever a link carries, each token route answers 400 or 404 with a page, never a 5xx."""
    from hypothesis import HealthCheck
    from hypothesis import assume
    from hypothesis import given
    from hypothesis import settings
    from hypothesis import strategies as st

    app = build_app(database_url, tmp_path / "instance", WTF_CSRF_ENABLED=False)
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        accounts.register(session, "newcomer", "new@example.org", PASSWORD)
    client = app.test_client()
    valid = tokens.confirm_address(app.config["SECRET_KEY"], 1, "new@example.org")
    routes = ["/confirm/", "/reset-password/", "/unsubscribe/", "/me/settings/confirm-email/",
              "/feeds/"]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                             max_size=300),
                     st.builds(lambda cut, extra: valid[:cut] + extra, st.integers(0, len(valid)),
                               st.text("abcXYZ019-_.", max_size=8))),
           st.sampled_from(routes), st.booleans())
    def check(token, route, posting):
        from urllib.parse import quote

        assume(token != valid)
        path = route + quote(token, safe="") + ("/notifications.atom" if route == "/feeds/" else "")
        # a token starting with "/" makes "//", which routing answers with a redirect (308) to
        # the address with one slash: followed, it must get the same clear answer
        response = (client.post(path, data={"new_password": NEW_PASSWORD}, follow_redirects=True)
                    if posting else client.get(path, follow_redirects=True))
        assert response.status_code in (400, 404, 405), (path, response.status_code)

    check()
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        user = session.scalar(select(User).where(User.name == "newcomer"))
        assert not user.is_confirmed and accounts.HASHER.verify(user.password_hash, PASSWORD)
    app.extensions["handbook_engine"].dispose()
