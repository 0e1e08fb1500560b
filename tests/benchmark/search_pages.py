"""The search benchmark's 70 queries through the HTML results page, in-process, on one instance.

    python tests/benchmark/search_pages.py INSTANCE [--sets 2]

INSTANCE is an instance folder holding the search benchmark's corpus (kept with its --keep).
Through Flask's test client (no HTTP, no gunicorn): run it with two checkouts on PYTHONPATH, one
after the other, to compare code on the same database and index.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance")
    parser.add_argument("--sets", type=int, default=2, help="times the 70 queries are timed")
    args = parser.parse_args(argv)
    os.environ["HANDBOOK_INSTANCE"] = args.instance
    sys.path.insert(0, str(Path(__file__).parent))
    from search_queries import build_queries
    from search_queries import build_vocabulary

    from handbook import create_app

    queries = [query.text for query in build_queries(build_vocabulary(1))]
    # one process asks all the queries: lift the per-address search limit (60 a minute)
    client = create_app({"SEARCH_LIMITS": "1000000 per minute"}).test_client()
    for query in queries:  # warm up
        client.get("/search", query_string={"q": query})
    times = []
    for _ in range(args.sets):
        for query in queries:
            started = time.perf_counter()
            if client.get("/search", query_string={"q": query}).status_code != 200:
                sys.exit(f"/search?q={query} did not answer 200")
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms,"
          f" {sum(times) / args.sets / 1000:.1f} s a set of {len(queries)}")


if __name__ == "__main__":
    main()
