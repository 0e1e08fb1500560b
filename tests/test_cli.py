"""The handbook command: init (twice), users, export then import round trip."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from handbook import content_io
from handbook import db
from handbook.cli import main
from handbook.models import AuditEntry
from handbook.models import Page
from handbook.models import Revision
from handbook.models import Section
from handbook.models import User

from conftest import RENDER


@pytest.fixture
def cli_env(database_url, tmp_path, monkeypatch):
    """Point the command at the test database and an instance folder of its own."""
    monkeypatch.setenv("HANDBOOK_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", database_url)
    return database_url


def invoke(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result


def counts(url):
    engine = db.make_engine(url)
    with Session(engine) as session:
        numbers = tuple(session.scalar(select(func.count(model.id)))
                        for model in (Section, Page, Revision))
    engine.dispose()
    return numbers


def structure(url):
    """Sections in order with their published pages in order, titles and bodies."""
    engine = db.make_engine(url)
    with Session(engine) as session:
        result = [
            (section.title, section.introduction,
             [(page.slug, page.title, page.tags, page.current_revision.body)
              for page in section.pages if page.is_published])
            for section in session.scalars(select(Section).order_by(Section.position))
        ]
    engine.dispose()
    return result


def test_init_imports_the_seed_once(cli_env):
    first = invoke("init")
    assert first.exit_code == 0 and "imported" in first.output
    sections, pages, revisions = counts(cli_env)
    assert sections >= 6 and pages >= 24 and revisions == pages
    second = invoke("init")
    assert second.exit_code == 0 and "nothing imported" in second.output
    assert counts(cli_env) == (sections, pages, revisions)


def test_users_commands(cli_env):
    created = invoke("users", "create", "ada", "--email", "ada@example.org", "--role", "admin",
                     input="a long enough password\n")
    assert created.exit_code == 0, created.output
    duplicate = invoke("users", "create", "ADA", "--email", "b@example.org",
                       input="a long enough password\n")
    assert duplicate.exit_code != 0 and "taken" in duplicate.output
    short = invoke("users", "create", "bob", "--email", "bob@example.org", input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    assert invoke("users", "set-role", "ada", "librarian").exit_code == 0
    listing = invoke("users", "list").output
    assert "ada\tlibrarian\tada@example.org" in listing
    assert invoke("users", "set-role", "nobody", "admin").exit_code != 0
    assert invoke("users", "set-password", "ada", input="another long password\n").exit_code == 0
    assert invoke("users", "set-password", "ada", input="short\n").exit_code != 0
    engine = db.make_engine(cli_env)
    with Session(engine) as session:
        actions = [(entry.action, entry.detail) for entry in session.scalars(select(AuditEntry))]
    engine.dispose()
    assert ("role", "admin → librarian (command line)") in actions, "set-role is audited"
    assert ("password", "set from the command line") in actions


def test_every_command_has_help():
    for args in [[], ["run"], ["init"], ["users"], ["users", "create"], ["users", "set-role"],
                 ["users", "set-password"], ["users", "list"], ["import"], ["export"], ["rerender"],
                 ["drain"], ["reindex"], ["search-check"]]:
        result = invoke(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_commands_share_big_search_updates_among_processes_and_servers_do_not(cli_env):
    from handbook.app import create_app
    from handbook.cli import create_app_for_command

    command, server = (app.extensions["handbook_search"]
                       for app in (create_app_for_command(), create_app()))
    if command.name == "whoosh":
        assert command.parallel_updates and not server.parallel_updates
    assert command.batch >= server.batch


def test_export_then_import_reproduces_the_handbook(cli_env, tmp_path, monkeypatch, sqlite_template):
    invoke("init")
    exported = tmp_path / "exported"
    result = invoke("export", str(exported))
    assert result.exit_code == 0, result.output
    files = sorted(path.relative_to(exported).as_posix() for path in exported.rglob("*.md"))
    assert "06-how-this-handbook-works/_section.md" in files
    assert "CC BY-SA 4.0" in (exported / "LICENCE.md").read_text()
    meta, body = content_io.parse(exported / "01-start-here" / "what-is-systems-convening.md")
    assert meta["title"] == "What is systems convening?" and meta["order"] >= 1
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(sqlite_template.read_bytes())
    fresh_url = f"sqlite:///{fresh}"
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", fresh_url)
    monkeypatch.setenv("HANDBOOK_INSTANCE", str(tmp_path / "new-instance"))
    assert invoke("import", str(exported)).exit_code == 0
    assert structure(fresh_url) == structure(cli_env)
    checked = invoke("search-check")
    assert checked.exit_code == 0 and "matches the published handbook" in checked.output, \
        "an import into a new instance leaves it searchable"


def test_import_adds_a_revision_only_where_text_changed(cli_env, tmp_path):
    invoke("init")
    exported = tmp_path / "exported"
    invoke("export", str(exported))
    before = counts(cli_env)
    assert "Imported 0" in invoke("import", str(exported)).output
    page = exported / "02-relational-coordination" / "relational-coordination.md"
    page.write_text(page.read_text() + "\nA new closing line.\n")
    assert "Imported 1" in invoke("import", str(exported)).output
    assert counts(cli_env) == (before[0], before[1], before[2] + 1)


def test_export_leaves_out_unpublished_pages(cli_env, tmp_path, session, contributor, section):
    from handbook.services import pages

    pages.create_page(session, contributor, section_id=section.id, title="Secret draft", body="x", renderer=RENDER)
    session.commit()
    invoke("export", str(tmp_path / "out"))
    assert not list((tmp_path / "out").rglob("secret-draft.md"))


def test_malformed_content_is_reported(cli_env, tmp_path):
    folder = tmp_path / "bad" / "01-broken"
    folder.mkdir(parents=True)
    (folder / "page.md").write_text("no front matter here\n")
    result = invoke("import", str(tmp_path / "bad"))
    assert result.exit_code != 0 and "page.md" in result.output


def test_system_account_cannot_log_in(cli_env):
    invoke("init")
    engine = db.make_engine(cli_env)
    with Session(engine) as session:
        system = session.scalar(select(User).where(User.name == "handbook"))
        assert system.is_system and not system.is_active
    engine.dispose()
