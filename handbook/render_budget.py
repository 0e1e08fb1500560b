"""Render markdown in a child process under a time budget, so no page can pin a worker."""

import multiprocessing
import threading

from handbook import rendering


class RenderRefused(Exception):
    """The text could not be rendered in time, or at all (too deeply nested)."""


def _render_in_child(text, existing):
    try:
        return rendering.render(text, existing)
    except RecursionError:
        return None


class BoundedRenderer:
    """Renders through a one-process pool; a render that overruns kills and replaces it."""

    def __init__(self, timeout):
        self.timeout = timeout
        self._pool = None
        self._lock = threading.Lock()

    def render(self, text, existing=frozenset()):
        """Rendered HTML for `text`, or RenderRefused when it takes too long."""
        with self._lock:
            pool = self._pool or self._start()
            pending = pool.apply_async(_render_in_child, (text, frozenset(existing)))
            try:
                result = pending.get(self.timeout)
            except multiprocessing.TimeoutError:
                self._stop()
                raise RenderRefused(
                    f"This text takes too long to format (over {self.timeout:g} seconds)."
                    " Simplify it: very deep nesting or long runs of brackets are the usual cause."
                ) from None
        if result is None:
            raise RenderRefused("This text is nested too deeply to format. Flatten its lists or quotes.")
        return result

    def _start(self):
        context = multiprocessing.get_context("forkserver")
        self._pool = context.Pool(1, maxtasksperchild=500)
        return self._pool

    def _stop(self):
        self._pool.terminate()
        self._pool = None

    def close(self):
        """Stop the child process (tests and commands call this when done)."""
        with self._lock:
            if self._pool is not None:
                self._stop()
