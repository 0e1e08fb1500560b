"""What telling watchers costs a publish: librarian edits to a page whose section N accounts
watch, timed beside the same edits with no watchers, in one invocation (figures as ratios).

    python -m tests.benchmark.notify_bench --watchers 0 10 100 --edits 20 [--delivery mail] [--background]

Each run builds a fresh SQLite handbook in a temporary folder; with `--delivery mail` every
watcher also gets each change by mail (written as .eml files, as the embedded default does),
sent before the commit returns (as commands send), or with `--background` by the sender
thread a server process uses (the edit then waits only for queueing).
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from handbook import create_app
from handbook import db
from handbook import schema
from handbook.models import Role
from handbook.search import check as search_check
from handbook.services import accounts
from handbook.services import notifications
from handbook.services import pages
from handbook.services import sections
from handbook.services import watching


def edit_times(folder, watchers, edits, delivery, background):
    """Seconds per librarian edit (render, publish, notify, commit, send) with `watchers`."""
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "MAIL_IN_BACKGROUND": background})
    schema.upgrade(app.extensions["handbook_engine"])
    renderer = app.extensions["handbook_renderer"]
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        search_check.rebuild(session, app.extensions["handbook_search"])  # as `handbook init` does
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        librarian = accounts.create_user(session, "libby", "libby@example.org", "long enough pw",
                                         Role.librarian)
        section = sections.create_section(session, librarian, title="Methods", renderer=renderer)
        page = pages.create_page(session, librarian, section_id=section.id, title="Weaving",
                                 body="Line 0\n", renderer=renderer).revision.page
        for number in range(watchers):
            watcher = accounts.create_user(session, f"watcher{number}", f"watcher{number}@example.org",
                                           "long enough pw")
            watching.watch(session, watcher, section=section)
            notifications.set_preferences(session, watcher, {"watched_change": delivery}, True)
        session.commit()
        times = []
        for number in range(1, edits + 1):
            started = time.perf_counter()
            pages.save_edit(session, librarian, page, body=f"Line {number}\n",
                            base_revision_id=page.current_revision_id, renderer=renderer)
            session.commit()
            times.append(time.perf_counter() - started)
    renderer.close()
    app.extensions["handbook_engine"].dispose()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, nargs="+", default=[0, 10, 100])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--delivery", choices=["inbox", "mail"], default="inbox")
    parser.add_argument("--background", action="store_true", help="send mail from the sender thread")
    options = parser.parse_args()
    counts = sorted(set([0] + options.watchers))
    with tempfile.TemporaryDirectory() as folder:
        medians = {count: statistics.median(edit_times(Path(folder) / f"w{count}", count,
                                                       options.edits, options.delivery,
                                                       options.background))
                   for count in counts}
    print(f"delivery={options.delivery}{', sent in the background' if options.background else ''},"
          f" {options.edits} edits each, median per edit")
    for count in counts:
        print(f"{count:6d} watchers  {medians[count] * 1000:8.1f} ms  "
              f"{medians[count] / medians[0]:5.2f}x the edit with no watchers")


if __name__ == "__main__":
    main()
