"""Page weights: what a browser downloads for each kind of page of the seeded handbook (the
HTML, then each stylesheet and script it names), as served to a browser that accepts brotli
and gzip, beside the uncompressed bytes; and the recent-changes feed.

    python -m tests.benchmark.page_weight [--json FILE]

Runs on a fresh instance in a temporary folder, seeded with content/ (`handbook init`).
"""

import argparse
import json
import re
import tempfile

from handbook import create_app
from handbook.cli import initialise

PAGES = {
    "contents": "/",
    "section": "/sections/relational-coordination",
    "page": "/wiki/relational-coordination",
    "history": "/wiki/relational-coordination/history",
    "search": "/search?q=convenor",
    "login": "/login",
    "feed": "/recent.atom",
}
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')
BROWSER = {"Accept-Encoding": "br, gzip"}
PLAIN = {"Accept-Encoding": "identity"}


def weigh(client, path):
    """(requests, bytes sent compressed, bytes uncompressed, bytes of the page alone as sent)
    for one page and its assets (a later view, with the assets cached, fetches the page alone)."""
    served = client.get(path, headers=BROWSER)
    plain = client.get(path, headers=PLAIN)
    requests, sent, raw = 1, len(served.get_data()), len(plain.get_data())
    alone = sent
    for asset in ASSET.findall(plain.get_data(as_text=True)):
        requests += 1
        sent += len(client.get(asset, headers=BROWSER).get_data())
        raw += len(client.get(asset, headers=PLAIN).get_data())
    return requests, sent, raw, alone


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": f"sqlite:///{folder}/h.db",
                          "SECRET_KEY": "weights", "MAIL_IN_BACKGROUND": False})
        with app.app_context():
            initialise(app)
        client = app.test_client()
        figures = {name: weigh(client, path) for name, path in PAGES.items()}
        app.extensions["handbook_renderer"].close()
    print(f"{'page':<10} {'requests':>8} {'sent (KB)':>10} {'uncompressed (KB)':>18}"
          f" {'page alone sent (KB)':>21}")
    for name, (requests, sent, raw, alone) in figures.items():
        print(f"{name:<10} {requests:>8} {sent / 1024:>10.1f} {raw / 1024:>18.1f} {alone / 1024:>21.1f}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump(figures, file, indent=1)


if __name__ == "__main__":
    main()
