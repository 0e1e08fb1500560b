"""Page views per second under gunicorn, against a same-size fixed page served the same way.

For each page count N: generate a handbook of N pages, import it with `handbook import` into a
fresh instance folder, serve it with gunicorn (sync workers), and load it with wrk over loopback,
each request a random /wiki/<slug>. In the same run, a minimal Flask app returning a fixed page
of the same size (tests/benchmark/ceiling_app.py) is served and loaded the same way: that is the
ceiling. Rounds alternate ceiling, wiki (all pages), wiki (hot set) and the medians are compared,
so a noisy machine slows both sides alike. See tests/benchmark/README.md.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__:
    from . import corpus
    from .processes import BenchmarkError
    from .processes import Server
    from .processes import base_environment
    from .processes import children
    from .processes import code_version
    from .processes import handbook_command
    from .processes import render_table
    from .processes import request
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus
    from processes import BenchmarkError
    from processes import Server
    from processes import base_environment
    from processes import children
    from processes import code_version
    from processes import handbook_command
    from processes import render_table
    from processes import request

BENCH_DIR = Path(__file__).resolve().parent
RATIO_TARGET = 0.70
RATIO_TARGET_PAGES = 10_000
MEMORY_TARGET_MB = 250

#: wrk script: each request is a random path from the file named by the first script argument;
#: every answer that is not a 200 is counted (wrk itself lets 3xx pass as success).
WRK_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = wrk.format("GET", line)
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
  if status ~= 200 then
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
    parser.add_argument("--warmup-wiki", type=int, default=None,
                        help="Seconds of warm-up for the whole-handbook wiki target only (default: "
                             "--warmup). Each worker keeps its own page cache, so at 10,000 pages "
                             "a short warm-up measures a cache that is still filling; use a few "
                             "minutes to see the steady state.")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Alternating rounds (ceiling, wiki, hot wiki); medians are reported "
                             "(default 3).")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections (default 16).")
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads (default 1: on a 2-core machine wrk shares the CPUs "
                             "with the server).")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers for both servers (default 2).")
    parser.add_argument("--hot", type=int, default=100,
                        help="Size of the hot set for the second wiki figure; 0 skips it "
                             "(default 100).")
    parser.add_argument("--sample", type=int, default=200,
                        help="Pages fetched once to check them and measure their size; the "
                             "ceiling page is their median size (default 200).")
    parser.add_argument("--seed", type=int, default=1, help="Corpus and sampling seed (default 1).")
    parser.add_argument("--import-render-timeout", type=float, default=60,
                        help="HANDBOOK_RENDER_TIMEOUT for the import only (default 60 s). The "
                             "app's 2 s default counts the rendering child's start-up, which a "
                             "loaded machine can exceed; the served pages are not affected.")
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


# -- memory ----------------------------------------------------------------------------------

def descendants(pid):
    result = []
    pending = [pid]
    while pending:
        current = pending.pop()
        kids = children(current)
        result.extend(kids)
        pending.extend(kids)
    return result


def _status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _pss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory(master_pid):
    """RSS (and PSS, peak RSS) in MB of a gunicorn master and everything below it."""
    worker_pids = children(master_pid)
    others = [pid for pid in descendants(master_pid) if pid not in worker_pids]
    pids = [master_pid] + worker_pids + others
    rss = {}
    pss = 0
    hwm = 0
    pss_known = True
    for pid in pids:
        try:
            rss[pid] = _status_kb(pid, "VmRSS")
            hwm += _status_kb(pid, "VmHWM")
            value = _pss_kb(pid)
        except OSError:
            continue
        if value is None:
            pss_known = False
        else:
            pss += value
    mb = 1024
    return {
        "rss_mb": round(sum(rss.values()) / mb, 1),
        "pss_mb": round(pss / mb, 1) if pss_known else None,
        "peak_rss_mb": round(hwm / mb, 1),
        "master_rss_mb": round(rss.get(master_pid, 0) / mb, 1),
        "workers_rss_mb": [round(rss[pid] / mb, 1) for pid in worker_pids if pid in rss],
        "other_processes": len(others),
        "other_rss_mb": round(sum(rss.get(pid, 0) for pid in others) / mb, 1),
    }


# -- load ------------------------------------------------------------------------------------

def run_wrk(url, script, paths_file, seconds, connections, threads, seed):
    seconds = max(1, round(seconds))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--latency", "-s", str(script), url, "--", str(paths_file), str(seed)]
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


def check_clean(name, result):
    """Fail loudly on any answer other than 200, and on connection errors."""
    errors = result["socket_errors"]
    serious = {key: value for key, value in errors.items() if value}
    if result["non_200"] or result["non_2xx_3xx"] or serious:
        raise BenchmarkError(
            f"{name}: {result['non_200']} answers were not 200 (first: "
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
        cached = args.cache_dir / f"pages-{pages}-sections-{sections}-seed-{args.seed}"
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


def bench_pages(args, pages, script):
    workdir = Path(tempfile.mkdtemp(prefix=f"handbook-bench-{pages}-"))
    servers = []
    try:
        print(f"\n== {pages} pages (work folder {workdir})", flush=True)
        instance, slugs, timings = prepare_instance(args, pages, workdir)
        how = "reused from cache, first import took" if timings["import_cached"] else "imported in"
        print(f"   generated in {timings['generate_seconds']}s; {how} "
              f"{timings['import_seconds']}s", flush=True)
        rng = random.Random(args.seed)
        all_paths = workdir / "paths-all.txt"
        all_paths.write_text("".join(f"/wiki/{slug}\n" for slug in slugs))
        hot = rng.sample(slugs, min(args.hot, len(slugs))) if args.hot else []
        hot_paths = workdir / "paths-hot.txt"
        hot_paths.write_text("".join(f"/wiki/{slug}\n" for slug in hot))

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

        ceiling_env = dict(os.environ, BENCH_CEILING_BYTES=str(page_bytes))
        ceiling = Server("ceiling", "ceiling_app:create_app()", ceiling_env, args.workers,
                         workdir, pythonpath=BENCH_DIR)
        servers.append(ceiling)
        ceiling.wait_ready("/")
        ceiling.wait_workers(args.workers)
        status, _headers, body, _seconds = request(ceiling.port, "GET", "/wiki/anything")
        if status != 200 or len(body) != page_bytes:
            raise BenchmarkError(f"ceiling page is {len(body)} bytes ({status}), expected {page_bytes}")

        targets = [("ceiling", ceiling, all_paths), ("wiki", wiki, all_paths)]
        if hot:
            targets.append(("wiki_hot", wiki, hot_paths))
        for name, server, paths in targets:
            seconds = args.warmup_wiki if name == "wiki" and args.warmup_wiki is not None \
                else args.warmup
            if seconds:
                result = run_wrk(server.url, script, paths, seconds, args.connections,
                                 args.threads, args.seed)
                check_clean(f"{name} warm-up", result)
        runs = {name: [] for name, _server, _paths in targets}
        memory_after = {}
        for round_number in range(1, args.rounds + 1):
            line = []
            for name, server, paths in targets:
                result = run_wrk(server.url, script, paths, args.duration, args.connections,
                                 args.threads, args.seed + round_number)
                check_clean(name, result)
                result.pop("raw")
                result["loadavg"] = os.getloadavg()[0]
                runs[name].append(result)
                memory_after[server.name] = memory(server.process.pid)
                line.append(f"{name} {result['requests_per_second']:.0f}/s")
            print(f"   round {round_number}: " + ", ".join(line), flush=True)
        for server in servers:
            if server.process.poll() is not None:
                raise BenchmarkError(f"{server.name} server died during the run:\n"
                                     f"{server.log()[-4000:]}")
        log = wiki.log().strip()[-4000:]
        if log:
            print(f"   wiki server log (tail):\n{log}", flush=True)

        median = {name: statistics.median(run["requests_per_second"] for run in results)
                  for name, results in runs.items()}
        # Each wiki run is paired with the ceiling run just before it (same round), so a load
        # change on the machine between rounds moves both sides of the ratio together.
        paired = {name: [run["requests_per_second"] / ceiling["requests_per_second"]
                         for run, ceiling in zip(results, runs["ceiling"])]
                  for name, results in runs.items() if name != "ceiling"}
        result = {
            "pages": pages,
            **timings,
            "page_bytes": page_bytes,
            "page_bytes_min": min(sizes),
            "page_bytes_max": max(sizes),
            "hot_pages": len(hot),
            "ceiling_rps": round(median["ceiling"], 1),
            "wiki_rps": round(median["wiki"], 1),
            "ratio": round(statistics.median(paired["wiki"]), 3),
            "ratio_range": [round(min(paired["wiki"]), 3), round(max(paired["wiki"]), 3)],
            "ratio_of_medians": round(median["wiki"] / median["ceiling"], 3),
            "wiki_hot_rps": round(median["wiki_hot"], 1) if hot else None,
            "hot_ratio": round(statistics.median(paired["wiki_hot"]), 3) if hot else None,
            "hot_ratio_range": [round(min(paired["wiki_hot"]), 3),
                                round(max(paired["wiki_hot"]), 3)] if hot else None,
            "memory": memory_after["wiki"],
            "ceiling_memory": memory_after["ceiling"],
            "runs": runs,
        }
        if args.keep:
            print(f"   kept {workdir}")
        return result
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


# -- report ----------------------------------------------------------------------------------

def table(results):
    header = ["pages", "import s", "page KB", "ceiling req/s", "wiki req/s", "ratio", "(rounds)",
              "hot req/s", "hot ratio", "(rounds)", "RSS MB", "PSS MB"]
    rows = []
    for r in results:
        rows.append([
            f"{r['pages']:,}",
            f"{r['import_seconds']:.1f}" + ("*" if r["import_cached"] else ""),
            f"{r['page_bytes'] / 1024:.1f}",
            f"{r['ceiling_rps']:.0f}",
            f"{r['wiki_rps']:.0f}",
            f"{r['ratio']:.2f}",
            "{:.2f}-{:.2f}".format(*r["ratio_range"]),
            f"{r['wiki_hot_rps']:.0f}" if r["wiki_hot_rps"] is not None else "-",
            f"{r['hot_ratio']:.2f}" if r["hot_ratio"] is not None else "-",
            "{:.2f}-{:.2f}".format(*r["hot_ratio_range"]) if r["hot_ratio_range"] else "-",
            f"{r['memory']['rss_mb']:.0f}",
            f"{r['memory']['pss_mb']:.0f}" if r["memory"]["pss_mb"] is not None else "-",
        ])
    return render_table(header, rows)


def verdicts(results):
    """The targets, judged on the largest handbook measured (10,000 pages when present)."""
    lines = []
    judged = [r for r in results if r["pages"] == RATIO_TARGET_PAGES] or \
        [max(results, key=lambda r: r["pages"])]
    for r in judged:
        ok = r["ratio"] >= RATIO_TARGET
        lines.append(f"page views at {r['pages']:,} pages: {r['ratio']:.2f} of the ceiling "
                     f"(target >= {RATIO_TARGET:.2f}): {'MET' if ok else 'NOT MET'}")
        ok = r["memory"]["rss_mb"] < MEMORY_TARGET_MB
        lines.append(f"memory at {r['pages']:,} pages: {r['memory']['rss_mb']:.0f} MB RSS for "
                     f"master + {len(r['memory']['workers_rss_mb'])} workers "
                     f"(target < {MEMORY_TARGET_MB} MB): {'MET' if ok else 'NOT MET'}")
    return lines


def main(argv=None):
    args = parse_args(argv)
    version = code_version()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on PATH (Debian: apt-get install wrk)")
    print(f"handbook benchmark at {version}: {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; gunicorn -w {args.workers} (sync); wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration:g}s x {args.rounds} rounds "
          f"(+{args.warmup:g}s warm-up" + (f", {args.warmup_wiki}s for the whole-handbook wiki"
                                           if args.warmup_wiki is not None else "") +
          f"); hot set {args.hot} pages", flush=True)
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
    print("\nreq/s: medians of the rounds. ratio: median over the rounds of wiki req/s / the "
          "ceiling req/s\nmeasured just before it in the same round (rounds: lowest-highest). The "
          "ceiling is a fixed\npage of the median wiki page's size, same gunicorn and wrk settings, "
          "same run. 'wiki' requests\nrandom pages of the whole handbook; 'hot' random pages of a "
          f"fixed set of {args.hot}. RSS = master + workers.\n" +
          ("* import time from the cached instance's first run\n"
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
