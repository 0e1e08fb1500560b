"""What a commit's side effects need from the app: the engine, the search backend, the
renderer, the mailer and the reverse proxies to refresh."""

from dataclasses import dataclass


@dataclass
class Runtime:
    """Passed to every session, so the commit listener can pay what the commit owes."""

    engine: object
    search: object
    renderer: object
    mailer: object
    proxies: object


def init_app(app):
    """Runs after db, rendering, search, mail and proxy_refresh have put their parts in
    app.extensions."""
    app.extensions["handbook_runtime"] = Runtime(
        engine=app.extensions["handbook_engine"],
        search=app.extensions["handbook_search"],
        renderer=app.extensions["handbook_renderer"],
        mailer=app.extensions["handbook_mailer"],
        proxies=app.extensions["handbook_proxies"],
    )
