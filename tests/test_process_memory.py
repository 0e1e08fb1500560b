"""A process that checks passwords keeps no lasting memory for it (handbook.process_memory), and
workers load only what serving pages needs."""

import subprocess
import sys
from pathlib import Path

import pytest

from handbook import process_memory
from handbook import render_budget

GROWTH = """
import re, sys
from handbook.services import accounts

def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024

if sys.argv[1] == "app":
    from handbook import create_app
    create_app({"DATABASE_URL": "sqlite://"})
hashed = accounts.hash_password("a password to check")
before = rss_mb()
for _ in range(3):
    accounts.HASHER.verify(hashed, "a password to check")
print(rss_mb() - before)
"""

glibc = pytest.mark.skipif(
    not Path("/proc/self/status").exists() or not process_memory.fix_mmap_threshold(),
    reason="measures glibc's heap through /proc")


def _growth_mb(mode, tmp_path):
    done = subprocess.run([sys.executable, "-c", GROWTH, mode], capture_output=True, text=True,
                          check=True, env={"HANDBOOK_INSTANCE": str(tmp_path), "PATH": ""})
    return float(done.stdout)


@glibc
def test_checking_passwords_in_the_app_keeps_no_lasting_memory(tmp_path):
    assert _growth_mb("app", tmp_path) < 5


@glibc
def test_without_the_fix_a_process_keeps_the_hashs_memory(tmp_path):
    """The measurement above can fail: glibc left alone keeps argon2's 19 MiB after a check."""
    assert _growth_mb("plain", tmp_path) > 15


def test_a_process_that_only_renders_loads_no_web_application():
    """The rendering child preloads render_budget.PRELOAD: the package's import must not pull
    in the application (it took each child from about 27 to 66 MB)."""
    preload = ", ".join(render_budget.PRELOAD)
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {preload}; "
                               "print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True, text=True, check=True).stdout
    for application_part in ("flask", "sqlalchemy", "whoosh", "jinja2", "werkzeug"):
        assert f"'{application_part}'" not in loaded
    assert "'markdown'" in loaded and "'bleach'" in loaded


SERVING = """
import sys
from handbook import create_app
client = create_app({"DATABASE_URL": "sqlite://"}).test_client()
for path in ("/", "/search?q=convening", "/login", "/recent"):
    client.get(path)
print(sorted({name.split(".")[0] for name in sys.modules}))
"""


def test_a_worker_serving_pages_loads_neither_pillow_nor_the_renderer(tmp_path):
    """A web worker renders in its rendering child, and only an upload needs Pillow: serving
    pages leaves Pillow, Python-Markdown and bleach unloaded (about 5.5 MB of each worker)."""
    done = subprocess.run([sys.executable, "-c", SERVING], capture_output=True, text=True,
                          check=True, env={"HANDBOOK_INSTANCE": str(tmp_path), "PATH": ""})
    loaded = done.stdout.splitlines()[-1]
    assert "'flask'" in loaded
    for unneeded in ("PIL", "markdown", "bleach"):
        assert f"'{unneeded}'" not in loaded
