"""How long wikmd takes to load a corpus in the content/ format: the reference for imports.

    WIKMD_PYTHON tests/benchmark/wikmd_load.py CONTENT [--render]

Run it with the Python of an environment where wikmd is installed (pip install wikmd; it needs
pandoc on PATH: apt-get install pandoc), not the handbook's. It copies CONTENT into a fresh
wiki folder and times what wikmd does before it serves (its run_wiki: a git repository of the
folder, the images check, and its Whoosh index of every page), and with --render also the
first view of every page (wikmd renders a page with pandoc when it is first viewed, then
caches it). Prints one line of JSON: {"pages": N, "load_seconds": S, "render_seconds": S}.
wikmd keeps its index and cache in /dev/shm/wikmd; both are emptied first.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

WIKMD_STATE = Path("/dev/shm/wikmd")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--render", action="store_true",
                        help="Also view every page once (pandoc renders it).")
    args = parser.parse_args(argv)
    shutil.rmtree(WIKMD_STATE, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="wikmd-load-") as folder:
        wiki = Path(folder) / "wiki"
        shutil.copytree(args.content, wiki)
        pages = [path for path in wiki.rglob("*.md") if path.name != "_section.md"]
        os.environ["WIKI_DIRECTORY"] = str(wiki)
        # as in an activated environment: pandoc finds wikmd's filter (pandoc-xnos) there
        os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        started = time.perf_counter()
        from wikmd import wiki as wikmd  # reads the configuration at import

        os.makedirs(wikmd.UPLOAD_FOLDER_PATH, exist_ok=True)  # as run_wiki does first
        wikmd.wrm.initialize()
        wikmd.im.cleanup_images()
        wikmd.setup_search()
        loaded = time.perf_counter() - started
        rendered = None
        if args.render:
            started = time.perf_counter()
            with wikmd.app.app_context():
                for path in pages:
                    wikmd.get_html(str(path.relative_to(wiki).with_suffix("")))
            rendered = round(time.perf_counter() - started, 2)
    shutil.rmtree(WIKMD_STATE, ignore_errors=True)
    print(json.dumps({"pages": len(pages), "load_seconds": round(loaded, 2),
                      "render_seconds": rendered}))


if __name__ == "__main__":
    sys.exit(main())
