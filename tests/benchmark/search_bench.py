"""Search benchmark: index build throughput, query latency through HTTP, approval-to-searchable.

For each page count N: write a generated handbook of N pages of about 1,100 words each, drawn
from a Zipf-like vocabulary (search_queries.py), in the content/ format; import it with
`handbook import` into a fresh instance (which also indexes it); time a full `handbook reindex`;
check the index with `handbook search-check`. Then, in the same run:

* an SQLite FTS5 table (porter tokenizer, in memory) over the same plain texts the search index
  holds (title, body), built and queried in this process, no HTTP: the reference for what an
  index can do on this machine;
* gunicorn (2 sync workers, 127.0.0.1) serving the handbook; a fixed set of 70 queries (15 common
  words, 15 rare words, 15 two-word queries, 15 quoted phrases taken from page texts, 6 prefix*
  queries, 4 misspelt words) timed one at a time through GET /api/v1/search?q=, three times over,
  then through the HTML results page GET /search?q= (facets included), three times over;
* approval-to-searchable: a contributor proposes a new page holding a unique word (through the
  HTML forms), a librarian approves it, and /api/v1/search?q=<word> is polled every 10 ms from the
  moment the approve POST is sent until it returns the page; five times.

Targets, judged at 10,000 pages: search p95 < 100 ms through the API and < 50 ms through the HTML
results page, reindex < 30 s, approval to
searchable < 1 s (every one of the five). Exit status 0 when the run completed (whether or not the
targets are met), 2 when it failed (a non-200 answer, a failed command, a dirty search-check).

    /work/venv/bin/python tests/benchmark/search_bench.py --pages 1000 10000 --json bench-results/search.json
"""

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

if __package__:
    from . import corpus
    from . import search_queries as sq
    from .processes import REPO
    from .processes import BenchmarkError
    from .processes import Browser
    from .processes import Server
    from .processes import base_environment
    from .processes import copy_database
    from .processes import use_postgres
    from .processes import code_version
    from .processes import handbook_command
    from .processes import memory
    from .processes import render_table
    from .processes import request
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus
    import search_queries as sq
    from processes import REPO
    from processes import BenchmarkError
    from processes import Browser
    from processes import Server
    from processes import base_environment
    from processes import copy_database
    from processes import use_postgres
    from processes import code_version
    from processes import handbook_command
    from processes import memory
    from processes import render_table
    from processes import request

TARGET_PAGES = 10_000
TARGET_P95_MS = 100.0
TARGET_HTML_P95_MS = 50.0
TARGET_REINDEX_S = 30.0
TARGET_APPROVAL_MS = 1000.0
IMPORT_PROFILE_AFTER_S = 360.0
CORPUS_VERSION = 1  # bump when the generated text changes (invalidates --cache-dir entries)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python tests/benchmark/search_bench.py",
        description="Measure search: index build (import, reindex), query latency through HTTP "
                    "under gunicorn, approval-to-searchable, and SQLite FTS5 on the same texts "
                    "as a reference.",
    )
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 10000],
                        help="Handbook sizes to measure (default: 1000 10000). Sizes below 1000 "
                             "work, but then phrases and rare words come from fewer pages.")
    parser.add_argument("--seed", type=int, default=1, help="Corpus and query seed (default 1).")
    parser.add_argument("--runs", type=int, default=3,
                        help="Times the whole query set is timed (default 3).")
    parser.add_argument("--approvals", type=int, default=5,
                        help="Approval-to-searchable repetitions (default 5).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2).")
    parser.add_argument("--import-render-timeout", type=float, default=60,
                        help="HANDBOOK_RENDER_TIMEOUT for the import only (default 60 s), as in "
                             "run.py: the 2 s default counts the rendering child's start-up.")
    parser.add_argument("--profile-import", action="store_true",
                        help="Always profile an import of 200 pages (done anyway when an import "
                             f"takes over {IMPORT_PROFILE_AFTER_S:.0f} s).")
    parser.add_argument("--profile-queries", action="store_true",
                        help="Always profile the slowest queries in-process (done anyway when "
                             f"the HTTP p95 is over {TARGET_P95_MS:.0f} ms).")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="Run on PostgreSQL with PostgreSQL search instead of SQLite and "
                             "Whoosh: a server URL (postgresql+psycopg://user@host:port/any); "
                             "each size gets a database of its own.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="Keep imported instances here and start later runs from a copy "
                             "(the import time shown is then the first run's, marked *).")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the work folders (corpus, instance, gunicorn log).")
    return parser.parse_args(argv)


# -- processes -------------------------------------------------------------------------------

def handbook(instance, *arguments, stdin=None, extra_env=None, check=True):
    """Run a `handbook` command on `instance`; (seconds, CompletedProcess)."""
    env = base_environment(instance)
    env.update(extra_env or {})
    started = time.perf_counter()
    done = subprocess.run(handbook_command() + list(arguments), env=env, input=stdin,
                          capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    if check and done.returncode != 0:
        raise BenchmarkError(f"handbook {' '.join(arguments)} exited {done.returncode}:\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, done


# -- HTTP ------------------------------------------------------------------------------------

def percentile(values, fraction):
    """Nearest-rank percentile (p95 of 198 values is the 189th smallest)."""
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered) - 1e-9)
    return ordered[min(len(ordered), max(1, rank)) - 1]


def summary_ms(seconds):
    values = [value * 1000 for value in seconds]
    return {"p50": round(statistics.median(values), 2), "p95": round(percentile(values, 0.95), 2),
            "max": round(max(values), 2), "count": len(values)}


# -- corpus ----------------------------------------------------------------------------------

def write_corpus(folder, pages, vocabulary, seed):
    """Write `pages` pages in the content/ format; returns mean generated words a page."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    titles = corpus._titles(rng, pages)
    sections = corpus.default_sections(pages)
    width = max(2, len(str(sections)))
    section_dirs = []
    for number in range(1, sections + 1):
        name = f"{rng.choice(corpus.SECTION_WORDS)} {number}"
        section_dir = folder / f"{number:0{width}d}-{corpus.slugify(name)}"
        section_dir.mkdir(exist_ok=True)
        intro = " ".join(sq._format_sentence(vocabulary.sample(rng, 12), rng, True)
                         for _ in range(4))
        (section_dir / "_section.md").write_text(
            corpus._front({"title": name, "order": number,
                           "summary": f"Generated section {number} of {sections}."})
            + intro + "\n", encoding="utf-8")
        section_dirs.append(section_dir)
    words = 0
    for index, title in enumerate(titles):
        page = sq.generate_page(vocabulary, seed, index, titles)
        meta_rng = random.Random(f"search-meta-{seed}-{index}")
        meta = {"title": title, "order": index + 1,
                "tags": meta_rng.sample(corpus.TAGS, meta_rng.randint(1, 3)),
                "summary": page.summary}
        section_dir = section_dirs[index * sections // pages]
        (section_dir / f"{corpus.slugify(title)}.md").write_text(
            corpus._front(meta) + page.body, encoding="utf-8")
        words += sq.word_count(page.body)
    return words / pages, sections


def prepare_instance(args, pages, vocabulary, workdir):
    """Generate and import (or copy a cached import); returns (instance, facts)."""
    content = workdir / "content"
    started = time.perf_counter()
    markdown_words, sections = write_corpus(content, pages, vocabulary, args.seed)
    facts = {"generate_seconds": round(time.perf_counter() - started, 2),
             "markdown_words_per_page": round(markdown_words, 1), "sections": sections}
    instance = workdir / "instance"
    database = f"handbook_search_bench_{pages}_{args.seed}"
    cached = None
    if args.cache_dir:
        backend = "-postgresql" if args.postgres else ""
        cached = args.cache_dir / f"search-v{CORPUS_VERSION}-pages-{pages}-seed-{args.seed}{backend}"
        record = cached / "import.json"
        if record.exists():
            shutil.copytree(cached / "instance", instance)
            if args.postgres:  # the approvals below must not change the cached database
                copy_database(args.postgres, database + "_cached", database)
            facts.update(json.loads(record.read_text()), import_cached=True)
            return instance, facts
    if args.postgres:
        use_postgres(instance, args.postgres, database)
    seconds, done = handbook(instance, "import", str(content),
                             extra_env={"HANDBOOK_RENDER_TIMEOUT": str(args.import_render_timeout)})
    expected = f"Imported {pages} new or changed pages."
    if expected not in done.stdout:
        raise BenchmarkError(f"handbook import said {done.stdout.strip()!r}, expected {expected!r}")
    facts.update(import_seconds=round(seconds, 2), import_cached=False)
    if cached:
        shutil.rmtree(cached, ignore_errors=True)
        shutil.copytree(instance, cached / "instance")
        if args.postgres:
            copy_database(args.postgres, database, database + "_cached")
        (cached / "import.json").write_text(json.dumps({"import_seconds": facts["import_seconds"]}))
    return instance, facts


# -- the search index as the app sees it -----------------------------------------------------

def in_process_app(instance):
    """The handbook app on `instance`, in this process (for texts and profiles)."""
    from handbook import create_app

    for key in [key for key in os.environ if key.startswith("HANDBOOK_")]:
        del os.environ[key]
    return create_app({"INSTANCE_PATH": str(instance)})


def indexed_texts(instance):
    """[(title, body)] exactly as the search documents carry them (plain text of the HTML)."""
    from sqlalchemy.orm import Session

    from handbook.search import documents

    app = in_process_app(instance)
    engine = app.extensions["handbook_engine"]
    with Session(bind=engine) as session:
        texts = [(document.title, document.body) for document in documents.all_documents(session)]
    engine.dispose()
    return texts


def index_segments(instance):
    """How many segments the Whoosh index has (1 after a reindex; edits add more); None on
    PostgreSQL search."""
    from whoosh import index

    from handbook.search.whoosh_backend import WhooshBackend

    live = WhooshBackend(str(Path(instance) / "search-index")).live_path()
    if live is None or not index.exists_in(live):
        return None
    with index.open_dir(live).reader() as reader:
        return len(reader.leaf_readers())


def fts5_reference(texts, queries, runs):
    """Build an FTS5 table over the texts and time the queries in-process (no HTTP)."""
    connection = sqlite3.connect(":memory:")
    started = time.perf_counter()
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    with connection:
        connection.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                               ((number, title, body) for number, (title, body) in enumerate(texts, 1)))
    build = time.perf_counter() - started
    sql = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 4.0, 1.0) LIMIT 20"
    totals = {query.text: connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?",
                                             (query.fts5(),)).fetchone()[0] for query in queries}
    for query in queries:  # warm-up
        connection.execute(sql, (query.fts5(),)).fetchall()
    seconds = {query.text: [] for query in queries}
    for _ in range(runs):
        for query in queries:
            started = time.perf_counter()
            connection.execute(sql, (query.fts5(),)).fetchall()
            seconds[query.text].append(time.perf_counter() - started)
    connection.close()
    return build, seconds, totals


# -- HTTP query latency ----------------------------------------------------------------------

def search_path(text, page=False):
    """The JSON API's address for `text`, or with `page` the HTML results page's (facets and all)."""
    return ("/search?" if page else "/api/v1/search?") + urllib.parse.urlencode({"q": text})


def time_queries(port, queries, runs, warmups=2, page=False):
    """Per query: seconds of each run, and the answer's total (None for the HTML page); every
    answer must be a 200."""
    for _ in range(warmups):  # warm-up: both workers, every query
        for query in queries:
            status, _headers, body, _seconds = request(port, "GET", search_path(query.text, page))
            if status != 200:
                raise BenchmarkError(f"{query.text!r} answered {status} in the warm-up:\n{body[:500]}")
    seconds = {query.text: [] for query in queries}
    totals = {}
    for _ in range(runs):
        for query in queries:
            status, _headers, body, took = request(port, "GET", search_path(query.text, page))
            if status != 200:
                raise BenchmarkError(f"{query.text!r} answered {status}:\n{body[:500]}")
            seconds[query.text].append(took)
            totals[query.text] = None if page else json.loads(body)["total"]
    return seconds, totals


# -- approval to searchable ------------------------------------------------------------------

def approvals(port, instance, vocabulary, args, pages):
    """Propose a page with a unique word, approve it, poll search until it is found."""
    password = "bench-password-" + "".join(random.Random(pages).choices(string.ascii_lowercase, k=12))
    handbook(instance, "users", "create", "benchlibrarian", "--email", "librarian@bench.invalid",
             "--role", "librarian", stdin=password + "\n")
    handbook(instance, "users", "create", "benchcontributor", "--email",
             "contributor@bench.invalid", "--role", "contributor", stdin=password + "\n")
    contributor, librarian = Browser(port), Browser(port)
    contributor.login("benchcontributor", password)
    librarian.login("benchlibrarian", password)
    rng = random.Random(f"search-approval-{args.seed}-{pages}-{time.time_ns()}")
    results = []
    for repetition in range(args.approvals):
        nonce = "qzv" + "".join(rng.choices(string.ascii_lowercase, k=9))
        title = f"Search probe {repetition + 1} {nonce}"
        slug = corpus.slugify(title)
        page = sq.generate_page(vocabulary, args.seed, 10_000_000 + repetition)
        body = f"This probe page mentions {nonce} once.\n\n{page.body}"
        token, html = contributor.csrf("/new")
        select = re.search(r'<select[^>]*name="section_id"[^>]*>(.*?)</select>', html, re.S)
        options = re.findall(r'<option[^>]*value="(\d+)"', select.group(1)) if select else []
        if not options:
            raise BenchmarkError("no section to choose on /new")
        contributor.send("POST", "/new", {
            "csrf_token": token, "title": title, "section_id": options[repetition % len(options)],
            "body": body, "summary": "Search benchmark probe", "base_revision_id": ""},
            expect=(302, 303))
        _status, _headers, queue, _seconds = librarian.send("GET", "/review?" + urllib.parse.urlencode({"q": nonce}))
        found = re.findall(r'href="/review/(\d+)"', queue)
        if len(found) != 1:
            raise BenchmarkError(f"expected one proposal mentioning {nonce} in /review, found {found}")
        revision_id = found[0]
        token, _html = librarian.csrf(f"/review/{revision_id}")
        before = json.loads(request(port, "GET", search_path(nonce))[2])
        if before["total"]:
            raise BenchmarkError(f"{nonce} is searchable before approval: {before}")

        sent = threading.Event()
        outcome = {}

        def approve():
            outcome["sent"] = time.perf_counter()
            sent.set()
            try:
                outcome["answer"] = librarian.send(
                    "POST", f"/review/{revision_id}/approve", {"csrf_token": token},
                    expect=(302, 303))
            except BaseException as error:  # reported by the main thread
                outcome["error"] = error
            outcome["done"] = time.perf_counter()

        thread = threading.Thread(target=approve)
        thread.start()
        sent.wait()
        polls = []
        searchable = None
        while time.perf_counter() - outcome["sent"] < 10:
            poll_start = time.perf_counter()
            status, _headers, answer, took = request(port, "GET", search_path(nonce))
            polls.append(round(took * 1000, 1))
            if status != 200:
                thread.join()
                raise BenchmarkError(f"search for {nonce} answered {status} while polling")
            if any(hit["url"].rstrip("/").endswith("/" + slug) for hit in json.loads(answer)["results"]):
                searchable = time.perf_counter()
                break
            time.sleep(max(0.0, poll_start + 0.010 - time.perf_counter()))
        thread.join()
        if "error" in outcome:
            raise BenchmarkError(f"approving {nonce}: {outcome['error']}")
        if searchable is None:
            raise BenchmarkError(f"{nonce} was not searchable 10 s after the approval was sent")
        results.append({
            "nonce": nonce, "polls": len(polls), "poll_ms": polls,
            "searchable_ms": round((searchable - outcome["sent"]) * 1000, 1),
            "approve_request_ms": round((outcome["done"] - outcome["sent"]) * 1000, 1),
        })
        print(f"   approval {repetition + 1}: searchable after {results[-1]['searchable_ms']:.0f} ms "
              f"(the approve request took {results[-1]['approve_request_ms']:.0f} ms; "
              f"{len(polls)} polls taking {', '.join(f'{ms:.0f}' for ms in polls[:6])} ms"
              f"{' ...' if len(polls) > 6 else ''})",
              flush=True)
    return results


# -- profiles --------------------------------------------------------------------------------

def profile_text(profile, sort, limit):
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    text = stream.getvalue()
    start = text.find("   ncalls")
    return text[start:] if start >= 0 else text


def profile_queries(instance, texts_by_latency, runs=3):
    """cProfile the given queries through the Flask test client (in this process, no HTTP)."""
    app = in_process_app(instance)
    client = app.test_client()
    timings = {}
    for text in texts_by_latency:
        client.get(search_path(text))  # warm: open the searcher, load what it caches
        seconds = []
        for _ in range(runs):  # without the profiler
            started = time.perf_counter()
            response = client.get(search_path(text))
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise BenchmarkError(f"{text!r} answered {response.status_code} in-process")
        timings[text] = round(statistics.median(seconds) * 1000, 1)
    profile = cProfile.Profile()
    for text in texts_by_latency:
        for _ in range(runs):
            profile.enable()
            client.get(search_path(text))
            profile.disable()
    # Backend parts, timed apart: the Whoosh search (with facets), the spelling corrector.
    from sqlalchemy.orm import Session

    from handbook.search import query as query_language
    from handbook.search import service

    backend = app.extensions["handbook_search"]
    parts = {}
    with Session(bind=app.extensions["handbook_engine"]) as session:
        for text in texts_by_latency:
            parsed = query_language.parse(text)
            backend_s, service_s, corrections_s = [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                raw = backend.search(session, parsed, limit=service.PAGE_SIZE)
                backend_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                service.search(session, backend, text)
                service_s.append(time.perf_counter() - started)
                words = [atom.text for clause in parsed.positive for atom in clause.atoms
                         if atom.kind == "word" and atom.field is None]
                started = time.perf_counter()
                backend.corrections(session, words)
                corrections_s.append(time.perf_counter() - started)
            parts[text] = {"backend_search_ms": round(statistics.median(backend_s) * 1000, 1),
                           "service_search_ms": round(statistics.median(service_s) * 1000, 1),
                           "corrections_ms": round(statistics.median(corrections_s) * 1000, 1),
                           "total": raw.total}
    app.extensions["handbook_engine"].dispose()
    return {"in_process_ms": timings, "parts": parts,
            "cumulative": profile_text(profile, "cumulative", 30),
            "tottime": profile_text(profile, "tottime", 20)}


def profile_import(args, vocabulary, workdir, pages=200):
    """cProfile of `handbook import` of 200 generated pages into a fresh instance."""
    content = workdir / "profile-content"
    write_corpus(content, pages, vocabulary, args.seed)
    instance = workdir / "profile-instance"
    output = workdir / "import.prof"
    code = ("import cProfile, sys; from handbook.cli import main; "
            f"sys.argv = ['handbook', 'import', {str(content)!r}]; "
            f"cProfile.run('main(standalone_mode=False)', {str(output)!r})")
    env = base_environment(instance)
    env["HANDBOOK_RENDER_TIMEOUT"] = str(args.import_render_timeout)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr[-3000:]}
    return {"pages": pages, "seconds": round(seconds, 2),
            "note": "markdown is rendered in a child process (render_budget); its work shows here "
                    "as waiting in multiprocessing (pending.get / wait)",
            "cumulative": profile_text(str(output), "cumulative", 35),
            "tottime": profile_text(str(output), "tottime", 20)}


# -- one handbook size -----------------------------------------------------------------------

def bench_size(args, pages, vocabulary, queries):
    workdir = Path(tempfile.mkdtemp(prefix=f"handbook-search-bench-{pages}-"))
    server = None
    result = {"pages": pages, "problems": []}
    try:
        result["code_at_start"] = code_version()
        print(f"\n== {pages:,} pages (work folder {workdir}; code at {result['code_at_start']})",
              flush=True)
        instance, facts = prepare_instance(args, pages, vocabulary, workdir)
        result.update(facts)
        how = "copied from the cache; first import took" if facts["import_cached"] else "imported in"
        print(f"   generated in {facts['generate_seconds']}s ({facts['sections']} sections, "
              f"{facts['markdown_words_per_page']:.0f} words of markdown a page); {how} "
              f"{facts['import_seconds']}s (load {os.getloadavg()[0]:.1f})", flush=True)

        _seconds, done = handbook(instance, "search-check", check=False)
        result["search_check_after_import"] = done.returncode
        if done.returncode != 0:
            result["problems"].append(f"search-check after import exited {done.returncode}: "
                                      f"{done.stderr.strip()[-300:]}")
        seconds, done = handbook(instance, "reindex")
        result["reindex_seconds"] = round(seconds, 2)
        result["reindex_output"] = done.stdout.strip().splitlines()[-1:]
        result["reindex_pages_per_second"] = round(pages / seconds, 1)
        result["segments_after_reindex"] = index_segments(instance)
        _seconds, done = handbook(instance, "search-check", check=False)
        result["search_check"] = done.returncode
        if done.returncode != 0:
            result["problems"].append(f"search-check after reindex exited {done.returncode}: "
                                      f"{(done.stdout + done.stderr).strip()[-300:]}")
        print(f"   reindex {seconds:.1f}s ({pages / seconds:.0f} pages/s; {done.stdout.strip()[-60:]}"
              f" exit {done.returncode}) (load {os.getloadavg()[0]:.1f})", flush=True)

        texts = indexed_texts(instance)
        if len(texts) != pages:
            raise BenchmarkError(f"{len(texts)} published pages, expected {pages}")
        result["indexed_words_per_page"] = round(
            statistics.mean(sq.word_count(body) for _title, body in texts), 1)
        build, fts_seconds, fts_totals = fts5_reference(texts, queries, args.runs)
        del texts
        result["fts5_build_seconds"] = round(build, 2)
        result["fts5"] = summary_ms([value for values in fts_seconds.values() for value in values])
        print(f"   FTS5 (in-process, in memory): built in {build:.1f}s; p50 {result['fts5']['p50']:.2f} ms,"
              f" p95 {result['fts5']['p95']:.2f} ms", flush=True)

        result["code_at_server_start"] = code_version()
        # one address sends every query: lift the per-address search limit (60 a minute)
        with open(instance / "config.py", "a", encoding="utf-8") as config:  # keeps --postgres's
            config.write('SEARCH_LIMITS = "1000000 per minute"\n')
        server = Server("search", "handbook:create_app()", base_environment(instance),
                        args.workers, workdir)
        server.wait_ready("/api/v1/search?q=warmup", timeout=90)
        server.wait_workers(args.workers)
        http_seconds, http_totals = time_queries(server.port, queries, args.runs)
        result["http"] = summary_ms([value for values in http_seconds.values() for value in values])
        page_seconds, _page_totals = time_queries(server.port, queries, args.runs, page=True)
        result["html"] = summary_ms([value for values in page_seconds.values() for value in values])
        print(f"   HTML results page: p50 {result['html']['p50']:.1f} ms, p95 "
              f"{result['html']['p95']:.1f} ms", flush=True)
        result["load_after_queries"] = round(os.getloadavg()[0], 2)
        print(f"   HTTP: p50 {result['http']['p50']:.1f} ms, p95 {result['http']['p95']:.1f} ms, max "
              f"{result['http']['max']:.1f} ms over {result['http']['count']} requests "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
        result["queries"] = [{
            "kind": query.kind, "q": query.text, "fts5_query": query.fts5(),
            "http_ms": [round(value * 1000, 2) for value in http_seconds[query.text]],
            "fts5_ms": [round(value * 1000, 3) for value in fts_seconds[query.text]],
            "total": http_totals[query.text], "fts5_total": fts_totals[query.text],
        } for query in queries]
        result["by_kind"] = {}
        for kind in dict.fromkeys(query.kind for query in queries):
            chosen = [query for query in queries if query.kind == kind]
            result["by_kind"][kind] = {
                "http": summary_ms([v for q in chosen for v in http_seconds[q.text]]),
                "fts5": summary_ms([v for q in chosen for v in fts_seconds[q.text]]),
                "queries": len(chosen),
                "no_hits": sum(1 for q in chosen if not http_totals[q.text]),
            }
        result["no_hits"] = [query.text for query in queries if not http_totals[query.text]]

        result["approvals"] = approvals(server.port, instance, vocabulary, args, pages)
        searchable = [entry["searchable_ms"] for entry in result["approvals"]]
        result["approval_ms"] = {"median": round(statistics.median(searchable), 1),
                                 "approve_request_median": round(statistics.median(
                                     entry["approve_request_ms"] for entry in result["approvals"]), 1),
                                 "max": round(max(searchable), 1)}
        result["segments_after_approvals"] = index_segments(instance)
        # The same queries again on the index as edits leave it (the approved pages went into
        # new segments; a reindex leaves one): one warm-up pass (each worker reopens its
        # searcher once after a change), then timed like the first time.
        after_seconds, _after_totals = time_queries(server.port, queries, args.runs, warmups=1)
        result["http_after_edits"] = summary_ms([v for values in after_seconds.values() for v in values])
        for entry in result["queries"]:
            entry["http_after_edits_ms"] = [round(v * 1000, 2) for v in after_seconds[entry["q"]]]
        for kind, numbers in result["by_kind"].items():
            numbers["http_after_edits"] = summary_ms(
                [v for q in queries if q.kind == kind for v in after_seconds[q.text]])
        print(f"   HTTP after the approvals ({result['segments_after_approvals']} index segments): "
              f"p50 {result['http_after_edits']['p50']:.1f} ms, p95 "
              f"{result['http_after_edits']['p95']:.1f} ms, max {result['http_after_edits']['max']:.1f}"
              f" ms (load {os.getloadavg()[0]:.1f})", flush=True)
        result["memory"] = memory(server.process.pid)
        result["memory"]["server_rss_mb"] = round(
            result["memory"]["master_rss_mb"] + sum(result["memory"]["workers_rss_mb"]), 1)
        print(f"   memory after every query: master and {args.workers} workers "
              f"{result['memory']['server_rss_mb']:.0f} MB RSS; with their rendering processes "
              f"{result['memory']['rss_mb']:.0f} MB RSS, {result['memory']['pss_mb']} MB PSS",
              flush=True)
        log = server.log()
        if "Traceback" in log or "index update failed" in log:
            result["problems"].append("the gunicorn log has errors: " + log[-1500:])
        server.stop()
        server = None
        _seconds, done = handbook(instance, "search-check", check=False)
        result["search_check_after_approvals"] = done.returncode
        if done.returncode != 0:
            result["problems"].append(f"search-check after the approvals exited {done.returncode}")

        slowest = sorted(queries, key=lambda q: -statistics.median(http_seconds[q.text]))[:2]
        slowest += [q for q in sorted(queries, key=lambda q: -statistics.median(after_seconds[q.text]))
                    if q not in slowest][:1]
        if args.profile_queries or max(result["http"]["p95"],
                                       result["http_after_edits"]["p95"]) > TARGET_P95_MS:
            print("   profiling the 2 slowest queries, and the slowest after the approvals, "
                  "in-process (Flask test client) ...", flush=True)
            result["query_profile"] = profile_queries(instance, [q.text for q in slowest])
            result["query_profile"]["queries"] = [q.text for q in slowest]
        if args.profile_import or (not facts["import_cached"]
                                   and facts["import_seconds"] > IMPORT_PROFILE_AFTER_S):
            print("   profiling an import of 200 pages ...", flush=True)
            result["import_profile"] = profile_import(args, vocabulary, workdir)
        if args.keep:
            print(f"   kept {workdir}")
        return result
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


# -- report ----------------------------------------------------------------------------------

def main_table(results):
    header = ["pages", "words/page", "import s", "reindex s", "pages/s", "HTTP p50", "p95",
              "max ms", "HTML page p50", "p95 ms", "after edits p50", "p95 ms", "FTS5 build s", "FTS5 p50", "p95 ms",
              "approval med", "max ms", "RSS MB"]
    rows = [[
        f"{r['pages']:,}", f"{r['indexed_words_per_page']:.0f}",
        f"{r['import_seconds']:.1f}" + ("*" if r["import_cached"] else ""),
        f"{r['reindex_seconds']:.1f}", f"{r['reindex_pages_per_second']:.0f}",
        f"{r['http']['p50']:.1f}", f"{r['http']['p95']:.1f}", f"{r['http']['max']:.1f}",
        f"{r['html']['p50']:.1f}", f"{r['html']['p95']:.1f}",
        f"{r['http_after_edits']['p50']:.1f}", f"{r['http_after_edits']['p95']:.1f}",
        f"{r['fts5_build_seconds']:.2f}", f"{r['fts5']['p50']:.2f}", f"{r['fts5']['p95']:.2f}",
        f"{r['approval_ms']['median']:.0f}", f"{r['approval_ms']['max']:.0f}",
        f"{r['memory']['server_rss_mb']:.0f}",
    ] for r in results]
    return render_table(header, rows)


def kind_table(result):
    header = ["kind", "queries", "HTTP p50", "p95", "max ms", "after edits p50", "p95 ms",
              "FTS5 p50", "p95 ms", "no hits"]
    rows = [[kind, str(k["queries"]), f"{k['http']['p50']:.1f}", f"{k['http']['p95']:.1f}",
             f"{k['http']['max']:.1f}", f"{k['http_after_edits']['p50']:.1f}",
             f"{k['http_after_edits']['p95']:.1f}", f"{k['fts5']['p50']:.2f}",
             f"{k['fts5']['p95']:.2f}", str(k["no_hits"])] for kind, k in result["by_kind"].items()]
    return render_table(header, rows)


def slowest_table(result, count=8):
    header = ["query", "kind", "HTTP median ms", "after edits", "total", "FTS5 median ms",
              "FTS5 total"]
    ranked = sorted(result["queries"], key=lambda q: -max(statistics.median(q["http_ms"]),
                                                          statistics.median(q["http_after_edits_ms"])))
    rows = [[q["q"], q["kind"], f"{statistics.median(q['http_ms']):.1f}",
             f"{statistics.median(q['http_after_edits_ms']):.1f}", str(q["total"]),
             f"{statistics.median(q['fts5_ms']):.2f}", str(q["fts5_total"])] for q in ranked[:count]]
    return render_table(header, rows)


def verdicts(results):
    judged = [r for r in results if r["pages"] == TARGET_PAGES] or [max(results, key=lambda r: r["pages"])]
    lines = []
    for r in judged:
        at = f"at {r['pages']:,} pages"
        met = r["http"]["p95"] < TARGET_P95_MS
        lines.append(f"search p95 through HTTP {at}: {r['http']['p95']:.1f} ms on the freshly "
                     f"rebuilt index (target < {TARGET_P95_MS:.0f} ms): {'yes' if met else 'NO'}")
        met = r["html"]["p95"] < TARGET_HTML_P95_MS
        lines.append(f"search p95 through the HTML results page {at}: {r['html']['p95']:.1f} ms "
                     f"(target < {TARGET_HTML_P95_MS:.0f} ms): {'yes' if met else 'NO'}")
        met = r["http_after_edits"]["p95"] < TARGET_P95_MS
        lines.append(f"search p95 through HTTP {at}, after {len(r['approvals'])} approvals: "
                     f"{r['http_after_edits']['p95']:.1f} ms (same target): {'yes' if met else 'NO'}")
        met = r["reindex_seconds"] < TARGET_REINDEX_S
        lines.append(f"reindex {at}: {r['reindex_seconds']:.1f} s "
                     f"(target < {TARGET_REINDEX_S:.0f} s): {'yes' if met else 'NO'}")
        met = r["approval_ms"]["max"] < TARGET_APPROVAL_MS
        lines.append(f"approval to searchable {at}: median {r['approval_ms']['median']:.0f} ms, "
                     f"max {r['approval_ms']['max']:.0f} ms of {len(r['approvals'])} "
                     f"(target < {TARGET_APPROVAL_MS:.0f} ms every time): {'yes' if met else 'NO'}")
    return lines


def report(results, queries, vocabulary, args):
    print("\n" + "=" * 100)
    print(f"Corpus: {sq.describe(vocabulary)}.")
    kinds = ", ".join(f"{sum(1 for q in queries if q.kind == kind)} {kind}"
                      for kind in dict.fromkeys(q.kind for q in queries))
    print(f"Queries: {len(queries)} ({kinds}), each timed {args.runs} times, one at a time, through "
          f"GET /api/v1/search?q= under gunicorn -w {args.workers} (sync), a new connection each "
          "(gunicorn sync workers do not keep connections alive).")
    print("FTS5: the same queries on the same plain texts (title, body; porter tokenizer), "
          "in-process, in memory, no HTTP: SELECT rowid ... MATCH ? ORDER BY bm25 LIMIT 20.")
    print("words/page: words of the plain text the index holds. import s: `handbook import` "
          "(renders, stores, indexes). reindex s: wall time of `handbook reindex` (process start "
          "included). after edits: the same queries again once the approvals below have added "
          "index segments. approval: from sending the approve POST to the first search that "
          "finds the page (polled every 10 ms). RSS MB: the gunicorn master and its workers "
          "once every query above has run (their rendering processes not included).")
    if any(r["import_cached"] for r in results):
        print("* import time of the cached instance's first run")
    print()
    print(main_table(results))
    for r in results:
        print(f"\n{r['pages']:,} pages, latency by kind of query:")
        print(kind_table(r))
        print(f"\n{r['pages']:,} pages, slowest queries (HTTP median of {args.runs}; index "
              f"segments: {r['segments_after_reindex']} after the reindex, "
              f"{r['segments_after_approvals']} after the approvals):")
        print(slowest_table(r))
        differing = [q for q in r["queries"] if q["total"] != q["fts5_total"]]
        if differing:
            print(f"\n{len(differing)} queries where the handbook's total differs from FTS5's "
                  "(tokenizers and stemmers differ): " + "; ".join(
                      f"{q['q']} {q['total']} vs {q['fts5_total']}" for q in differing[:10]))
        if r["no_hits"]:
            print(f"queries with no hits: {', '.join(r['no_hits'])}")
        profile = r.get("query_profile")
        if profile:
            print(f"\n{r['pages']:,} pages: profile of the slowest queries through the Flask test "
                  "client (in-process, 3 runs each):")
            for text in profile["queries"]:
                parts = profile["parts"][text]
                print(f"  {text!r}: {parts['total']} hits; {profile['in_process_ms'][text]} ms a "
                      f"request through the test client; of which service.search "
                      f"{parts['service_search_ms']} ms = backend.search (Whoosh, facets) "
                      f"{parts['backend_search_ms']} ms + checking hits and snippets"
                      + (" + suggestion" if parts["total"] < 3 else "")
                      + f" (backend.corrections alone: {parts['corrections_ms']} ms)")
            print("\n  cProfile of those requests (3 each), by cumulative time:\n"
                  + indent(profile["cumulative"], 25))
            print("\n  by own time:\n" + indent(profile["tottime"], 15))
        imported = r.get("import_profile")
        if imported:
            print(f"\nProfile of `handbook import` of {imported.get('pages')} pages "
                  f"({imported.get('seconds')} s): {imported.get('note', '')}")
            if "error" in imported:
                print(imported["error"])
            else:
                print(indent(imported["cumulative"], 35))
                print(indent(imported["tottime"], 15))
        for problem in r["problems"]:
            print(f"PROBLEM at {r['pages']:,} pages: {problem}")
    print("\nTargets (this 2-core machine):")
    for line in verdicts(results):
        print("  " + line)


def indent(text, lines):
    return "\n".join("    " + line for line in text.strip().splitlines()[:lines + 1])


def main(argv=None):
    args = parse_args(argv)
    version = code_version()
    print(f"handbook search benchmark: {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average "
          f"{os.getloadavg()[0]:.2f}; code at {version}; "
          f"{'PostgreSQL + PostgreSQL search' if args.postgres else 'SQLite + Whoosh'}", flush=True)
    started = time.perf_counter()
    vocabulary = sq.build_vocabulary(args.seed)
    queries = sq.build_queries(vocabulary, args.seed, min(sq.QUERY_PAGES, min(args.pages)))
    print(f"vocabulary and {len(queries)} queries ready in {time.perf_counter() - started:.1f}s",
          flush=True)
    if args.cache_dir:
        args.cache_dir.mkdir(parents=True, exist_ok=True)
    results = []
    failed = None
    try:
        for pages in args.pages:
            results.append(bench_size(args, pages, vocabulary, queries))
    except BenchmarkError as error:
        failed = error
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
    if results:
        report(results, queries, vocabulary, args)
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s; code at {version} at the start, "
          f"{code_version()} at the end.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "settings": {key: (str(value) if isinstance(value, Path) else value)
                         for key, value in vars(args).items()},
            "machine": {"node": platform.node(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
            "code": version,
            "vocabulary": sq.describe(vocabulary),
            "results": results,
            "verdicts": verdicts(results) if results else [],
            "failed": str(failed) if failed else None,
        }, indent=2))
        print(f"Wrote {args.json}")
    if failed or any(r["problems"] for r in results):
        print("Exit status 2: the run failed or found problems (see BENCHMARK FAILED / PROBLEM above).")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
