"""Render markdown in a child process under a time budget, so no page can pin a worker."""

import multiprocessing
import threading

from handbook import rendering

#: One rendering child per process, shared by every renderer in it; replaced after a timeout.
_pool = None
_lock = threading.Lock()


class RenderRefused(Exception):
    """The text could not be rendered in time, or at all (too deeply nested)."""


def _render_in_child(text, existing):
    try:
        return rendering.render(text, existing)
    except RecursionError:
        return None


#: Starting the child (imports included) is not part of any text's budget.
STARTUP_TIMEOUT = 60


def _start():
    """The rendering child, started and warmed up on first use."""
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["handbook.render_budget"])
        _pool = context.Pool(1, maxtasksperchild=1000)
        _pool.apply_async(_render_in_child, ("warm up", frozenset())).get(STARTUP_TIMEOUT)
    return _pool


def _stop():
    global _pool
    if _pool is not None:
        _pool.terminate()
        _pool = None


class BoundedRenderer:
    """Renders in the shared child process; a render that overruns kills and replaces it."""

    def __init__(self, timeout):
        self.timeout = timeout

    def render(self, text, existing=frozenset()):
        """Rendered HTML for `text`, or RenderRefused when it takes too long or nests too deep."""
        with _lock:
            pending = _start().apply_async(_render_in_child, (text, frozenset(existing)))
            try:
                result = pending.get(self.timeout)
            except multiprocessing.TimeoutError:
                _stop()
                raise RenderRefused(
                    f"This text takes too long to format (over {self.timeout:g} seconds)."
                    " Simplify it: very deep nesting or long runs of brackets are the usual cause."
                ) from None
        if result is None:
            raise RenderRefused("This text is nested too deeply to format. Flatten its lists or quotes.")
        return result

    def close(self):
        """Stop the child process (commands call this when they finish)."""
        with _lock:
            _stop()
