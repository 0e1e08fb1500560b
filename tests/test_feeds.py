"""The Atom feeds: each entry carries its change (edit summary, lines added and removed),
never the whole page; absolute addresses; a feed per section; hidden text on no entry."""

import html
import re
import xml.etree.ElementTree as ElementTree

from handbook.services import feeds
from handbook.services import pages
from handbook.services import redaction
from handbook.services import sections

from conftest import RENDER

ATOM = "{http://www.w3.org/2005/Atom}"
LONG = "".join(f"Unchanged line {number}.\n\n" for number in range(40))


def entries_of(client, path):
    """[(title, summary, content html, link)] of the feed at `path` (parsed as XML)."""
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.get_data())
    return [(entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}summary").text,
             entry.find(f"{ATOM}content").text, entry.find(f"{ATOM}link").get("href"))
            for entry in feed.iter(f"{ATOM}entry")]


def edit(session, librarian, page, body, summary):
    pages.save_edit(session, librarian, page, body=body, summary=summary,
                    base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()


def test_an_entry_carries_the_change_not_the_page(client, session, librarian, make_page):
    page = make_page("Network weaving", LONG)
    edit(session, librarian, page, LONG.replace("Unchanged line 7.", "A <script>x</script> line."),
         "Line seven reworded")
    title, summary, content, link = entries_of(client, "/recent.atom")[0]
    assert (title, summary) == ("Network weaving", "Line seven reworded")
    assert "1 line added, 1 removed" in content
    text = re.sub(r"<[^>]+>", "", content)
    assert "− Unchanged line 7." in text and "+ A &lt;script&gt;x&lt;/script&gt; line." in text
    assert "<script>" not in content, "the line's text is escaped inside the entry's HTML"
    assert "Unchanged line 8" not in content, "unchanged lines are not in the entry"
    assert link.startswith("http://localhost/wiki/network-weaving/diff?to=")
    assert 'href="http://localhost/wiki/network-weaving"' in content


def test_a_long_change_is_cut_with_a_count(session, librarian, make_page):
    page = make_page("Network weaving", LONG)
    edit(session, librarian, page, LONG.replace("Unchanged", "Changed"), "All of it")
    entry = feeds.entries(session)[0]
    assert (entry.added, entry.removed) == (40, 40)
    assert len(entry.lines) == feeds.SHOWN_LINES and entry.more == 80 - feeds.SHOWN_LINES


def test_a_section_has_a_feed_of_its_own(client, session, librarian, make_page):
    make_page("Network weaving", "Here.\n")
    stories = sections.create_section(session, librarian, title="Stories", summary="",
                                      renderer=RENDER)
    session.commit()
    pages.create_page(session, librarian, section_id=stories.id, title="A far story",
                      body="There.\n", renderer=RENDER)
    session.commit()
    assert [entry[0] for entry in entries_of(client, "/sections/stories/recent.atom")] == ["A far story"]
    assert [entry[0] for entry in entries_of(client, "/sections/practical-methods/recent.atom")] == [
        "Network weaving"]
    assert {entry[0] for entry in entries_of(client, "/recent.atom")} == {"A far story", "Network weaving"}
    assert client.get("/sections/no-such-section/recent.atom").status_code == 404
    section_page = client.get("/sections/stories").get_data(as_text=True)
    assert 'href="/sections/stories/recent.atom"' in section_page


def test_hidden_text_is_on_no_entry(client, session, librarian, make_page):
    page = make_page("Network weaving", "Public first line.\n")
    edit(session, librarian, page, "Public first line.\n\nA phone number 07700 900123.\n", "Oops")
    leaked = page.current_revision
    edit(session, librarian, page, "Public first line.\n\nNo number now.\n", "Removed it")
    redaction.hide(session, librarian, leaked, text=True, summary=True, reason="personal details")
    session.commit()
    feed = client.get("/recent.atom").get_data(as_text=True)
    assert "07700" not in html.unescape(html.unescape(feed))
    assert "Oops" not in feed and "Summary hidden by a librarian" in feed
    assert "Text hidden by a librarian." in html.unescape(feed)
