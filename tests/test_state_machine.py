"""What people do, in any order Hypothesis finds, against the promises the handbook makes.

Rules: propose, amend, withdraw, approve, reject, edit as a librarian, create, rename, remove,
revert, import, search, read. Invariants: no answer is a 5xx; readers never meet text that is
not published (page, history, diffs, revisions, feed, recent changes, search, API, export);
contributors who watch everything are told (inbox and mail) of no one else's unpublished text;
search finds exactly the pages whose published text holds a word; history only grows;
`search-check` is clean once the owed work is done.
"""

import re

import pytest
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import func
from sqlalchemy import select

from handbook import changes
from handbook import content_io
from handbook import db
from handbook.models import Notification
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.search import check
from handbook.services import accounts
from handbook.services import moderation
from handbook.services import notifications
from handbook.services import pages
from handbook.services import sections
from handbook.services import watching
from handbook.services.errors import ServiceError

from conftest import RENDER
from conftest import backends
from conftest import build_app
from conftest import fresh_database
from conftest import stored_mail
from smtp import html_of
from smtp import text_of

TOKEN = re.compile(r"tok\d+")
SETTINGS = settings(max_examples=8, stateful_step_count=18, deadline=None,
                    suppress_health_check=list(HealthCheck))
choice = st.integers(min_value=0, max_value=1000)


class Handbook(RuleBasedStateMachine):
    def __init__(self, make_app, folder):
        super().__init__()
        self.app = make_app()
        self.folder = folder
        self.session = db.new_session(self.app.extensions["handbook_runtime"], writing=True)
        self.librarian = accounts.create_user(self.session, "libby", "libby@example.org", "long enough pw",
                                              Role.librarian)
        self.writers = [accounts.create_user(self.session, f"writer{n}", f"writer{n}@example.org",
                                             "long enough pw", Role.contributor) for n in range(2)]
        self.section = sections.create_section(self.session, self.librarian, title="Methods",
                                               renderer=RENDER)
        for writer in self.writers:
            watching.watch(self.session, writer, section=self.section)
            notifications.set_preferences(self.session, writer, {
                kind: "mail" for kind in notifications.KINDS}, watch_own_proposals=True)
        self.session.commit()
        self.reader = self.app.test_client()
        self.counter = 0
        self.ever_published = set()
        self.history_sizes = {}

    def teardown(self):
        self.session.close()
        self.app.extensions["handbook_engine"].dispose()

    # what people do ----------------------------------------------------------------------

    def text(self, lines=3):
        parts = []
        for _ in range(lines):
            self.counter += 1
            parts.append(f"weave tok{self.counter} bridge")
        return "\n\n".join(parts) + "\n"

    def edited(self, body, which):
        parts = body.rstrip("\n").split("\n\n")
        self.counter += 1
        parts[which % len(parts)] = f"weave tok{self.counter} bridge"
        return "\n\n".join(parts) + "\n"

    def attempt(self, call):
        try:
            result = call()
            self.session.commit()
            return result
        except ServiceError:
            self.session.rollback()
            return None

    def live(self):
        self.session.rollback()
        return self.session.scalars(select(Page).where(Page.current_revision_id.is_not(None))
                                    .order_by(Page.id)).all()

    def pending(self):
        self.session.rollback()
        return self.session.scalars(select(Revision).where(Revision.status == RevisionStatus.pending)
                                    .order_by(Revision.id)).all()

    @staticmethod
    def pick(items, which):
        return items[which % len(items)] if items else None

    @rule(which=choice)
    def librarian_creates(self, which):
        self.attempt(lambda: pages.create_page(
            self.session, self.librarian, section_id=self.section.id, title=f"Page {which}",
            body=self.text(), renderer=RENDER))

    @rule(which=choice, writer=st.integers(0, 1))
    def contributor_proposes_a_page(self, which, writer):
        body = self.text()
        self.attempt(lambda: pages.create_page(
            self.session, self.writers[writer], section_id=self.section.id,
            title=f"Proposed {which}", body=body, summary=f"starts tok{self.counter}",
            renderer=RENDER))

    @rule(which=choice, writer=st.integers(0, 1))
    def contributor_proposes_an_edit(self, which, writer):
        page = self.pick(self.live(), which)
        if page is not None:
            body = self.edited(page.current_revision.body, which)
            self.attempt(lambda: pages.save_edit(
                self.session, self.writers[writer], page, body=body, summary=f"adds tok{self.counter}",
                base_revision_id=page.current_revision_id, renderer=RENDER))

    @rule(which=choice)
    def librarian_edits(self, which):
        page = self.pick(self.live(), which)
        if page is not None:
            self.attempt(lambda: pages.save_edit(
                self.session, self.librarian, page, body=self.edited(page.current_revision.body, which),
                base_revision_id=page.current_revision_id, renderer=RENDER))

    @rule(which=choice)
    def approve(self, which):
        proposal = self.pick(self.pending(), which)
        if proposal is not None:
            self.attempt(lambda: moderation.approve(self.session, self.librarian, proposal.id,
                                                    renderer=RENDER))

    @rule(which=choice)
    def reject(self, which):
        proposal = self.pick(self.pending(), which)
        if proposal is not None:
            self.attempt(lambda: moderation.reject(self.session, self.librarian, proposal.id, "no"))

    @rule(which=choice)
    def withdraw(self, which):
        proposal = self.pick(self.pending(), which)
        if proposal is not None:
            self.attempt(lambda: moderation.withdraw(self.session, proposal.author, proposal.id))

    @rule(which=choice)
    def amend(self, which):
        proposal = self.pick(self.pending(), which)
        if proposal is not None:
            draft = moderation.amend_draft(proposal)
            body = "\n\n".join(part for part in draft.body.split("\n\n") if "<<<<<<<" not in part
                               and ">>>>>>>" not in part and "=======" not in part) or self.text()
            self.attempt(lambda: moderation.amend(
                self.session, proposal.author, proposal.id, body=self.edited(body, which),
                base_revision_id=draft.base_revision_id, renderer=RENDER))

    @rule(which=choice)
    def rename(self, which):
        page = self.pick(self.live(), which)
        if page is not None:
            self.attempt(lambda: pages.rename(self.session, self.librarian, page,
                                              title=f"Renamed {which}", section_id=self.section.id))

    @rule(which=choice)
    def remove(self, which):
        page = self.pick(self.live(), which)
        if page is not None:
            self.attempt(lambda: pages.remove(self.session, self.librarian, page, "tidy"))

    @rule(which=choice)
    def revert(self, which):
        page = self.pick(self.live(), which)
        if page is None:
            return
        earlier = self.session.scalars(select(Revision).where(
            Revision.page_id == page.id, Revision.status == RevisionStatus.published,
            Revision.id != page.current_revision_id)).all()
        target = self.pick(earlier, which)
        if target is not None:
            self.attempt(lambda: pages.revert(self.session, self.librarian, page, target.id,
                                              renderer=RENDER))

    @rule(which=choice)
    def import_files(self, which):
        section_dir = self.folder / f"import-{self.counter}" / "01-methods"
        section_dir.mkdir(parents=True)
        (section_dir / "_section.md").write_text("---\ntitle: Methods\n---\n")
        (section_dir / f"imported-{which}.md").write_text(
            f"---\ntitle: Imported {which}\ntags: [t{which % 3}]\n---\n{self.text(2)}")
        self.session.rollback()
        db.begin_write(self.session)
        try:
            content_io.import_dir(self.session, section_dir.parent, RENDER)
            self.session.commit()
        except (ServiceError, content_io.ContentError):
            self.session.rollback()

    @rule(query=st.sampled_from(['"weave tok1"', "bridge", "tok2 OR tok3", "-weave", "weav*"]))
    def search(self, query):
        assert self.reader.get("/search", query_string={"q": query}).status_code == 200

    # the promises --------------------------------------------------------------------------

    def tokens(self):
        """(tokens of text published now, tokens of text readers may never meet). A published
        revision's summary is in its page's history, and may hold a token that an unpublished
        text holds too."""
        self.session.rollback()
        rows = self.session.execute(select(Revision.body, Revision.summary, Revision.status,
                                           Page.current_revision_id, Revision.id)
                                    .join(Page, Page.id == Revision.page_id)).all()
        public, published_ever = set(), set()
        for body, summary, status, current, revision_id in rows:
            if status is RevisionStatus.published and current is not None:
                published_ever |= set(TOKEN.findall(f"{body} {summary or ''}"))
            if revision_id == current:
                public |= set(TOKEN.findall(body))
        every = {token for body, *_ in rows for token in TOKEN.findall(body)}
        return public, every - published_ever

    @invariant()
    def readers_never_meet_unpublished_text(self):
        public, hidden = self.tokens()
        paths = ["/", "/recent", "/recent.atom", "/sections/methods", "/users/writer0", "/users/libby"]
        for page in self.live():
            paths += [f"/wiki/{page.slug}", f"/wiki/{page.slug}/history", f"/wiki/{page.slug}/diff"]
        seen = ""
        for path in paths:
            response = self.reader.get(path)
            assert response.status_code < 500, path
            seen += response.get_data(as_text=True)
        for token in sorted(hidden)[:6]:
            response = self.reader.get("/api/v1/search", query_string={"q": token})
            assert response.status_code == 200 and response.get_json()["results"] == [], token
        assert not hidden & set(TOKEN.findall(seen))

    def never_published(self):
        """Tokens of text that was never published (a watcher may have been told of text
        published then, whose page was removed since; never of these). A published revision's
        summary is published with it (watchers are told it), and may hold a token that an
        unpublished text holds too."""
        self.session.rollback()
        rows = self.session.execute(select(Revision.body, Revision.summary, Revision.status)).all()
        published = {token for body, summary, status in rows if status is RevisionStatus.published
                     for token in TOKEN.findall(f"{body} {summary or ''}")}
        return {token for body, _, _ in rows for token in TOKEN.findall(body)} - published

    @invariant()
    def people_are_told_only_what_they_may_see(self):
        hidden = self.never_published()
        mails = stored_mail(self.app)
        for writer in self.writers:
            own = {token for body in self.session.scalars(select(Revision.body).where(
                Revision.author_id == writer.id)) for token in TOKEN.findall(body)}
            told = " ".join(f"{entry.subject} {entry.body}" for entry in self.session.scalars(
                select(Notification).where(Notification.user_id == writer.id)))
            told += " ".join(f"{message['Subject']} {text_of(message)} {html_of(message)}"
                             for message in mails if message["To"] == writer.email)
            assert set(TOKEN.findall(told)) & hidden <= own

    @invariant()
    def search_finds_exactly_the_pages_holding_a_word(self):
        for page in self.live():
            for token in TOKEN.findall(page.current_revision.body)[:1]:
                results = self.reader.get("/api/v1/search", query_string={"q": token}).get_json()
                assert [hit["slug"] for hit in results["results"]] == [page.slug], token
                phrase = f'"weave {token}"'
                results = self.reader.get("/api/v1/search", query_string={"q": phrase}).get_json()
                assert [hit["slug"] for hit in results["results"]] == [page.slug], phrase

    @invariant()
    def history_only_grows(self):
        self.session.rollback()
        counts = dict(self.session.execute(
            select(Revision.page_id, func.count(Revision.id)).group_by(Revision.page_id)).all())
        for page_id, count in self.history_sizes.items():
            assert counts.get(page_id, 0) >= count
        self.history_sizes = counts

    @invariant()
    def the_index_matches_the_database(self):
        changes.drain(self.app.extensions["handbook_runtime"])
        self.session.rollback()
        assert check.compare(self.session, self.app.extensions["handbook_search"]).clean


@pytest.mark.slow
@pytest.mark.parametrize("kind", backends())
def test_people_doing_things_in_any_order(request, tmp_path_factory, kind):
    def make_app():
        folder = tmp_path_factory.mktemp("machine")
        return build_app(fresh_database(request, kind, folder), folder / "instance")

    run_state_machine_as_test(lambda: Handbook(make_app, tmp_path_factory.mktemp("imports")),
                              settings=SETTINGS)
