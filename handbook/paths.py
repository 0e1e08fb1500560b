"""Where templates/, static/, content/ and the deployment recipes live, installed or in a
checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name):
    """The folder inside the installed package, else the checkout's top-level one."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def templates_dir():
    return _shipped("templates")


def static_dir():
    return _shipped("static")


def content_dir():
    return _shipped("content")


def nginx_recipe():
    """The nginx configuration of README's "Behind a reverse proxy", with its @NAMES@."""
    return _PACKAGE / "deploy" / "nginx.conf"
