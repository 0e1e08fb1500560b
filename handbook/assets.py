"""Static files under content-hashed names: `url_for('static', filename='style.css')` gives
/static/style.<digest>.css, which is cached for a year and never revalidated (`immutable`).
A plain or outdated name still answers, revalidated on every use. Files are read once, at
start, so a compressed answer has a length and an ETag like any other response.
"""

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Response
from flask import abort
from flask import request

from handbook import paths

ONE_YEAR = 31_536_000
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


def cached_for_a_year(response):
    """Let browsers and proxies keep a response whose address names its content (a digest)
    for a year without asking again."""
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True


@dataclass(frozen=True)
class Asset:
    data: bytes
    digest: str
    mimetype: str


def load(folder):
    """Every file under `folder` by its relative name (with "/" between parts)."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            found[path.relative_to(folder).as_posix()] = Asset(
                data, hashlib.blake2b(data, digest_size=6).hexdigest(), mimetype)
    return found


def hashed_name(assets, filename):
    """style.css -> style.<digest>.css (names that are not static files stay as they are)."""
    asset = assets.get(filename)
    if asset is None:
        return filename
    stem, dot, suffix = filename.rpartition(".")
    return f"{stem}.{asset.digest}.{suffix}" if dot else f"{filename}.{asset.digest}"


def resolve(assets, requested):
    """(asset, whether the name carries its current digest) for a requested name, or None."""
    match = _HASHED.match(requested)
    if match and f"{match['stem']}{match['suffix']}" in assets:
        asset = assets[f"{match['stem']}{match['suffix']}"]
        return asset, asset.digest == match["digest"]
    asset = assets.get(requested)
    return (asset, False) if asset is not None else None


def init_app(app):
    """Serve static/ at /static/ (the app is made without Flask's own static route)."""
    assets = load(paths.static_dir())
    app.extensions["handbook_assets"] = assets

    @app.url_defaults
    def add_digest(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(assets, values["filename"])

    def serve(filename):
        found = resolve(assets, filename)
        if found is None:
            abort(404)
        asset, current = found
        response = Response(asset.data, mimetype=asset.mimetype)
        response.set_etag(asset.digest)
        if current:
            cached_for_a_year(response)
        else:
            response.cache_control.no_cache = True
        return response.make_conditional(request)

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve)
