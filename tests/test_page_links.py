"""The page links a tree lists by the hundred are exactly the addresses url_for gives."""

from types import SimpleNamespace

from flask import Flask
from flask import render_template_string
from flask import url_for
from hypothesis import given
from hypothesis import strategies as st

from handbook.views.page_links import page_list_items
from handbook.views.page_links import page_url


def _app():
    app = Flask(__name__)
    app.add_url_rule("/wiki/<slug>", endpoint="reading.page", view_func=lambda slug: slug)
    return app


APP = _app()
SLUGS = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="/"), min_size=1)


@given(slug=SLUGS, script_root=st.sampled_from(["", "/handbook", "/a%20b"]))
def test_a_page_address_is_url_fors(slug, script_root):
    with APP.test_request_context("/", base_url=f"http://example.org{script_root}"):
        assert page_url(slug) == url_for("reading.page", slug=slug)


#: the tree's items as the template wrote them before page_list_items
TEMPLATE = ("{% for page in pages %}<li><a href=\"{{ url_for('reading.page', slug=page.slug) }}\""
            "{% if page.slug == current %} aria-current=\"page\"{% endif %}>{{ page.title }}</a></li>"
            "{% endfor %}")


@given(slugs=st.lists(SLUGS, min_size=1, max_size=5, unique=True),
       titles=st.lists(st.text(max_size=20), min_size=5, max_size=5),
       script_root=st.sampled_from(["", "/handbook", "/a&b'c"]))
def test_tree_items_are_what_the_template_wrote(slugs, titles, script_root):
    pages = [SimpleNamespace(slug=slug, title=title) for slug, title in zip(slugs, titles)]
    with APP.test_request_context("/", base_url=f"http://example.org{script_root}"):
        expected = render_template_string(TEMPLATE, pages=pages, current=slugs[0])
        assert str(page_list_items(pages, slugs[0])) == expected
