"""Render markdown in a child process under a CPU-time budget, so no text can pin a worker.

The budget counts the child's CPU time (a profiling timer), not the clock, so the same text
is published or refused whatever the machine's load. A wall-clock limit several times
larger only guards against a child that stopped answering.
"""

import multiprocessing
import os
import signal
import threading

from handbook import rendering

#: One rendering child per process, shared by every renderer in it; replaced after a failure.
_pool = None
_lock = threading.Lock()
#: Starting the child (imports included) is not part of any text's budget.
STARTUP_TIMEOUT = 60
#: the wall-clock guard, as a multiple of the CPU budget, plus a few seconds
WALL_CLOCK_FACTOR = 5
WALL_CLOCK_EXTRA = 5
#: texts a pool process is handed at a time by render_many
CHUNK = 8
#: what the fork server loads once, so each rendering process starts with it
PRELOAD = ["handbook.render_budget", "handbook.markdown_html"]


class RenderRefused(Exception):
    """The text could not be rendered in its budget, or at all (too deeply nested)."""


class _OverBudget(Exception):
    pass


def _over_budget(_signum, _frame):
    raise _OverBudget


def _render_in_child(text, existing, budget):
    """("ok", Rendered), ("slow", None) or ("deep", None)."""
    signal.signal(signal.SIGPROF, _over_budget)
    signal.setitimer(signal.ITIMER_PROF, budget)
    try:
        return "ok", rendering.render(text, existing)
    except _OverBudget:
        return "slow", None
    except RecursionError:
        return "deep", None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _render_chunk(jobs):
    return [_render_in_child(*job) for job in jobs]


def _start():
    """The rendering child, started and warmed up on first use."""
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _pool = context.Pool(1, maxtasksperchild=1000)
        _pool.apply_async(_render_in_child, ("warm up", {}, 10.0)).get(STARTUP_TIMEOUT)
    return _pool


def _stop():
    global _pool
    if _pool is not None:
        _pool.terminate()
        _pool = None


class BoundedRenderer:
    """Renders in the shared child process within `budget` seconds of CPU time."""

    def __init__(self, budget):
        self.budget = budget

    def render(self, text, existing=None):
        """Rendered HTML for `text`, or RenderRefused when it needs too long or nests too deep.
        `existing` maps link keys to the slugs of live pages."""
        with _lock:
            pending = _start().apply_async(_render_in_child, (text, dict(existing or {}), self.budget))
            try:
                outcome, result = pending.get(self.budget * WALL_CLOCK_FACTOR + WALL_CLOCK_EXTRA)
            except multiprocessing.TimeoutError:
                _stop()
                outcome, result = "busy", None
        return self._result(outcome, result)

    def render_many(self, jobs, processes=None):
        """Render many (text, existing) pairs in a pool of processes (one a CPU by default),
        each within the budget; yields, in order, Rendered or the RenderRefused for it."""
        jobs = [(text, dict(existing or {}), self.budget) for text, existing in jobs]
        chunks = [jobs[start:start + CHUNK] for start in range(0, len(jobs), CHUNK)]
        processes = min(processes or os.cpu_count() or 1, max(1, len(chunks)))
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        with context.Pool(processes) as pool:
            results = pool.imap(_render_chunk, chunks)
            for chunk in chunks:
                try:
                    outcomes = results.next(self.budget * WALL_CLOCK_FACTOR * len(chunk)
                                            + STARTUP_TIMEOUT)
                except multiprocessing.TimeoutError:
                    outcomes = [("busy", None)] * len(chunk)
                for outcome, result in outcomes:
                    try:
                        yield self._result(outcome, result)
                    except RenderRefused as refused:
                        yield refused

    def _result(self, outcome, result):
        if outcome == "ok":
            return result
        if outcome == "deep":
            raise RenderRefused("This text is nested too deeply to format. Flatten its lists or quotes.")
        if outcome == "busy":
            raise RenderRefused("The server is too busy to format this text now. Try again in a minute.")
        raise RenderRefused(
            f"This text takes too long to format (over {self.budget:g} seconds of work)."
            " Simplify it: very deep nesting or long runs of brackets are the usual cause."
        )

    def close(self):
        """Stop the child process (commands call this when they finish)."""
        with _lock:
            _stop()
