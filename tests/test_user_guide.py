"""Section 6 of the handbook is this software's user guide: it may name only what exists."""

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from handbook import create_app
from handbook import forms
from handbook import paths

GUIDE = sorted((paths.content_dir() / "06-how-this-handbook-works").glob("*.md"))
ADDRESS = re.compile(r"`(/[^`\s]*)`")
LABEL = re.compile(r"\*\*([^*\n]+)\*\*")


def _guide_text():
    return "\n".join(path.read_text(encoding="utf-8") for path in GUIDE)


def _screen_text():
    """Everything a person can see on a button or link: the templates, the form labels and
    the controls the scripts add."""
    sources = [*paths.templates_dir().glob("*.html"), *paths.static_dir().glob("*.js"),
               Path(forms.__file__)]
    return "\n".join(path.read_text(encoding="utf-8") for path in sources)


@pytest.fixture(scope="module")
def urls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guide")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'guide.db'}", "INSTANCE_PATH": str(folder)})
    return app.url_map.bind("handbook.test")


def test_the_guide_has_its_pages():
    assert len(GUIDE) == 7


@pytest.mark.parametrize("address", sorted(set(ADDRESS.findall(_guide_text()))))
def test_every_address_in_the_guide_exists(urls, address):
    path = re.sub(r"<[^>]+>", "1", address.split("?")[0])
    try:
        urls.match(path, method="GET")
    except (MethodNotAllowed, RequestRedirect):
        pass
    except NotFound:
        pytest.fail(f"the guide names {address}, which the handbook does not have")


@pytest.mark.parametrize("label", sorted(set(LABEL.findall(_guide_text()))))
def test_every_button_or_link_the_guide_names_is_on_screen(label):
    assert label in _screen_text(), f"the guide names a button or link “{label}” that no screen shows"
