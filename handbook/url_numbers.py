"""Numbers in URLs stay within what the database can hold: a larger one is simply not found."""

from werkzeug.routing import IntegerConverter


class BoundedInteger(IntegerConverter):
    """`<int:...>` from 1 to 2**63 - 1; anything else does not match the route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app):
    app.url_map.converters["int"] = BoundedInteger
