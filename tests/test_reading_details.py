"""What readers notice: history numbered per page with sizes, recent changes by day with
sizes and reviewers, a missing page that offers a search and a new page, external links marked."""

import re

from handbook.models import Revision
from handbook.models import Role
from handbook.services import moderation
from handbook.services import pages
from handbook.services import reading

from conftest import RENDER
from conftest import login


def publish(session, user, page, body):
    pages.save_edit(session, user, page, body=body, base_revision_id=page.current_revision_id,
                    renderer=RENDER)
    session.commit()


def test_history_numbers_each_page_from_one_and_shows_size_changes(client, session, librarian,
                                                                    make_page):
    other = make_page("Huddles", "Short.\n")
    page = make_page("Network weaving", "12345\n")          # 6 characters
    publish(session, librarian, other, "Short, longer.\n")
    publish(session, librarian, page, "12345\n" + "x" * 20 + "\n")  # 27
    publish(session, librarian, page, "12\n")                # 3
    places = reading.places_in_history(session, page)
    assert [(place.number, place.length, place.change) for place in places.values()] == [
        (1, 6, 6), (2, 27, 21), (3, 3, -24)]
    assert [reading.number_in_history(session, session.get(Revision, revision_id))
            for revision_id in places] == [1, 2, 3], "one revision's number, counted alone"
    text = client.get("/wiki/network-weaving/history").get_data(as_text=True)
    assert ">Revision 3</a>" in text and ">Revision 1</a>" in text and ">Revision 4<" not in text
    assert "(−24)" in text and "(+21)" in text
    assert "Show the changes between them" in text


def test_recent_changes_come_by_day_with_size_and_reviewer(app, client, session, make_page,
                                                          librarian, make_user):
    page = make_page("Network weaving", "Alpha.\n")
    author = make_user(Role.contributor, "carla")
    sent = pages.save_edit(session, author, page, body="Alpha, and more.\n",
                           base_revision_id=page.current_revision_id, renderer=RENDER)
    session.commit()
    moderation.approve(session, librarian, sent.revision.id, renderer=RENDER)
    session.commit()
    text = client.get("/recent").get_data(as_text=True)
    assert re.search(r'<h2 class="day"><time datetime="\d{4}-\d\d-\d\d">\w+day \d', text)
    assert "+10<span class=\"visually-hidden\"> characters</span>" in text
    assert re.search(r'by <a href="/users/carla">carla</a>, reviewed by <a href="/users/libby">libby</a>', text)


def test_a_missing_page_offers_a_search_and_to_members_a_new_page(app, client, contributor, section):
    response = client.get("/wiki/peer-support-circles")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert 'href="/search?q=Peer+support+circles"' in text
    assert "Log in to create this page" in text
    member = app.test_client()
    login(member, contributor)
    text = member.get("/wiki/peer-support-circles").get_data(as_text=True)
    assert 'href="/new?title=Peer+support+circles"' in text


def test_a_hidden_proposal_looks_like_no_page_at_all(app, client, session, contributor, section):
    pages.create_page(session, contributor, section_id=section.id, title="Secret garden",
                      body="Zanzibar.\n", renderer=RENDER)
    session.commit()
    hidden = client.get("/wiki/secret-garden")
    missing = client.get("/wiki/secret-gardens")
    assert hidden.status_code == missing.status_code == 404
    def neutral(response):
        return re.sub(r"[Ss]ecret(-|\+|%2B| )gardens?", "X", response.get_data(as_text=True))

    assert neutral(hidden) == neutral(missing) and "Zanzibar" not in hidden.get_data(as_text=True)


def test_links_to_other_websites_are_marked(client, make_page):
    make_page("Network weaving", "See [the study](https://example.org/study) and [[Network weaving]].\n")
    text = client.get("/wiki/network-weaving").get_data(as_text=True)
    assert 'href="https://example.org/study" rel="nofollow ugc noopener"' in text
    css = client.get("/static/style.css").get_data(as_text=True)
    assert '.prose a[rel~="nofollow"]::after' in css


def test_a_search_hit_links_to_the_heading_it_matches_under_and_shows_the_path(app, client,
                                                                            make_page):
    make_page("Network weaving", "Opening words.\n\n## Practice\n\nGeneral notes.\n\n"
                                 "### Huddles\n\nA quokkaword huddle, then another quokkaword.\n")
    from handbook import changes

    changes.drain(app.extensions["handbook_runtime"])
    text = client.get("/search?q=quokkaword").get_data(as_text=True)
    assert 'href="/wiki/network-weaving#huddles"' in text
    assert "Practical methods › Practice › Huddles · last changed" in text
    assert "<mark>quokkaword</mark>" in text
    title_only = client.get("/search?q=weaving").get_data(as_text=True)
    assert 'href="/wiki/network-weaving"' in title_only
