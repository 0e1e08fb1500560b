"""A handbook that has lived a little: a scripted history of what people do, and what came of it.

Every line of text carries a token (`tok<n>`) used nowhere else, so a test can ask of any
channel whether text that was never published, or is no longer public, shows up there. The
words are made up, so the history can sit beside any other corpus without matching its queries.
"""

import random
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select

from handbook import changes
from handbook import content_io
from handbook import db
from handbook.models import Comment
from handbook.models import CommentState
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.services import accounts
from handbook.services import comments
from handbook.services import moderation
from handbook.services import pages
from handbook.services import redaction
from handbook.services import sections
from handbook.services import trust
from handbook.services.errors import ServiceError

SYLLABLES = ["zor", "vik", "quel", "mab", "tru", "fen", "dax", "ul", "pry", "gos", "nim", "hek"]


@dataclass
class History:
    """What the script did: the published text of each live page, and every token by fate."""

    current: dict = field(default_factory=dict)      # slug -> body readers see now
    published: set = field(default_factory=set)      # tokens of text published at some time
    unpublished: set = field(default_factory=set)    # tokens of text never published
    removed: set = field(default_factory=set)        # tokens of removed pages' text
    redacted: set = field(default_factory=set)       # tokens only in revisions hidden since
    unshown_comments: set = field(default_factory=set)  # tokens of comments not published
    actions: list = field(default_factory=list)

    def hidden(self):
        """Tokens no reader may meet anywhere."""
        return ((self.unpublished - self.published) | (self.removed - self.public_tokens())
                | self.redacted | self.unshown_comments)

    def public_tokens(self):
        return {token for body in self.current.values() for token in tokens_of(body)}


def tokens_of(text):
    return {word for word in text.split() if word.startswith("tok")}


class Script:
    def __init__(self, session, renderer, seed):
        self.session = session
        self.renderer = renderer
        self.rng = random.Random(seed)
        self.counter = 0
        self.history = History()

    def word(self):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(2))

    def line(self):
        self.counter += 1
        return f"{self.word()} {self.word()} tok{self.counter} {self.word()}"

    def body(self, lines=6):
        return "\n\n".join(self.line() for _ in range(lines)) + "\n"

    def changed(self, body):
        parts = body.rstrip("\n").split("\n\n")
        parts[self.rng.randrange(len(parts))] = self.line()
        return "\n\n".join(parts) + "\n"

    def record(self, action, outcome):
        revision = outcome.revision if hasattr(outcome, "revision") else outcome
        tokens = tokens_of(revision.body)
        if revision.status.value == "published":
            self.history.published |= tokens
        else:
            self.history.unpublished |= tokens

    def attempt(self, action, call):
        try:
            result = call()
            self.session.commit()
            self.history.actions.append(action)
            return result
        except ServiceError:
            self.session.rollback()
            return None


def live(session, renderer, *, seed=7, steps=120, folder=None):
    """Run a history of `steps` actions by several roles; the History of what was done."""
    script = Script(session, renderer, seed)
    rng = script.rng
    librarian = accounts.create_user(session, "archivist", "archivist@example.org",
                                     "long enough password", Role.librarian)
    writers = [accounts.create_user(session, f"writer{n}", f"writer{n}@example.org",
                                    "long enough password", Role.contributor) for n in range(3)]
    archive = sections.create_section(session, librarian, title="Archive", summary="Old notes.",
                                      renderer=renderer)
    session.commit()
    trust.set_grant(session, librarian, writers[0], archive, True)  # publishes at once
    session.commit()
    for number in range(8):
        outcome = script.attempt("create", lambda: pages.create_page(
            session, librarian, section_id=archive.id, title=f"{script.word().capitalize()} {number}",
            body=script.body(), summary="start", renderer=renderer))
        script.record("create", outcome)

    def live_pages():
        return session.scalars(select(Page).where(Page.section_id == archive.id,
                                                  Page.current_revision_id.is_not(None))).all()

    def pending():
        return [proposal for page in session.scalars(select(Page).where(Page.section_id == archive.id))
                for proposal in _pending_of(session, page)]

    for _ in range(steps):
        choice = rng.choices(["propose", "approve", "reject", "withdraw", "edit", "rename",
                              "remove", "revert", "new", "amend", "hide", "comment",
                              "moderate"],
                             weights=[8, 6, 2, 1, 3, 1, 1, 1, 1, 1, 1, 3, 2])[0]
        live_now = live_pages()
        if choice in ("propose", "edit") and live_now:
            page = rng.choice(live_now)
            author = librarian if choice == "edit" else rng.choice(writers)
            base = page.current_revision
            outcome = script.attempt(choice, lambda: pages.save_edit(
                session, author, page, body=script.changed(base.body), summary=choice,
                base_revision_id=base.id, renderer=renderer))
            if outcome:
                script.record(choice, outcome)
        elif choice in ("approve", "reject", "withdraw", "amend") and pending():
            proposal = rng.choice(pending())
            if choice == "approve":
                published = script.attempt(choice, lambda: moderation.approve(
                    session, librarian, proposal.id, renderer=renderer))
                if published is None:  # a conflict: reject it instead
                    script.attempt("reject", lambda: moderation.reject(
                        session, librarian, proposal.id, "conflicts with the current text"))
                else:
                    script.record(choice, published)
            elif choice == "reject":
                script.attempt(choice, lambda: moderation.reject(session, librarian, proposal.id,
                                                                 "not quite"))
            elif choice == "withdraw":
                script.attempt(choice, lambda: moderation.withdraw(
                    session, proposal.author, proposal.id))
            else:
                outcome = script.attempt(choice, lambda: moderation.amend(
                    session, proposal.author, proposal.id, body=script.changed(proposal.body),
                    base_revision_id=proposal.base_revision_id, renderer=renderer))
                if outcome:
                    script.record(choice, outcome)
        elif choice == "rename" and live_now:
            page = rng.choice(live_now)
            script.attempt(choice, lambda: pages.rename(
                session, librarian, page, title=f"{script.word().capitalize()} renamed",
                section_id=archive.id))
        elif choice == "remove" and len(live_now) > 4:
            page = rng.choice(live_now)
            script.attempt(choice, lambda: pages.remove(session, librarian, page, "tidy"))
        elif choice == "revert" and live_now:
            page = rng.choice(live_now)
            earlier = [revision for revision in _published_of(session, page)
                       if revision.id != page.current_revision_id]
            if earlier:
                target = rng.choice(earlier)
                script.attempt(choice, lambda: pages.revert(session, librarian, page, target.id,
                                                            renderer=renderer))
        elif choice == "hide" and live_now:
            revision = rng.choice(_published_of(session, rng.choice(live_now)))
            script.attempt(choice, lambda: redaction.hide(
                session, librarian, revision, text=True, summary=rng.random() < 0.5,
                reason="personal details"))
        elif choice == "comment" and live_now:
            page, author = rng.choice(live_now), rng.choice(writers + [librarian])
            script.attempt(choice, lambda: comments.post(
                session, author, page, script.line(), renderer=renderer))
        elif choice == "moderate":
            waiting = session.scalars(select(Comment).where(Comment.state.in_(
                [CommentState.held, CommentState.published]))).all()
            if waiting:
                comment = rng.choice(waiting)
                action = (rng.choice(["approve", "reject"]) if comment.state is CommentState.held
                          else "hide")
                script.attempt(choice, lambda: comments.decide(
                    session, librarian, comment, action, "policy"))
        elif choice == "new":
            outcome = script.attempt(choice, lambda: pages.create_page(
                session, rng.choice(writers), section_id=archive.id,
                title=f"{script.word().capitalize()} proposed {script.counter}",
                body=script.body(3), summary="new", renderer=renderer))
            if outcome:
                script.record(choice, outcome)
    if folder is not None:
        _import_some(session, renderer, script, folder)
    changes.drain(session.info["runtime"])
    session.rollback()
    script.history.current = {page.slug: page.current_revision.body for page in session.scalars(
        select(Page).where(Page.current_revision_id.is_not(None)))}
    for page in session.scalars(select(Page).where(Page.current_revision_id.is_(None))):
        for revision in _published_of(session, page):
            script.history.removed |= tokens_of(revision.body)
    published = session.scalars(select(Revision).where(
        Revision.status == RevisionStatus.published)).all()
    shown = {token for revision in published if not revision.text_hidden
             for token in tokens_of(revision.body)}
    script.history.redacted = {token for revision in published if revision.text_hidden
                               for token in tokens_of(revision.body)} - shown
    script.history.unshown_comments = {
        token for comment in session.scalars(select(Comment).where(
            Comment.state != CommentState.published)) for token in tokens_of(comment.body)}
    return script.history


def _import_some(session, renderer, script, folder):
    """An import of two pages into a section of their own (files, as `handbook import` reads)."""
    section_dir = folder / "09-imported"
    section_dir.mkdir(parents=True)
    (section_dir / "_section.md").write_text("---\ntitle: Imported\norder: 9\n---\nFrom files.\n")
    for number in range(2):
        body = script.body(3)
        (section_dir / f"imported-{number}.md").write_text(
            f"---\ntitle: Imported {number}\norder: {number}\ntags: [zorvik]\n---\n{body}")
        script.history.published |= tokens_of(body)
    db.begin_write(session)
    content_io.import_dir(session, folder, renderer)
    session.commit()
    script.history.actions.append("import")


def _pending_of(session, page):
    return session.scalars(select(Revision).where(Revision.page_id == page.id,
                                                  Revision.status == RevisionStatus.pending)).all()


def _published_of(session, page):
    return session.scalars(select(Revision).where(Revision.page_id == page.id,
                                                  Revision.status == RevisionStatus.published)).all()
