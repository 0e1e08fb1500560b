"""The Systems Convenor handbook: a moderated, versioned markdown wiki.

`create_app` (handbook.app) builds the web application. Importing the package itself loads
nothing more, so a process that only renders markdown (handbook.render_budget's child, the
import's pool) holds what rendering needs and not the whole application.
"""


def __getattr__(name):
    if name == "create_app":
        from handbook.app import create_app
        return create_app
    raise AttributeError(f"module 'handbook' has no attribute {name!r}")
