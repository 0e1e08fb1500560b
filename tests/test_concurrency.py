"""Concurrent saves from several processes: no update is lost and every request is answered."""

import html
import multiprocessing
import re

from handbook.models import Role
from handbook.services import reading

SLOTS = 4
EDITS = 6


def slot_text(values):
    """One line per writer, two unchanged lines apart, so their edits merge cleanly."""
    return "".join(f"slot-{i}: {value}\nkeep\nkeep\n" for i, value in enumerate(values))


def writer(database_url, instance, index, results):
    """Log in as librarian<index> and bump slot <index> EDITS times, retrying on 409."""
    from handbook import create_app
    from tests.conftest import login

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "test-secret", "LOGIN_LIMITS": "1000 per minute"})
    client = app.test_client()
    statuses = []

    class Named:
        name = f"writer{index}"

    login(client, Named)
    done = 0
    while done < EDITS:
        form = client.get("/wiki/shared-page/edit").get_data(as_text=True)
        base = re.search(r'name="base_revision_id" type="hidden" value="(\d+)"', form).group(1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        text = html.unescape(re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", form, re.S).group(1))
        line = re.search(rf"slot-{index}: (\d+)", text)
        assert int(line.group(1)) == done, f"writer {index} lost an update"
        new_text = text.replace(f"slot-{index}: {done}\n", f"slot-{index}: {done + 1}\n")
        response = client.post("/wiki/shared-page/edit", data={
            "csrf_token": token, "base_revision_id": base, "body": new_text, "summary": f"w{index}",
        })
        statuses.append(response.status_code)
        if response.status_code not in (302, 409):
            body = response.get_data(as_text=True)
            statuses.append(str(re.findall(r'<div class="error" role="alert"><p>(.*?)</p>', body) or body[:3000]))
        if response.status_code == 302:
            done += 1
    results.put((index, done, statuses))


def test_concurrent_saves_lose_nothing(app, session, make_user, make_page, tmp_path, database_url):
    for index in range(SLOTS):
        make_user(Role.librarian, f"writer{index}")
    make_page("Shared page", slot_text([0] * SLOTS))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=writer, args=(database_url, str(tmp_path / "instance"), i, results))
        for i in range(SLOTS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    all_statuses = [status for _, _, statuses in outcomes for status in statuses]
    assert set(all_statuses) <= {302, 409}, all_statuses
    session.rollback()  # read afresh, after the writers
    view = reading.page_view(session, "shared-page")
    session.refresh(view.revision)
    assert view.revision.body == slot_text([EDITS] * SLOTS), repr(view.revision.body)
    history, total = reading.history(session, view.page, 1, 100)
    assert total == 1 + SLOTS * EDITS
