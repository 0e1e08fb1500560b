"""The `handbook` command: run, init, users, mail, coffee, import, export, rerender, drain."""

import logging
import sys
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone

import click
from sqlalchemy import func
from sqlalchemy import select

from handbook import changes
from handbook import content_io
from handbook import editions
from handbook import create_app
from handbook import db
from handbook import outbox
from handbook import tokens
from handbook.mail import files as mail_files
from handbook import paths
from handbook import rendering
from handbook import schema
from handbook.models import Page
from handbook.models import Revision
from handbook.models import Role
from handbook.search import check as search_check
from handbook.services import accounts
from handbook.services import coffee
from handbook.services import notifications
from handbook.services import links
from handbook.services import reading
from handbook.services import sections
from handbook.services.errors import ServiceError

ROLES = click.Choice([role.name for role in Role])


def create_app_for_command():
    """The app as commands use it: mail is sent before the command ends, not in a thread, and
    a big search update is shared among processes."""
    return create_app({"MAIL_IN_BACKGROUND": False, "SEARCH_PARALLEL_UPDATES": True})


@contextmanager
def app_session(app):
    """A write session for commands; the rendering child stops when the command ends."""
    try:
        with db.session_scope(app.extensions["handbook_runtime"]) as session:
            yield session
    finally:
        app.extensions["handbook_renderer"].close()


def renderer(app):
    return app.extensions["handbook_renderer"]


def initialise(app):
    """Upgrade the schema, import content/ into an empty handbook, render again what an
    older renderer kept, build a missing or outdated search index, do owed work. Idempotent."""
    schema.upgrade(app.extensions["handbook_engine"])
    backend = app.extensions["handbook_search"]
    with app_session(app) as session:
        if session.scalar(select(func.count(Page.id))):
            imported = 0
        else:
            imported = content_io.import_dir(session, paths.content_dir(), renderer(app))
        _rerender_stale(session, renderer(app))
        if not backend.is_current():
            search_check.rebuild(session, backend)
    changes.drain(app.extensions["handbook_runtime"])
    return imported


def _rerender_stale(session, bounded):
    """Render again every revision kept by an older renderer; how many changed."""
    stale = session.scalars(
        select(Revision).where(Revision.render_version != rendering.RENDER_VERSION)).all()
    return sum(links.rerender_stale(session, bounded, revision) for revision in stale)


@click.group(help="The Systems Convenor handbook: a moderated, versioned markdown wiki.")
def main():
    pass


@main.command(help="Serve the handbook for development (creates and seeds it on first run).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def run(host, port):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app()
    imported = initialise(app)
    if imported:
        click.echo(f"Imported {imported} pages from {paths.content_dir()}")
    click.echo(f"Serving the handbook at http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


@main.command(help="Create or upgrade the schema and import content/ into an empty handbook.")
def init():
    imported = initialise(create_app_for_command())
    click.echo(f"Schema is current; imported {imported} pages." if imported
               else "Schema is current; the handbook already has pages, nothing imported.")


@main.group(help="Manage accounts.")
def users():
    pass


def _password():
    """The password from a prompt, or the first line of standard input when piped."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create", help="Create an account; the password is prompted for or read from stdin.")
@click.argument("name")
@click.option("--email", required=True, help="The account's email address.")
@click.option("--role", type=ROLES, default="contributor", show_default=True)
def users_create(name, email, role):
    app = create_app_for_command()
    schema.upgrade(app.extensions["handbook_engine"])
    try:
        with app_session(app) as session:
            accounts.create_user(session, name, email, _password(), Role[role])
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} {name}.")


@users.command("set-role", help="Change an account's role (its sessions end).")
@click.argument("name")
@click.argument("role", type=ROLES)
def users_set_role(name, role):
    app = create_app_for_command()
    try:
        with app_session(app) as session:
            accounts.set_role_from_command_line(session, accounts.get_by_name(session, name),
                                                Role[role])
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} is now {role}.")


@users.command("set-sections",
               help="Give a librarian the sections they review (by slug), or --all of them.")
@click.argument("name")
@click.argument("slugs", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every section, now and to come.")
def users_set_sections(name, slugs, every):
    app = create_app_for_command()
    try:
        with app_session(app) as session:
            accounts.set_review_sections(session, None, accounts.get_by_name(session, name),
                                         every=every, slugs=list(slugs), note=" (command line)")
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} reviews {'every section' if every else ', '.join(slugs)}.")


@users.command("set-password",
               help="Set a new password for an account (prompted for, or read from stdin); its sessions end.")
@click.argument("name")
def users_set_password(name):
    app = create_app_for_command()
    try:
        with app_session(app) as session:
            accounts.set_password_from_command_line(session, accounts.get_by_name(session, name),
                                                    _password())
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New password set for {name}; every session of the account has ended.")


@users.command("reset-password",
               help="Print a one-hour, single-use link that lets the account choose a new password.")
@click.argument("name")
def users_reset_password(name):
    app = create_app_for_command()
    with app_session(app) as session:
        try:
            target = accounts.get_by_name(session, name)
        except ServiceError as error:
            raise click.ClickException(str(error)) from None
        if not target.is_active:
            raise click.ClickException(f"{name} cannot log in (blocked, deleted or the system account).")
        token = tokens.reset_password(app.config["SECRET_KEY"], target)
        link = app.extensions["handbook_mailer"].external_url("accounts.reset", token=token)
    click.echo(f"Give {name} this link (it works once, for one hour):\n{link}")


@users.command("list", help="List accounts with their roles.")
def users_list():
    app = create_app_for_command()
    with app_session(app) as session:
        for user in reading.users(session):
            state = " (blocked)" if user.blocked else ""
            click.echo(f"{user.name}\t{user.role.name}\t{user.email}{state}")


@main.group(help="Outgoing mail: the mails written to files, what is owed, daily digests.")
def mail():
    pass


def _mail_folder(app):
    return app.config.get("MAIL_FILE_PATH") or (app.instance_path + "/mail")


@mail.command("list", help="List the mails written to <instance>/mail, oldest first.")
def mail_list():
    app = create_app_for_command()
    stored = mail_files.stored(_mail_folder(app))
    if not stored:
        click.echo(f"No mail in {_mail_folder(app)}.")
    for number, path in enumerate(stored, 1):
        message = mail_files.read(path)
        click.echo(f"{number}\t{message['Date']}\t{message['To']}\t{str(message['Subject']).strip()}")


@mail.command("show", help="Show mail number N of `handbook mail list` (its plain text).")
@click.argument("number", type=click.IntRange(min=1))
def mail_show(number):
    app = create_app_for_command()
    stored = mail_files.stored(_mail_folder(app))
    if number > len(stored):
        raise click.ClickException(f"There are {len(stored)} mails; see `handbook mail list`.")
    message = mail_files.read(stored[number - 1])
    for header in ("From", "To", "Date", "Subject", "List-Unsubscribe"):
        if message[header]:
            click.echo(f"{header}: {str(message[header]).strip()}")
    click.echo(f"File: {stored[number - 1]}\n")
    click.echo(mail_files.plain_text(message))


@mail.command("check", help="Report mail owed (not yet sent) and failed attempts; exit 1 if any failed.")
def mail_check():
    app = create_app_for_command()
    with app_session(app) as session:
        owed = outbox.owed(session, "mail")
        failed = outbox.failures(session, "mail")
    for message_id, attempts, not_before, error in failed:
        click.echo(f"mail {message_id}\t{attempts} failed attempts\tnext {not_before:%Y-%m-%d %H:%M:%S}"
                   f" UTC\t{error}")
    if failed:
        raise click.ClickException(f"{owed} mails owed, {len(failed)} of them after failures;"
                                   " check HANDBOOK_MAIL_URL and the mail server.")
    click.echo(f"{owed} mails owed, none failed." if owed else "No mail is owed.")


@mail.command("digest", help="Queue and send today's digest mails (for cron; once a day per person).")
def mail_digest():
    app = create_app_for_command()
    with app_session(app) as session:
        queued = notifications.queue_digests(session, datetime.now(timezone.utc).date())
    click.echo(f"Queued {queued} digest mails." if queued else "No digests to send today.")


@main.group("coffee", help="Randomised coffee pairings.")
def coffee_group():
    pass


@coffee_group.command("pair", help="Make this fortnight's coffee round unless it is made, then"
                      " ask whether people met a week after theirs (for a daily cron line).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="A day in the fortnight whose round to make (default: today, UTC).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1),
              help="The round's random seed (default: one derived from the round).")
def coffee_pair(day, seed):
    app = create_app_for_command()
    now = datetime.now(timezone.utc)
    with app_session(app) as session:
        made, new = coffee.run_round(session, day.date() if day else now.date(), seed=seed)
        people = sum(len(match.members) for match in made.matches)
        across = sum(match.across_sections for match in made.matches)
        asked = coffee.ask_followups(session, now)
    share = f"{round(100 * across / len(made.matches))} %" if made.matches else "no"
    count = len(made.matches)
    click.echo(f"Round {made.key}: {'made now' if new else 'made already'}, {count}"
               f" match{'es' if count != 1 else ''}, {people} people, {share} across sections.")
    click.echo(f"Asked {asked} people whether they met.")


@main.command("import", help="Import a folder in the content/ format (new pages and changed text).")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def import_command(folder):
    app = create_app_for_command()
    schema.upgrade(app.extensions["handbook_engine"])
    backend = app.extensions["handbook_search"]
    if not backend.is_current():  # the import's pages are indexed after its commit
        with app_session(app) as session:
            search_check.rebuild(session, backend)
    try:
        with app_session(app) as session:
            changed = content_io.import_dir(
                session, folder, renderer(app),
                progress=lambda total: click.progressbar(length=total, label="Rendering pages",
                                                         file=sys.stderr))
    except (content_io.ContentError, ServiceError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Imported {changed} new or changed pages.")


@main.command("export", help="Write the published handbook to a folder in the content/ format.")
@click.argument("folder", type=click.Path(file_okay=False))
def export_command(folder):
    app = create_app_for_command()
    with app_session(app) as session:
        count = content_io.export_dir(session, folder)
    click.echo(f"Exported {count} pages to {folder}.")


@main.command(help="Render again every revision kept by an older renderer.")
def rerender():
    app = create_app_for_command()
    with app_session(app) as session:
        count = _rerender_stale(session, renderer(app))
    click.echo(f"Rendered {count} revisions again.")


@main.command(help="Do the work owed after commits now (search index, re-renderings); for cron.")
def drain():
    app = create_app_for_command()
    runtime = app.extensions["handbook_runtime"]
    changes.drain(runtime)
    with app_session(app) as session:
        left = outbox.owed(session)
    click.echo(f"Done; {left} entries wait for a retry." if left else "Nothing is owed.")


@main.command(help="Rebuild the search index from the database (shows progress).")
def reindex():
    app = create_app_for_command()
    backend = app.extensions["handbook_search"]
    with app_session(app) as session:
        total = session.scalar(select(func.count(Page.id)).where(Page.current_revision_id.is_not(None)))
        with click.progressbar(length=total, label="Indexing pages") as bar:
            count = search_check.rebuild(session, backend, bar.update)
    click.echo(f"Indexed {count} published pages ({backend.name}).")


@main.command(help="Write an edition of the published handbook (or one section): a printable "
                   "HTML page, or a zip of static HTML that opens from disk.")
@click.option("--format", "kind", type=click.Choice(["html", "zip"]), default="html",
              show_default=True, help="html: one printable page; zip: the offline edition.")
@click.option("--section", "section_slug", help="Only this section (its address, e.g. network-roles).")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def edition(kind, section_slug, out):
    app = create_app_for_command()
    with app_session(app) as session, app.test_request_context(base_url=app.config["BASE_URL"]):
        try:
            chosen = sections.get_by_slug(session, section_slug) if section_slug else None
        except ServiceError as error:
            raise click.ClickException(str(error)) from None
        with click.progressbar(length=editions.page_count(session, chosen),
                               label="Writing pages", file=sys.stderr) as bar:
            if kind == "html":
                data = editions.printable(session, chosen, bar.update).encode("utf-8")
            else:
                data = editions.offline(session, chosen, bar.update)
    with open(out, "wb") as file:
        file.write(data)
    click.echo(f"Wrote the {'printable' if kind == 'html' else 'offline'} edition of "
               f"{chosen.title if chosen else 'the whole handbook'} to {out}.")


@main.command("search-check", help="Report pages missing from or stale in the search index; exit 1 if any.")
def search_check_command():
    app = create_app_for_command()
    with app_session(app) as session:
        report = search_check.compare(session, app.extensions["handbook_search"])
    for label, slugs in [("missing", report.missing), ("stale", report.stale), ("extra", report.extra)]:
        for slug in slugs:
            click.echo(f"{label}\t{slug}")
    if not report.clean:
        raise click.ClickException(
            f"{len(report.missing)} missing, {len(report.stale)} stale, {len(report.extra)} extra;"
            " run `handbook reindex`.")
    click.echo("The search index matches the published handbook.")
