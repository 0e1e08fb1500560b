"""Where a page view's time goes: milliseconds per view on each path, then a cProfile.

    python tests/benchmark/profile_views.py INSTANCE [--member NAME:PASSWORD] [--sort tottime]

INSTANCE is an instance folder with a handbook in it (the page-view benchmark's, kept with
--keep or --cache-dir). In-process, through Flask's test client: no HTTP, no gunicorn, so the
figures are the app's own cost.
"""

import argparse
import cProfile
import os
import pstats
import random
import re
import sys
import time


def per_view(client, paths):
    started = time.perf_counter()
    for path in paths:
        status = client.get(path).status_code
        if status != 200:
            sys.exit(f"{path} answered {status}")
    return (time.perf_counter() - started) / len(paths) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance")
    parser.add_argument("--member", help="NAME:PASSWORD of an account to profile logged-in views")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--views", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ["HANDBOOK_INSTANCE"] = args.instance
    from sqlalchemy import select

    from handbook import create_app
    from handbook import db
    from handbook.models import Page

    app = create_app()
    with db.session_scope(app.extensions["handbook_runtime"]) as session:
        slugs = list(session.scalars(select(Page.slug).where(Page.current_revision_id.is_not(None))))
    client = app.test_client()
    rng = random.Random(1)
    sample = [f"/wiki/{rng.choice(slugs)}" for _ in range(args.views)]
    if args.member:
        name, _, password = args.member.partition(":")
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        client.post("/login", data={"csrf_token": token, "name": name, "password": password})
        per_view(app.test_client(), sample)  # a reader's view keeps each page
        per_view(client, sample[:20])
        print(f"member view, built from the kept page: {per_view(client, sample):.2f} ms")
        print(f"member view, rendered in full: {per_view(client, [f'{p}?view=1' for p in sample]):.2f} ms")
        profiled = sample
    else:
        rendered = [f"{path}?view=1" for path in sample]
        per_view(client, rendered[:20])
        print(f"render path: {per_view(client, rendered):.2f} ms")
        print(f"first view (render and keep): {per_view(client, sample):.2f} ms")
        print(f"kept view: {per_view(client, sample):.2f} ms")
        profiled = rendered
    profile = cProfile.Profile()
    profile.runcall(per_view, client, profiled)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(40)


if __name__ == "__main__":
    main()
