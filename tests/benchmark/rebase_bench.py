"""What eager rebase costs: a librarian's edit to a page with N pending proposals (each
rebased onto the new text after the commit), beside the same edit with none, in one run.

    python -m tests.benchmark.rebase_bench --proposals 10 50 --conflicting 0.2

Each size uses a fresh SQLite handbook in a temporary folder. A page of 200 lines gets N
proposals, each changing its own line; a share of them (`--conflicting`) change the line the
librarian's edit changes too, and go to their authors instead.
"""

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select

from handbook import create_app
from handbook import db
from handbook import schema
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import Role
from handbook.search import check as search_check
from handbook.services import accounts
from handbook.services import pages
from handbook.services import sections

LINES = 200


def body(changed=None):
    return "".join(f"Line {n}{' changed' if n in (changed or {}) else ''}\n\n"
                   for n in range(LINES))


def edit_with_pending(folder, proposals, conflicting):
    """Seconds for the librarian's edit and commit (with every rebase), and the outcome."""
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "MAIL_IN_BACKGROUND": False})
    schema.upgrade(app.extensions["handbook_engine"])
    renderer = app.extensions["handbook_renderer"]
    runtime = app.extensions["handbook_runtime"]
    with db.session_scope(runtime) as session:
        search_check.rebuild(session, app.extensions["handbook_search"])
    with db.session_scope(runtime) as session:
        librarian = accounts.create_user(session, "libby", "libby@example.org", "long enough pw",
                                         Role.librarian)
        author = accounts.create_user(session, "connie", "connie@example.org", "long enough pw")
        section = sections.create_section(session, librarian, title="Methods", renderer=renderer)
        page = pages.create_page(session, librarian, section_id=section.id, title="Weaving",
                                 body=body(), renderer=renderer).revision.page
        session.commit()
        clashing = int(proposals * conflicting)
        for number in range(proposals):
            line = 0 if number < clashing else number + 1
            pages.save_edit(session, author, page, body=body({line}).replace(
                f"Line {line} changed", f"Line {line} changed by proposal {number}"),
                base_revision_id=page.current_revision_id, renderer=renderer)
            session.commit()
        started = time.perf_counter()
        pages.save_edit(session, librarian, page, body=body({0}),
                        base_revision_id=page.current_revision_id, renderer=renderer)
        session.commit()
        seconds = time.perf_counter() - started
        session.rollback()
        states = dict(session.execute(select(Revision.status, func.count(Revision.id))
                                      .group_by(Revision.status)).all())
    renderer.close()
    app.extensions["handbook_engine"].dispose()
    return seconds, states.get(RevisionStatus.pending, 0), states.get(RevisionStatus.needs_author, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--conflicting", type=float, default=0.2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {count: edit_with_pending(Path(folder) / f"p{count}", count, options.conflicting)
                   for count in sorted(set([0] + options.proposals))}
    baseline = results[0][0]
    for count, (seconds, pending, waiting) in results.items():
        print(f"{count:4d} pending  {seconds * 1000:8.1f} ms  {seconds / baseline:6.2f}x the edit"
              f" with none   after: {pending} rebased and pending, {waiting} waiting for their author")


if __name__ == "__main__":
    main()
