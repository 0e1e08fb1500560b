"""Fixtures: an app on SQLite and (when configured) PostgreSQL, users, pages, and a logged-in client."""

import os
import re
import shutil
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import make_url

from handbook import create_app
from handbook import db
from handbook import schema
from handbook.models import Base
from handbook.models import Role
from handbook.services import accounts
from handbook.services import pages
from handbook.services import sections
from handbook.search import check as search_check
from handbook.render_budget import BoundedRenderer

PASSWORD = "correct horse battery"
#: the renderer services get in tests (the app's is the same kind, with the same budget)
RENDER = BoundedRenderer(2.0)
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("HANDBOOK_TEST_DATABASE_URL", "")


def backends():
    backends = ["sqlite"]
    if POSTGRES_URL or IN_CI:
        backends.append("postgresql")
    return backends


@pytest.fixture(scope="session", autouse=True)
def stop_the_rendering_child():
    """The tests' renderer keeps a child process; stop it when the run ends."""
    yield
    RENDER.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "handbook.db"
    engine = db.make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A database of this run's own on the PostgreSQL server, dropped at the end."""
    if not POSTGRES_URL:
        pytest.fail("HANDBOOK_TEST_DATABASE_URL is not set, and CI needs PostgreSQL tests to run.")
    server = make_url(POSTGRES_URL)
    name = f"handbook_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url):
    engine = create_engine(url)
    tables = ", ".join([table.name for table in Base.metadata.sorted_tables] + ["search_documents"])
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(text("INSERT INTO site_state (id, generation) VALUES (1, 1)"))
    engine.dispose()


def fresh_database(request, kind, tmp_path):
    """A fresh, migrated database of `kind` ("sqlite" or "postgresql") for one test."""
    if kind == "sqlite":
        path = tmp_path / "handbook.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture(params=backends())
def database_url(request, tmp_path):
    """A fresh, migrated database for one test, on each configured backend."""
    return fresh_database(request, request.param, tmp_path)


def build_app(database_url, instance, **overrides):
    """An app for tests, with generous rate limits and an (empty) search index, as
    `handbook init` would leave it; mail is sent at once (to .eml files in the instance folder
    unless MAIL_URL names an SMTP server)."""
    app = create_app({
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "LOGIN_LIMITS": "1000 per minute",
        "EXPENSIVE_LIMITS": "10000 per minute",
        "SEARCH_LIMITS": "10000 per minute",
        "EDITION_LIMITS": "10000 per minute",
        "MAIL_FORM_LIMITS": "10000 per minute",
        "MAIL_ACCOUNT_LIMITS": "10000 per minute",
        "PROPOSE_LIMITS": "10000 per minute",
        "REPORT_LIMITS": "10000 per minute",
        "REGISTER_MIN_SECONDS": 0,
        "MAIL_IN_BACKGROUND": False,
        **overrides,
    })
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        search_check.rebuild(session, app.extensions["handbook_search"])
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = build_app(database_url, tmp_path / "instance")
    yield app
    app.extensions["handbook_engine"].dispose()
    app.extensions["handbook_reader_pages"].engine.dispose()


@pytest.fixture
def session(app):
    """A session for service tests, as commands get it."""
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        yield session


@pytest.fixture
def make_user(session):
    counter = iter(range(1, 10_000))

    def make(role=Role.contributor, name=None):
        name = name or f"{role.name}{next(counter)}"
        user = accounts.create_user(session, name, f"{name}@example.org", PASSWORD, role)
        session.commit()
        return user

    return make


@pytest.fixture
def librarian(make_user):
    return make_user(Role.librarian, "libby")


@pytest.fixture
def contributor(make_user):
    return make_user(Role.contributor, "connie")


@pytest.fixture
def admin(make_user):
    return make_user(Role.admin, "ada")


@pytest.fixture
def section(session, librarian):
    created = sections.create_section(session, librarian, title="Practical methods",
                                      summary="Ways of working.", renderer=RENDER)
    session.commit()
    return created


@pytest.fixture
def make_page(session, librarian, section):
    def make(title="Network weaving", body="First line.\n\nSecond paragraph.\n"):
        outcome = pages.create_page(session, librarian, section_id=section.id, title=title,
                                    body=body, summary="Started", renderer=RENDER)
        session.commit()
        return outcome.revision.page

    return make


@pytest.fixture
def smtp_server():
    """A real SMTP server on a loopback port, started for the test."""
    from smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(database_url, tmp_path, smtp_server):
    """An app that sends its mail to the test's SMTP server."""
    app = build_app(database_url, tmp_path / "instance", MAIL_URL=smtp_server.url)
    yield app
    app.extensions["handbook_engine"].dispose()
    app.extensions["handbook_reader_pages"].engine.dispose()


def stored_mail(app):
    """The .eml files the app wrote, parsed, oldest first."""
    from handbook.mail import files

    return [files.read(path) for path in files.stored(app.config["MAIL_FILE_PATH"])]


@pytest.fixture
def client(app):
    return app.test_client()


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/login"):
    """A CSRF token for the client's session, read from a page with a form."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post(client, path, data=None, token_from="/login", **kwargs):
    """POST a form with a valid CSRF token."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, token_from)
    return client.post(path, data=data, **kwargs)


def login(client, user, password=PASSWORD, remember=False):
    data = {"name": user.name, "password": password}
    if remember:
        data["remember"] = "y"
    return post(client, "/login", data)


@pytest.fixture
def count_queries(app):
    """A list that collects the SQL statements the app's engine runs while it is watched."""
    statements = []
    engine = app.extensions["handbook_engine"]

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)
