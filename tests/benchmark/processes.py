"""What both benchmarks share: the `handbook` command, a gunicorn server, HTTP requests, child
processes, the version of the code being measured, and plain-text tables."""

import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class BenchmarkError(Exception):
    """Something went wrong that makes the figures meaningless (errors, non-200 answers)."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def handbook_command():
    """The `handbook` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "handbook"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c",
            "import sys; from handbook.cli import main; sys.argv[0] = 'handbook'; main()"]


def base_environment(instance):
    """The environment for the app: this instance folder and its private SQLite file; every
    other HANDBOOK_* setting removed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HANDBOOK_")}
    env["HANDBOOK_INSTANCE"] = str(instance)
    return env


def use_postgres(instance, server_url, name):
    """A fresh database `name` on the server, and the instance's config.py pointing the app at
    it with PostgreSQL search (every command and server of the run reads that file)."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    copy_database(server_url, None, name)
    instance.mkdir(parents=True)
    database = url.set(database=name).render_as_string(hide_password=False)
    (instance / "config.py").write_text(f"DATABASE_URL = {database!r}\nSEARCH = 'postgres'\n")


def copy_database(server_url, source, target):
    """Replace the database `target` on the server by a copy of `source` (None: an empty one)."""
    from sqlalchemy import create_engine
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target}"' + (f' TEMPLATE "{source}"' if source else "")))
    engine.dispose()


def request(port, method, path, form=None, cookies=None):
    """(status, headers message, body bytes, seconds) of one request; redirects not followed.

    A new connection each time: gunicorn's sync workers close the connection after every answer
    (no keep-alive), so connecting is part of what any client pays.
    """
    headers = {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        return response.status, response.msg, data, seconds
    finally:
        connection.close()


def children(pid):
    """Direct children of `pid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


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


class Server:
    """A gunicorn master we started, with its log; stopped by its own process id only."""

    def __init__(self, name, app, env, workers, workdir, pythonpath=None):
        self.name = name
        self.port = free_port()
        self.log_path = Path(workdir) / f"gunicorn-{name}.log"
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
                   "-b", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        if pythonpath:
            command += ["--pythonpath", str(pythonpath)]
        command.append(app)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, env=env, cwd=workdir, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"{self.name} server exited:\n{self.log()[-4000:]}")
            try:
                if request(self.port, "GET", path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchmarkError(f"{self.name} server did not answer {path} in {timeout}s:\n"
                             f"{self.log()[-4000:]}")

    def wait_workers(self, count, timeout=30):
        """Until the master has `count` worker children (they boot lazily after the master)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(children(self.process.pid)) >= count:
                return
            time.sleep(0.1)

    def log(self):
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def code_version():
    """The commit being measured, plus a hash of any uncommitted change to the app code."""
    def git(*arguments):
        return subprocess.run(["git", "-C", str(REPO), *arguments], capture_output=True,
                              check=True).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").decode().strip()
        diff = git("diff", "HEAD", "--", "handbook", "templates", "static")
        untracked = git("ls-files", "--others", "--exclude-standard", "--", "handbook", "templates")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not diff and not untracked:
        return commit
    digest = hashlib.sha1(diff + untracked)
    for name in untracked.decode().split():
        digest.update((REPO / name).read_bytes())
    return f"{commit} + uncommitted app changes {digest.hexdigest()[:8]}"


def render_table(header, rows):
    """A plain-text table: right-aligned columns under a header and a rule."""
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(header, widths)),
             "  ".join("-" * width for width in widths)]
    lines += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    return "\n".join(lines)


class Browser:
    """One logged-in person: keeps cookies, finds CSRF tokens in forms."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def send(self, method, path, form=None, expect=(200,)):
        status, headers, body, seconds = request(self.port, method, path, form, self.cookies)
        for header in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        if status not in expect:
            raise BenchmarkError(f"{method} {path} answered {status}, expected {expect}:\n"
                                 f"{body[:2000].decode(errors='replace')}")
        return status, headers, body.decode("utf-8", errors="replace"), seconds

    def csrf(self, path):
        _status, _headers, html, _seconds = self.send("GET", path)
        return csrf_token(html, path), html

    def login(self, name, password):
        token, _html = self.csrf("/login")
        _status, headers, _html, _seconds = self.send(
            "POST", "/login", {"csrf_token": token, "name": name, "password": password, "next": ""},
            expect=(302, 303))
        if "/login" in (headers.get("Location") or ""):
            raise BenchmarkError(f"logging in as {name} failed")


def csrf_token(html, where):
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    value = tag and re.search(r'value="([^"]+)"', tag.group(0))
    if not value:
        raise BenchmarkError(f"no csrf_token field on {where}")
    return value.group(1)
