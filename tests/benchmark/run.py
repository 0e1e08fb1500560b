"""Page views per second under gunicorn, against a same-size fixed page served the same way.

For each page count N: generate a handbook of N pages, import it with `handbook import` into a
fresh instance folder, serve it with gunicorn (sync workers), and load it with wrk over loopback,
each request a random /wiki/<slug>. In the same run, a minimal Flask app returning a fixed page
of the same size (tests/benchmark/ceiling_app.py) is served and loaded the same way: that is the
ceiling. Rounds alternate the ceiling and every target (kept pages, rendering, members,
publishing, 304s, through nginx) and the medians are compared, so a noisy machine slows all
alike. See tests/benchmark/README.md.
"""

import argparse
import html as html_module
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__:
    from . import corpus
    from .processes import REPO
    from .processes import BenchmarkError
    from .processes import Browser
    from .processes import Server
    from .processes import base_environment
    from .processes import code_version
    from .processes import free_port
    from .processes import memory
    from .processes import handbook_command
    from .processes import render_table
    from .processes import request
    from .processes import use_postgres
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus
    from processes import REPO
    from processes import BenchmarkError
    from processes import Browser
    from processes import Server
    from processes import base_environment
    from processes import code_version
    from processes import free_port
    from processes import memory
    from processes import handbook_command
    from processes import render_table
    from processes import request
    from processes import use_postgres

BENCH_DIR = Path(__file__).resolve().parent
MEMORY_TARGET_MB = 200
#: headers of a wiki page the ceiling does not copy (its own server and body set them)
UNCOPIED = {"content-length", "content-type", "date", "server", "connection",
            "transfer-encoding"}

#: wrk script: each request is a random line of the file named by the first script argument
#: (a path, optionally a tab and an If-None-Match value); every answer other than the expected
#: status (third argument, default 200) is counted (wrk itself lets 3xx pass as success). A
#: fourth argument is sent as the Cookie header.
WRK_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  paths = {}
  expected = tonumber(args[3] or "200")
  for line in io.lines(args[1]) do
    if #line > 0 then
      local path, etag = line:match("^([^\t]+)\t?(.*)$")
      local headers = {}
      if #etag > 0 then headers["If-None-Match"] = etag end
      if args[4] and #args[4] > 0 then headers["Cookie"] = args[4] end
      paths[#paths + 1] = wrk.format("GET", path, headers)
    end
  end
  math.randomseed(7919 * id + tonumber(args[2] or "1"))
  bad = 0
  first_bad = 0
end

function request()
  return paths[math.random(#paths)]
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local total, first = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    if first == 0 then first = thread:get("first_bad") end
  end
  io.write(string.format("BENCH non200=%d first_status=%d\n", total, first))
end
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmark.run",
        description="Measure handbook page views per second under gunicorn against a same-size "
                    "fixed-page Flask app (the ceiling), and the server's memory.",
    )
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 10000],
                        help="Handbook sizes to measure (default: 1000 10000).")
    parser.add_argument("--sections", type=int, default=None,
                        help="Sections per handbook (default: about 250 pages each, at least 4).")
    parser.add_argument("--duration", type=int, default=10,
                        help="Seconds per measured wrk run (default 10).")
    parser.add_argument("--warmup", type=int, default=5,
                        help="Seconds of wrk load on each server before measuring (default 5).")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Alternating rounds of every target; medians are reported "
                             "(default 3).")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections (default 16).")
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads (default 1: on a 2-core machine wrk shares the CPUs "
                             "with the server).")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers for both servers (default 2).")
    parser.add_argument("--publish-every", type=float, default=3.0,
                        help="Seconds between a librarian's published edits during the "
                             "'publishing' target (default 3).")
    parser.add_argument("--proxy-seconds", type=int, default=3600,
                        help="HANDBOOK_PROXY_CACHE_SECONDS of the server behind nginx for the "
                             "'proxy' target; 0 skips the proxy (default 3600).")
    parser.add_argument("--sample", type=int, default=200,
                        help="Pages fetched once to check them and measure their size; the "
                             "ceiling page is their median size (default 200).")
    parser.add_argument("--seed", type=int, default=1, help="Corpus and sampling seed (default 1).")
    parser.add_argument("--import-render-timeout", type=float, default=60,
                        help="HANDBOOK_RENDER_TIMEOUT for the import only (default 60 s). The "
                             "app's 2 s default counts the rendering child's start-up, which a "
                             "loaded machine can exceed; the served pages are not affected.")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="Run on PostgreSQL with PostgreSQL search instead of SQLite and "
                             "Whoosh: a server URL (postgresql+psycopg://user@host:port/any); "
                             "each size gets a database of its own, handbook_bench_<pages>_<seed>.")
    parser.add_argument("--wikmd-python", type=Path, default=None, metavar="PYTHON",
                        help="The Python of an environment with wikmd installed: also time "
                             "wikmd's load of the same corpus (wikmd_load.py) for the table.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="Keep imported instances here and reuse them on later runs with the "
                             "same pages/sections/seed (the import time shown is then the first "
                             "run's). Default: a fresh temporary instance every run.")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the temporary folders (corpus, instance, logs) and print them.")
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    return args


# -- load ------------------------------------------------------------------------------------

def run_wrk(url, script, paths_file, seconds, connections, threads, seed, expect=200, cookie=""):
    seconds = max(1, round(seconds))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--latency", "-s", str(script), url, "--", str(paths_file), str(seed), str(expect),
               cookie]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchmarkError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(output):
    def number(pattern, default=None):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = dict(zip(("connect", "read", "write", "timeout"),
                      map(int, socket_errors.groups()))) if socket_errors else {}
    bench = re.search(r"BENCH non200=(\d+) first_status=(\d+)", output)
    if bench is None:
        raise BenchmarkError(f"wrk output has no BENCH line (script failed?):\n{output}")
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in", 0)),
        "non_200": int(bench.group(1)),
        "first_non_200_status": int(bench.group(2)),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)", 0)),
        "socket_errors": errors,
        "latency_ms": {
            "p50": _latency(output, "50%"),
            "p99": _latency(output, "99%"),
        },
        "raw": output,
    }


def _latency(output, label):
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if not match:
        return None
    scale = {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    return round(float(match.group(1)) * scale, 2)


def check_clean(name, result, expect=200):
    """Fail loudly on any answer other than the expected one, and on connection errors."""
    errors = result["socket_errors"]
    serious = {key: value for key, value in errors.items() if value}
    if result["non_200"] or (expect == 200 and result["non_2xx_3xx"]) or serious:
        raise BenchmarkError(
            f"{name}: {result['non_200']} answers were not {expect} (first: "
            f"{result['first_non_200_status']}), socket errors {errors}:\n{result['raw']}"
        )


# -- one handbook size -----------------------------------------------------------------------

def prepare_instance(args, pages, workdir):
    """Generate the corpus and import it; returns (instance, slugs, timings)."""
    sections = args.sections or corpus.default_sections(pages)
    content = workdir / "content"
    started = time.perf_counter()
    specs = corpus.generate(content, pages, sections, args.seed)
    generated = time.perf_counter() - started
    slugs = [spec.slug for spec in specs]
    cached = None
    if args.cache_dir:
        backend = "-postgresql" if args.postgres else ""
        cached = args.cache_dir / f"pages-{pages}-sections-{sections}-seed-{args.seed}{backend}"
        if (cached / "import.json").exists():
            record = json.loads((cached / "import.json").read_text())
            upgraded = subprocess.run(handbook_command() + ["init"], capture_output=True, text=True,
                                      env=base_environment(cached / "instance"))
            if upgraded.returncode != 0:
                raise BenchmarkError(f"handbook init (schema upgrade of the cached instance) "
                                     f"failed:\n{upgraded.stdout}\n{upgraded.stderr}")
            return cached / "instance", slugs, {
                "generate_seconds": round(generated, 2), "import_seconds": record["seconds"],
                "import_cached": True, "sections": sections}
    instance = (cached or workdir) / "instance"
    if instance.exists():
        shutil.rmtree(instance)
    if args.postgres:
        use_postgres(instance, args.postgres, f"handbook_bench_{pages}_{args.seed}")
    started = time.perf_counter()
    env = base_environment(instance)
    env["HANDBOOK_RENDER_TIMEOUT"] = str(args.import_render_timeout)
    done = subprocess.run(handbook_command() + ["import", str(content)],
                          env=env, capture_output=True, text=True)
    imported = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchmarkError(f"handbook import failed:\n{done.stdout}\n{done.stderr}")
    expected = f"Imported {pages} new or changed pages."
    if expected not in done.stdout:
        raise BenchmarkError(f"handbook import said {done.stdout.strip()!r}, expected {expected!r}")
    if cached:
        (cached / "import.json").write_text(json.dumps({"seconds": round(imported, 2)}))
    return instance, slugs, {"generate_seconds": round(generated, 2),
                             "import_seconds": round(imported, 2), "import_cached": False,
                             "sections": sections}


def wikmd_load(python, content):
    """Seconds wikmd takes to load `content` before it serves (tests/benchmark/wikmd_load.py)."""
    done = subprocess.run([str(python), str(BENCH_DIR / "wikmd_load.py"), str(content)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(f"wikmd_load.py failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])["load_seconds"]


def sample_pages(port, slugs, count, rng):
    """Fetch a sample of pages once: each must be a 200 page; returns sizes and headers."""
    sizes = []
    headers = None
    for slug in rng.sample(slugs, min(count, len(slugs))):
        status, headers, body, _seconds = request(port, "GET", f"/wiki/{slug}")
        if status != 200:
            raise BenchmarkError(f"/wiki/{slug} answered {status}, expected 200")
        sizes.append(len(body))
    return sizes, dict(headers.items())


def keep_every_page(port, slugs):
    """View every page until it is kept (a view whose store met another store's write lock
    is not kept, by design: a later view keeps it); {path: ETag}."""
    def view(slug):
        for _ in range(5):
            status, headers, _body, _seconds = request(port, "GET", f"/wiki/{slug}")
            if status == 200 and headers.get("ETag"):
                return f"/wiki/{slug}", headers["ETag"]
        raise BenchmarkError(f"/wiki/{slug} answered {status} without an ETag, five times")

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(view, slugs))


def member_cookie(port, instance, name, role):
    """Create an account with the CLI, log it in over HTTP; its Cookie header."""
    password = "bench-password-1234"
    done = subprocess.run(handbook_command() + ["users", "create", name, "--email",
                                                f"{name}@bench.invalid", "--role", role],
                          input=password + "\n", capture_output=True, text=True,
                          env=base_environment(instance))
    if done.returncode != 0 and "taken" not in (done.stdout + done.stderr):
        raise BenchmarkError(f"handbook users create {name} failed:\n{done.stdout}{done.stderr}")
    browser = Browser(port)
    browser.login(name, password)
    browser.send("GET", "/recent")  # shows the "Logged in" message, as the browser's redirect would
    return browser


def publish_edit(browser, slug, paragraph, summary):
    """A librarian's edit adding `paragraph` to a page, sent as a browser sends the edit form:
    every field it holds (the page's tags and summary among them), so only the text changes."""
    token, html = browser.csrf(f"/wiki/{slug}/edit")
    fields = {html_module.unescape(name): html_module.unescape(value) for name, value in
              re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    text = html_module.unescape(re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>',
                                          html, re.S).group(1)).lstrip("\n")
    fields.pop("q", None)
    fields.update(csrf_token=token, body=f"{text}\n\n{paragraph}\n", summary=summary)
    browser.send("POST", f"/wiki/{slug}/edit", fields, expect=(302, 303))


class Publisher(threading.Thread):
    """A librarian publishing an edit to a random page every `every` seconds, over HTTP."""

    def __init__(self, browser, slugs, every, seed):
        super().__init__(daemon=True)
        self.browser, self.slugs, self.every = browser, slugs, every
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.published = 0
        self.error = None

    def run(self):
        try:
            while not self.stop.wait(self.every):
                slug = self.rng.choice(self.slugs)
                publish_edit(self.browser, slug, f"Edited during the benchmark ({self.published}).",
                             "benchmark edit")
                self.published += 1
        except Exception as error:  # reported by the round that used it
            self.error = error


#: the README's recipe, with a static file beside it for nginx's own 304s
NGINX_RECIPE = REPO / "handbook" / "deploy" / "nginx.conf"  # paths.nginx_recipe() in a checkout
STATIC_LOCATION = "    location /static-304/ { alias @WORK@/static/; etag on; }\n\n    location / {"
REFRESH_TOKEN = "bench-refresh-secret"


class Nginx:
    """nginx caching in front of `upstream` (the recipe in the README), plus a static file,
    its cache sized to hold `cache_bytes` (the recipe's 4 GB at least)."""

    def __init__(self, workdir, upstream_port, port, cache_bytes=0):
        self.port = port
        self.workdir = workdir
        workdir.chmod(0o755)  # nginx's workers (nobody, under a root master) use its cache here
        (workdir / "static").mkdir(exist_ok=True)
        conf = workdir / "nginx.conf"
        recipe = NGINX_RECIPE.read_text().replace("    location / {", STATIC_LOCATION, 1)
        cache_gb = max(4, math.ceil(cache_bytes / 2**30))
        recipe = recipe.replace("max_size=4g", f"max_size={cache_gb}g", 1)
        for name, value in {"WORK": str(workdir), "LISTEN": f"127.0.0.1:{self.port}",
                            "UPSTREAM": f"127.0.0.1:{upstream_port}",
                            "REFRESH_TOKEN": REFRESH_TOKEN}.items():
            recipe = recipe.replace(f"@{name}@", value)
        conf.write_text(recipe)
        self.process = subprocess.Popen(["nginx", "-g", "daemon off;", "-c", str(conf),
                                         "-p", str(workdir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                request(self.port, "GET", "/static-304/")
                return
            except OSError:
                time.sleep(0.1)
        raise BenchmarkError("nginx did not start")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        self.process.wait(20)


def freshness_after_publish(proxy_port, browser, slug, timeout=30):
    """Seconds from a publish until the proxy serves the new text (polling every 50 ms)."""
    marker = f"fresh{time.time_ns()}"
    publish_edit(browser, slug, marker, "freshness")
    published = time.perf_counter()
    while time.perf_counter() - published < timeout:
        _status, headers, body, _seconds = request(proxy_port, "GET", f"/wiki/{slug}")
        if marker.encode() in body:
            return round(time.perf_counter() - published, 3)
        time.sleep(0.05)
    direct = marker.encode() in request(browser.port, "GET", f"/wiki/{slug}")[2]
    print(f"   /wiki/{slug} still stale through the proxy after {timeout} s (X-Cache "
          f"{headers.get('X-Cache')}); the app itself shows the edit: {direct}", flush=True)
    return None


def bench_pages(args, pages, script):
    workdir = Path(tempfile.mkdtemp(prefix=f"handbook-bench-{pages}-"))
    servers = []
    publisher = None
    proxy = None
    try:
        print(f"\n== {pages} pages (work folder {workdir})", flush=True)
        instance, slugs, timings = prepare_instance(args, pages, workdir)
        how = "reused from cache, first import took" if timings["import_cached"] else "imported in"
        print(f"   generated in {timings['generate_seconds']}s; {how} "
              f"{timings['import_seconds']}s", flush=True)
        if args.wikmd_python:
            timings["wikmd_load_seconds"] = wikmd_load(args.wikmd_python, workdir / "content")
            print(f"   wikmd loaded the same corpus in {timings['wikmd_load_seconds']}s", flush=True)
        rng = random.Random(args.seed)
        all_paths = workdir / "paths-all.txt"
        all_paths.write_text("".join(f"/wiki/{slug}\n" for slug in slugs))
        render_paths = workdir / "paths-render.txt"
        render_paths.write_text("".join(f"/wiki/{slug}?view=1\n" for slug in slugs))

        wiki = Server("wiki", "handbook:create_app()", base_environment(instance), args.workers,
                      workdir)
        servers.append(wiki)
        wiki.wait_ready(f"/wiki/{slugs[0]}")
        wiki.wait_workers(args.workers)
        sizes, headers = sample_pages(wiki.port, slugs, args.sample, rng)
        page_bytes = int(statistics.median(sizes))
        print(f"   wiki pages: median {page_bytes} bytes (min {min(sizes)}, max {max(sizes)}) "
              f"over {len(sizes)} pages", flush=True)
        if any(name.lower() == "set-cookie" for name in headers):
            print("   note: anonymous page views set a cookie", flush=True)
        started = time.perf_counter()
        etags = keep_every_page(wiki.port, slugs)
        keep_seconds = time.perf_counter() - started
        print(f"   viewed every page once in {keep_seconds:.1f}s (each is now kept)", flush=True)
        etag_paths = workdir / "paths-etag.txt"
        etag_paths.write_text("".join(f"{path}\t{etag}\n" for path, etag in etags.items()))

        ceiling_env = dict(os.environ, BENCH_CEILING_BYTES=str(page_bytes))
        ceiling = Server("ceiling", "ceiling_app:create_app()", ceiling_env, args.workers,
                         workdir, pythonpath=BENCH_DIR)
        servers.append(ceiling)
        ceiling.wait_ready("/")
        ceiling.wait_workers(args.workers)
        # the same fixed page with the headers a kept page carries (security policy, validators,
        # caching): what a Flask app serving the same answer could do
        headed_env = dict(ceiling_env, BENCH_CEILING_HEADERS=json.dumps(
            [[name, value] for name, value in headers.items() if name.lower() not in UNCOPIED]))
        headed = Server("ceiling_headers", "ceiling_app:create_app()", headed_env, args.workers,
                        workdir, pythonpath=BENCH_DIR)
        servers.append(headed)
        headed.wait_ready("/")
        headed.wait_workers(args.workers)
        for server in (ceiling, headed):
            status, _headers, body, _seconds = request(server.port, "GET", "/wiki/anything")
            if status != 200 or len(body) != page_bytes:
                raise BenchmarkError(f"{server.name} page is {len(body)} bytes ({status}), "
                                     f"expected {page_bytes}")

        member = member_cookie(wiki.port, instance, "benchreader", "contributor")
        cookie = "; ".join(f"{key}={value}" for key, value in member.cookies.items())
        librarian = member_cookie(wiki.port, instance, "benchlibrarian", "librarian")
        # targets: (name, url, paths, expected status, cookie)
        targets = [("ceiling", ceiling.url, all_paths, 200, ""),
                   ("ceiling_headers", headed.url, all_paths, 200, ""),
                   ("wiki", wiki.url, all_paths, 200, ""),
                   ("render", wiki.url, render_paths, 200, ""),
                   ("wiki_304", wiki.url, etag_paths, 304, ""),
                   ("member", wiki.url, all_paths, 200, cookie),
                   ("publishing", wiki.url, all_paths, 200, "")]
        if shutil.which("nginx") and args.proxy_seconds:
            proxy_port = free_port()
            env = dict(base_environment(instance),
                       HANDBOOK_PROXY_CACHE_SECONDS=str(args.proxy_seconds),
                       HANDBOOK_PROXY_REFRESH_URLS=f"http://127.0.0.1:{proxy_port}",
                       HANDBOOK_PROXY_REFRESH_TOKEN=REFRESH_TOKEN)
            proxied = Server("proxied", "handbook:create_app()", env, args.workers, workdir)
            servers.append(proxied)
            proxied.wait_ready(f"/wiki/{slugs[0]}")
            # every page in each of the three encodings (the compressed copies are smaller)
            proxy = Nginx(workdir, proxied.port, proxy_port, cache_bytes=3 * pages * page_bytes)
            proxy_librarian = member_cookie(proxied.port, instance, "benchlibrarian", "librarian")
            started = time.perf_counter()
            keep_every_page(proxy.port, slugs)
            print(f"   viewed every page once through nginx in {time.perf_counter() - started:.1f}s",
                  flush=True)
            (workdir / "static" / "page.html").write_bytes(b"x" * page_bytes)
            static_etag = request(proxy.port, "GET", "/static-304/page.html")[1]["ETag"]
            static_paths = workdir / "paths-static.txt"
            static_paths.write_text(f"/static-304/page.html\t{static_etag}\n")
            targets += [("proxy", proxy.url, all_paths, 200, ""),
                        ("nginx_304", proxy.url, static_paths, 304, "")]
        for name, url, paths, expect, cookie_header in targets:
            if args.warmup and name != "publishing":
                result = run_wrk(url, script, paths, args.warmup, args.connections,
                                 args.threads, args.seed, expect, cookie_header)
                check_clean(f"{name} warm-up", result, expect)
        runs = {name: [] for name, *_rest in targets}
        memory_after = {}
        for round_number in range(1, args.rounds + 1):
            line = []
            for name, url, paths, expect, cookie_header in targets:
                if name == "wiki_304":  # pages published in the last round have new ETags
                    paths.write_text("".join(f"{path}\t{etag}\n" for path, etag in
                                             keep_every_page(wiki.port, slugs).items()))
                if name == "publishing":
                    publisher = Publisher(librarian, slugs, args.publish_every,
                                          args.seed + round_number)
                    publisher.start()
                result = run_wrk(url, script, paths, args.duration, args.connections,
                                 args.threads, args.seed + round_number, expect, cookie_header)
                if publisher is not None:
                    publisher.stop.set()
                    publisher.join(30)
                    if publisher.error:
                        raise BenchmarkError(f"publishing during the run failed: {publisher.error}")
                    result["published"] = publisher.published
                    publisher = None
                check_clean(name, result, expect)
                result.pop("raw")
                result["loadavg"] = os.getloadavg()[0]
                runs[name].append(result)
                if name in ("wiki", "ceiling"):
                    memory_after[name] = memory(wiki.process.pid if name == "wiki"
                                                else ceiling.process.pid)
                line.append(f"{name} {result['requests_per_second']:.0f}/s")
            print(f"   round {round_number}: " + ", ".join(line), flush=True)
        fresh = [freshness_after_publish(proxy.port, proxy_librarian, rng.choice(slugs))
                 for _ in range(3)] if proxy else []
        if fresh:
            print(f"   through the proxy, a publish showed after {fresh} s", flush=True)
        for server in servers:
            if server.process.poll() is not None:
                raise BenchmarkError(f"{server.name} server died during the run:\n"
                                     f"{server.log()[-4000:]}")
        log = wiki.log().strip()[-4000:]
        if log:
            print(f"   wiki server log (tail):\n{log}", flush=True)

        median = {name: statistics.median(run["requests_per_second"] for run in results)
                  for name, results in runs.items()}
        # Each run is paired with the ceiling run just before it (same round), so a load
        # change on the machine between rounds moves both sides of the ratio together.
        paired = {name: [run["requests_per_second"] / ceiling_run["requests_per_second"]
                         for run, ceiling_run in zip(results, runs["ceiling"])]
                  for name, results in runs.items() if name != "ceiling"}
        result = {
            "pages": pages,
            **timings,
            "keep_every_page_seconds": round(keep_seconds, 1),
            "page_bytes": page_bytes,
            "page_bytes_min": min(sizes),
            "page_bytes_max": max(sizes),
            "ceiling_rps": round(median["ceiling"], 1),
            "rps": {name: round(value, 1) for name, value in median.items()},
            "ratio": {name: round(statistics.median(values), 3) for name, values in paired.items()},
            "ratio_range": {name: [round(min(values), 3), round(max(values), 3)]
                            for name, values in paired.items()},
            "proxy_fresh_seconds": fresh,
            "memory": memory_after["wiki"],
            "ceiling_memory": memory_after["ceiling"],
            "runs": runs,
        }
        if args.keep:
            print(f"   kept {workdir}")
        return result
    finally:
        if publisher is not None:
            publisher.stop.set()
        for server in servers:
            server.stop()
        if proxy is not None:
            proxy.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


# -- report ----------------------------------------------------------------------------------

#: the columns of the table: (target, heading)
COLUMNS = [("ceiling_headers", "ceiling + headers"), ("wiki", "kept"), ("render", "render"), ("member", "member"),
           ("publishing", "publishing"), ("wiki_304", "304"), ("proxy", "proxy"),
           ("nginx_304", "nginx 304")]


def table(results):
    header = ["pages", "import s", "wikmd load s", "page KB", "ceiling req/s",
              *[f"{heading} req/s (ratio)" for _name, heading in COLUMNS], "RSS MB", "PSS MB"]
    rows = []
    for r in results:
        cells = [f"{r['rps'][name]:.0f} ({r['ratio'][name]:.2f})" if name in r["rps"] else "-"
                 for name, _heading in COLUMNS]
        rows.append([
            f"{r['pages']:,}",
            f"{r['import_seconds']:.1f}" + ("*" if r["import_cached"] else ""),
            f"{r['wikmd_load_seconds']:.1f}" if "wikmd_load_seconds" in r else "-",
            f"{r['page_bytes'] / 1024:.1f}",
            f"{r['ceiling_rps']:.0f}",
            *cells,
            f"{r['memory']['rss_mb']:.0f}",
            f"{r['memory']['pss_mb']:.0f}" if r["memory"]["pss_mb"] is not None else "-",
        ])
    return render_table(header, rows)


#: (target, least ratio to the ceiling)
RATIO_TARGETS = [("wiki", 0.95), ("render", 0.6), ("member", 0.4), ("publishing", 0.6)]
PROXY_TARGET = 5.0


def verdicts(results):
    """Every target, judged at every size measured."""
    lines = []
    for r in results:
        for name, least in RATIO_TARGETS:
            ratio = r["ratio"][name]
            lines.append(f"{name} views at {r['pages']:,} pages: {ratio:.2f} of the ceiling "
                         f"(target >= {least:.2f}): {'MET' if ratio >= least else 'NOT MET'}")
        if "ceiling_headers" in r["rps"]:
            headed = r["rps"]["wiki"] / r["rps"]["ceiling_headers"]
            lines.append(f"kept views at {r['pages']:,} pages: {headed:.2f} of the ceiling sending "
                         f"a kept page's headers (not a target: how much of the gap they are)")
        if "proxy" in r["rps"]:
            times = r["rps"]["proxy"] / r["rps"]["wiki"]
            lines.append(f"through the proxy at {r['pages']:,} pages: {times:.1f}x the app alone "
                         f"(target >= {PROXY_TARGET:.0f}x): "
                         f"{'MET' if times >= PROXY_TARGET else 'NOT MET'}; a publish showed "
                         f"through it after {r['proxy_fresh_seconds']} s")
        memory_now = r["memory"]
        server_mb = memory_now["master_rss_mb"] + sum(memory_now["workers_rss_mb"])
        ok = server_mb < MEMORY_TARGET_MB
        lines.append(f"memory at {r['pages']:,} pages: {server_mb:.0f} MB RSS for master + "
                     f"{len(memory_now['workers_rss_mb'])} workers (target < {MEMORY_TARGET_MB} MB):"
                     f" {'MET' if ok else 'NOT MET'}; with the {memory_now['other_processes']} "
                     f"processes they started (rendering) {memory_now['rss_mb']:.0f} MB RSS, "
                     f"{memory_now['pss_mb']} MB PSS")
    return lines


def main(argv=None):
    args = parse_args(argv)
    version = code_version()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on PATH (Debian: apt-get install wrk)")
    print(f"handbook benchmark at {version}: {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; gunicorn -w {args.workers} (sync); wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration:g}s x {args.rounds} rounds "
          f"(+{args.warmup:g}s warm-up); an edit published every {args.publish_every:g}s "
          f"while 'publishing' runs; "
          f"{'PostgreSQL + PostgreSQL search' if args.postgres else 'SQLite + Whoosh'}", flush=True)
    if args.cache_dir:
        args.cache_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="handbook-bench-lua-") as folder:
        script = Path(folder) / "random_paths.lua"
        script.write_text(WRK_LUA)
        try:
            for pages in args.pages:
                results.append(bench_pages(args, pages, script))
        except BenchmarkError as error:
            print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
            return 2
    print("\nreq/s: medians of the rounds; ratio: median over the rounds of req/s / the ceiling's "
          "req/s in the same round.\nceiling: a fixed page of the median page's size (minimal "
          "Flask app); + headers: the same, with a kept page's headers. kept: random pages, each kept.\nrender: random pages with a query string, "
          "so every view renders. member: logged in. publishing: kept,\nwhile a librarian "
          "publishes. 304: conditional GETs. proxy: through nginx. nginx 304: a static file's "
          "304.\n" + ("* import time from the cached instance's first run\n"
                      if any(r["import_cached"] for r in results) else ""))
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "settings": {key: (str(value) if isinstance(value, Path) else value)
                         for key, value in vars(args).items()},
            "code": version,
            "machine": {"node": platform.node(), "cpus": os.cpu_count(),
                        "python": platform.python_version()},
            "results": results,
            "verdicts": verdicts(results),
        }, indent=2))
        print(f"\nWrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
