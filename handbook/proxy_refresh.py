"""Keep reverse proxies fresh: after a commit, every path whose kept reader page went stale is
fetched again through each proxy in PROXY_REFRESH_URLS with the refresh header. The proxy recipe
(README, "Behind a reverse proxy") lets such a request past its cache and stores the answer, so
the proxy holds the new page at once instead of at the end of PROXY_CACHE_SECONDS.

Kept pages come in three encodings (brotli, gzip, none), which the recipe keeps apart, so each
path is fetched once in each.

The fetches run in a background thread of the process that committed, at once (before the
commit's owed work); the pages a commit changed go before any other path still waiting, so a
backlog (a section's pages after a rename) does not delay the next publication. A page the app
answers without keeping (the database busy with that work) is fetched again, a few times; a
fetch that fails is logged, and that proxy then serves its copy until its cache life ends.
"""

import itertools
import logging
import queue
import threading
import time
import urllib.error
import urllib.request

log = logging.getLogger(__name__)
HEADER = "X-Handbook-Refresh"
#: one fetch per copy the proxy keeps (the recipe keys its cache by these)
ENCODINGS = ["br", "gzip", "identity"]
#: rounds of fetches of a path until the app has kept each copy, and the pause between them
ATTEMPTS = 8
RETRY_SECONDS = 0.05


class ProxyRefresher:
    """Fetches paths through the configured proxies; does nothing when there are none."""

    def __init__(self, urls, token, timeout=10):
        self.urls = [url.rstrip("/") for url in urls if url.strip()]
        self.token = token
        self.timeout = timeout
        self._paths = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = None
        self._lock = threading.Lock()

    def refresh(self, paths, first=()):
        """Fetch these paths through every proxy, soon, in the background: those in `first`
        (the pages a commit changed) before any path not in it, even one asked for earlier."""
        if not self.urls:
            return
        for path in paths:
            self._paths.put((0 if path in first else 1, next(self._order), path))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="proxy-refresh", daemon=True)
                self._thread.start()

    def wait(self):
        """Until every path asked for so far was fetched (tests, commands)."""
        self._paths.join()

    def _run(self):
        while True:
            _priority, _order, path = self._paths.get()
            try:
                for url in self.urls:
                    self._refresh(url + path)
            finally:
                self._paths.task_done()

    def _refresh(self, url):
        """Fetch each copy until the app answers with a kept page (one with an ETag, which the
        proxy stores): a page the app could not keep at once (its database busy with the
        commit's owed work) comes without one, and the proxy would keep its old copy. Each
        round fetches every copy still owed, so a busy moment delays them together."""
        owed = list(ENCODINGS)
        for _attempt in range(ATTEMPTS):
            owed = [encoding for encoding in owed if not self._fetch(url, encoding)]
            if not owed:
                return
            time.sleep(RETRY_SECONDS)
        log.warning("%s was not kept after %d fetches through the proxy", url, ATTEMPTS)

    def _fetch(self, url, encoding):
        """Fetch one copy through the proxy; False when the app answered without keeping it."""
        asked = urllib.request.Request(url, headers={HEADER: self.token, "Accept-Encoding": encoding})
        try:
            with urllib.request.urlopen(asked, timeout=self.timeout) as answer:
                answer.read()
                return "ETag" in answer.headers
        except urllib.error.HTTPError:
            return True  # a moved or removed page: the proxy keeps that answer briefly
        except Exception as error:
            log.warning("could not refresh %s through the proxy: %s", url, error)
            return True


def init_app(app):
    urls = app.config["PROXY_REFRESH_URLS"]
    if isinstance(urls, str):
        urls = urls.split(",")
    if urls and not app.config["PROXY_REFRESH_TOKEN"]:
        raise RuntimeError("PROXY_REFRESH_URLS needs PROXY_REFRESH_TOKEN (the proxy's secret)")
    app.extensions["handbook_proxies"] = ProxyRefresher(urls, app.config["PROXY_REFRESH_TOKEN"])
