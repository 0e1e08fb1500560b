"""Typed SQLAlchemy models: accounts, sections, pages, their revisions, links, the audit log,
notifications, watches, outgoing mail, earned trust, readers' reports, page discussions,
coffee pairings and saved reflections."""

import enum
import secrets
from datetime import datetime
from datetime import timezone

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow():
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def new_session_token():
    """A fresh random token; changing it ends every session of the account."""
    return secrets.token_urlsafe(16)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.Enum):
    """What an account may do; each role includes the ones before it."""

    contributor = 1
    librarian = 2
    admin = 3


class RevisionStatus(enum.Enum):
    """Where a revision stands in review; only `published` text is ever shown to readers."""

    pending = "pending"
    #: a librarian asked the author for changes; it waits for the author to amend it
    changes_requested = "changes_requested"
    #: the page changed on the same lines; it waits for the author to resolve the conflict
    needs_author = "needs_author"
    published = "published"
    merged = "merged"
    rejected = "rejected"
    withdrawn = "withdrawn"
    superseded = "superseded"


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every database (SQLite keeps them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    #: lower-cased name, so "Ada" and "ada" cannot both register
    name_key: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: part of every session and remember-me cookie; rotating it logs the account out everywhere
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    #: the system account that imports content cannot log in
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the public name beside the account name (optional)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    #: when the owner proved the address is theirs; unconfirmed accounts read but cannot propose
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: whether proposing to a page starts watching it
    watch_own_proposals: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the secret in the address of the account's private notifications feed
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: set when the owner deleted the account: its personal data is gone, its edits stay
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: a librarian who reviews every section (otherwise only those in `review_sections`)
    all_sections: Mapped[bool] = mapped_column(Boolean, default=True)
    review_sections: Mapped[list["Section"]] = relationship(
        secondary="librarian_sections", order_by="Section.position")

    # The interface flask-login expects of a user object.
    is_authenticated = True
    is_anonymous = False
    #: unread notifications, counted by auth.load_user with the account itself
    unread_notifications = 0

    @property
    def is_active(self):
        return not self.blocked and not self.is_system and self.deleted_at is None

    @property
    def is_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def public_name(self):
        """How the account is credited in public: its display name with the account name (so
        nobody can pass as someone else), or "a former contributor" once deleted."""
        if self.deleted_at is not None:
            return "a former contributor"
        return f"{self.display_name} ({self.name})" if self.display_name else self.name

    def get_id(self):
        """Session identity: id and token, so rotating the token ends every session."""
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self):
        self.session_token = new_session_token()


class Protection(enum.Enum):
    """Who may change a page: anyone proposing (librarians publish), librarians only, or
    anyone proposing with two different librarians approving."""

    open = "open"
    librarians = "librarians"
    two_approvals = "two_approvals"

    @staticmethod
    def effective(page_level, section_level):
        """A page's own level, or else its section's."""
        return page_level or section_level


class Section(Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: position on the contents page, lowest first
    position: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: markdown source of the introduction and its sanitized HTML
    introduction: Mapped[str] = mapped_column(Text, default="")
    introduction_html: Mapped[str] = mapped_column(Text, default="")
    #: the protection of its pages, unless a page sets its own
    protection: Mapped[Protection] = mapped_column(
        Enum(Protection, native_enum=False, length=20), default=Protection.open)
    #: approved proposals here after which a contributor is trusted (with no recent rejection)
    trust_after: Mapped[int] = mapped_column(Integer, default=5)
    #: the window, in days, for "recent" rejections (trust and throttling)
    trust_window_days: Mapped[int] = mapped_column(Integer, default=90)
    #: recent rejections after which an author may have only `throttle_pending` open proposals
    throttle_after: Mapped[int] = mapped_column(Integer, default=3)
    throttle_pending: Mapped[int] = mapped_column(Integer, default=2)
    #: months after a review by which its pages should be reviewed again; NULL: never due
    review_interval_months: Mapped[int | None] = mapped_column(Integer)
    #: phrases (one per line) the confidentiality guard flags in proposals here
    guard_phrases: Mapped[str] = mapped_column(Text, default="")

    pages: Mapped[list["Page"]] = relationship(
        back_populates="section", order_by="Page.position, Page.id"
    )


class LibrarianSection(Base):
    """A section a librarian reviews (for librarians not given all sections)."""

    __tablename__ = "librarian_sections"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), primary_key=True)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_section_order", "section_id", "position", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the title as a wiki link matches it (rendering.slugify): [[Title]] finds the page by it
    title_key: Mapped[str] = mapped_column(String(120), index=True, default="")
    #: position within the section, lowest first
    position: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: the revision readers see; NULL while a proposed new page awaits review
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: its own protection; NULL: the section's
    protection: Mapped[Protection | None] = mapped_column(
        Enum(Protection, native_enum=False, length=20))
    #: when a librarian last checked the page (publishing counts), and who
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when it should next be reviewed, by its section's interval; NULL: never due
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    section: Mapped[Section] = relationship(back_populates="pages")
    reviewed_by: Mapped["User | None"] = relationship(foreign_keys=[reviewed_by_id])
    current_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )

    @property
    def is_published(self):
        return self.current_revision_id is not None

    @property
    def effective_protection(self):
        return Protection.effective(self.protection, self.section.protection)


class Revision(Base):
    """One version of a page: append-only; only `status` and the review fields change."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_page_status", "page_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: the author's edit summary
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: the page's tags and summary as this revision sets them when it is published
    #: (None: it leaves them as they are)
    tags: Mapped[list | None] = mapped_column(JSON)
    page_summary: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: the published revision the author started from (NULL for a new page)
    base_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    status: Mapped[RevisionStatus] = mapped_column(
        Enum(RevisionStatus, native_enum=False, length=20)
    )
    #: when status became published (readers' history is ordered by it)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the librarian's reason for a rejection, shown to the author
    reason: Mapped[str] = mapped_column(Text, default="")
    #: for a merged proposal, the published revision that carries it
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    #: the librarian who edited the author's text before publishing it
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a librarian reviewing this proposal, and since when (a claim lapses after a while)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when its author asked for a second look at its rejection (once; another librarian decides)
    second_look_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: for a proposal rebased onto a newer published text: the proposal it replaced
    rebased_from_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    #: the first proposal of this one's line of amendments: its discussion belongs to all of them
    thread_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: published at once by a contributor trusted in the section; waits for a librarian's patrol
    unpatrolled: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    patrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    patrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: redaction: text and/or edit summary hidden from all but librarians, with why and by whom
    text_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    summary_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: sanitized HTML and table of contents, kept from save time
    html: Mapped[str] = mapped_column(Text, default="")
    toc_html: Mapped[str] = mapped_column(Text, default="")
    #: rendering.RENDER_VERSION that produced `html`; older ones are rendered again
    render_version: Mapped[int] = mapped_column(Integer, default=0)

    page: Mapped[Page] = relationship(foreign_keys=[page_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    base_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[base_revision_id], remote_side=[id]
    )

    @property
    def is_redacted(self):
        return self.text_hidden or self.summary_hidden


class TrustGrant(Base):
    """A librarian's decision that overrides earned trust in a section: granted or revoked."""

    __tablename__ = "trust_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), primary_key=True)
    trusted: Mapped[bool] = mapped_column(Boolean)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Report(Base):
    """A reader's report of a problem on a page; open until a librarian resolves it."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_page_open", "page_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    #: the published revision the reader was looking at
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    #: a key of services.reports.REASONS
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    #: NULL for an anonymous reader
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the comment reported, for a report on a page's discussion
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    #: a key of services.reports.RESOLUTIONS
    resolution: Mapped[str] = mapped_column(String(20), default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    page: Mapped[Page] = relationship()
    comment: Mapped["Comment | None"] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class ProposalNote(Base):
    """A note in a proposal's discussion, between its author and librarians (never public)."""

    __tablename__ = "proposal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Revision.thread_id of the proposals it belongs to (the first proposal's id)
    thread_id: Mapped[int] = mapped_column(Integer, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()


class Approval(Base):
    """A librarian's approval of a proposal on a page that needs two of them."""

    __tablename__ = "approvals"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), primary_key=True)
    librarian_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    librarian: Mapped[User] = relationship()


class RejectionReason(Base):
    """One of the handbook's canned reasons for a rejection, kept by admins."""

    __tablename__ = "rejection_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Link(Base):
    """A wiki link from a page's published text to a slug (which may not exist yet)."""

    __tablename__ = "links"

    source_page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    target_slug: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class Redirect(Base):
    """An old slug of a renamed page; /wiki/<old> answers 301 to the page's current slug."""

    __tablename__ = "redirects"

    old_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)


class AuditEntry(Base):
    """Who did what, when, to which page or account."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    page: Mapped[Page | None] = relationship()
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])


class SiteState(Base):
    """One row: a generation number bumped by every change readers can see (cache key)."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class ReaderPage(Base):
    """A complete page as an anonymous reader gets it, kept until something it shows changes.

    Shared by every worker and server on the database. `page_id` and `section_id` say what it
    shows, so a change goes stale only where it is seen; a row with neither is a list of the
    whole handbook (contents, recent changes, the feed).
    """

    __tablename__ = "reader_pages"

    path: Mapped[str] = mapped_column(String(600), primary_key=True)
    page_id: Mapped[int | None] = mapped_column(Integer, index=True)
    section_id: Mapped[int | None] = mapped_column(Integer, index=True)
    content_type: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(40))
    #: the build that rendered it (`release.fingerprint`): another build's pages are not served
    release: Mapped[str] = mapped_column(String(40), server_default="")
    #: the body compressed with brotli and with gzip, for readers who accept them
    body_br: Mapped[bytes | None] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Unix seconds (the Last-Modified header)
    stored_at: Mapped[int] = mapped_column(Integer)


class Media(Base):
    """An uploaded image (re-encoded) or PDF, kept in the database so every server has it.

    Only its uploader and librarians see it until a published revision uses it (`public`).
    `digest` is a hash of the uploader and the stored bytes: the address /media/<digest>/<name>.
    """

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploader: Mapped["User"] = relationship()
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class OutboxEntry(Base):
    """Work a commit owes to derived data (the search index, re-rendering of linking pages):
    written in the transaction that caused it, done after the commit, retried until done."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_kind_done", "kind", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which handler does it: "search" (index the page), "render" (render the page again) or
    #: "mail" (send the mail_messages row)
    kind: Mapped[str] = mapped_column(String(20))
    #: the page (or mail message) it concerns
    subject_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: failed attempts so far; the next one waits until `not_before`
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: set once the work is done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Watch(Base):
    """A person following a page or a whole section (exactly one of the two)."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "page_id", name="uq_watches_user_page"),
        UniqueConstraint("user_id", "section_id", name="uq_watches_user_section"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    page: Mapped[Page | None] = relationship()
    section: Mapped[Section | None] = relationship()


class Notification(Base):
    """One event told to one person: in their inbox, their feed and, by preference, mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the kind of event (services.events.EVENTS)
    kind: Mapped[str] = mapped_column(String(40))
    #: identity of the event for this person: the same event is never told twice
    key: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    #: the path of the thing itself, on this handbook
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: waiting for the person's next daily digest mail
    awaiting_digest: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class NotificationPreference(Base):
    """How a person wants one kind of event: "inbox", "mail" (at once) or "digest" (daily)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))


class MailMessage(Base):
    """A mail owed to someone: queued with the change that caused it, sent after the commit
    by the outbox (kind "mail"), and never twice for one `key`."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    #: which mail it is: templates/mail/<template>.txt and .html
    template: Mapped[str] = mapped_column(String(40))
    #: ids and words the template needs (never a token: links are signed when it is sent)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CommentState(enum.Enum):
    """Where a comment stands: only `published` comments are shown to everyone."""

    #: waiting for a librarian (a member's first comments, or flagged ones); only its author sees it
    held = "held"
    published = "published"
    rejected = "rejected"
    #: published, then hidden by a librarian
    hidden = "hidden"
    #: deleted by its author: "comment removed" stays in its place
    removed = "removed"


class Comment(Base):
    """A comment in a page's discussion, or a reply to one (one level deep)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_page_state", "page_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the comment this replies to (always a top-level one); NULL for a new thread
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    state: Mapped[CommentState] = mapped_column(Enum(CommentState, native_enum=False, length=20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: when its text was last edited by its author
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when it was first published (recent changes are ordered by it)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: the librarian who last decided it (approved, rejected, hid, restored), when and why
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")

    page: Mapped[Page] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CommentEdit(Base):
    """An earlier text of an edited comment (librarians see a comment's edit history)."""

    __tablename__ = "comment_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: when this text was replaced
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoffeeMember(Base):
    """A member who opted in to randomised coffee pairings, and how they like to meet. Only
    the people they are paired with see this."""

    __tablename__ = "coffee_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: 2 or 4: every round, or every other round
    every_weeks: Mapped[int] = mapped_column(Integer, default=2)
    #: a short line about what they work on
    line: Mapped[str] = mapped_column(String(200), default="")
    #: "video", "phone" or "in_person"
    meet_by: Mapped[str] = mapped_column(String(20), default="video")
    #: where, for meeting in person
    area: Mapped[str] = mapped_column(String(80), default="")
    #: whether their matches are told their email address, to arrange the meeting
    share_email: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class CoffeeRound(Base):
    """One round of pairings, made once for its fortnight (`key`, the round's first day)."""

    __tablename__ = "coffee_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    #: the seed of the round's random source, so a round can be made again exactly
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    matches: Mapped[list["CoffeeMatch"]] = relationship(back_populates="round",
                                                        order_by="CoffeeMatch.id")


class CoffeeMatch(Base):
    """A pair (or, with an odd number of members, a group of three) in a round."""

    __tablename__ = "coffee_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("coffee_rounds.id"), index=True)
    #: whether its members had worked in different sections of the handbook
    across_sections: Mapped[bool] = mapped_column(Boolean, default=False)

    round: Mapped[CoffeeRound] = relationship(back_populates="matches")
    members: Mapped[list["CoffeeMatchMember"]] = relationship(back_populates="match",
                                                              order_by="CoffeeMatchMember.user_id")


class CoffeeMatchMember(Base):
    """One person in a match, and what they answered to "Did you meet?"."""

    __tablename__ = "coffee_match_members"

    match_id: Mapped[int] = mapped_column(ForeignKey("coffee_matches.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    #: "yes", "no" or "rescheduled"; empty until answered
    met: Mapped[str] = mapped_column(String(20), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    match: Mapped[CoffeeMatch] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Reflection(Base):
    """A member's saved answers to the network-role reflection (only if they chose to save)."""

    __tablename__ = "reflections"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: statement key -> rating 1..5
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the role with the highest score
    strongest: Mapped[str] = mapped_column(String(20))
    #: show the strongest role on the public profile / tell coffee matches
    on_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    with_matches: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
