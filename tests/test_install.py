"""A plain (non-editable) install in a fresh virtualenv serves the seeded handbook."""

import socket
import subprocess
import time
import urllib.request
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url, attempts=100):
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.mark.slow
def test_plain_install_serves_a_page_from_elsewhere(tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(ROOT)], check=True,
                   cwd=tmp_path)
    where = subprocess.run([python, "-c", "import handbook, sys; print(handbook.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(environment) in where and str(ROOT) not in where
    templates = Path(subprocess.run(
        [python, "-c", "from handbook import paths; print(paths.templates_dir())"],
        check=True, capture_output=True, text=True, cwd=tmp_path).stdout.strip())
    for name in ("mail/layout.txt", "mail/reset.html", "events/new_proposal.txt"):
        assert (templates / name).is_file(), name
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    server = subprocess.Popen([environment / "bin" / "handbook", "run", "--port", str(port)],
                              cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status, html = fetch(f"http://127.0.0.1:{port}/wiki/what-is-systems-convening")
        assert status == 200 and "<h1>What is systems convening?</h1>" in html
        status, css = fetch(f"http://127.0.0.1:{port}/static/style.css")
        assert status == 200 and "prefers-color-scheme" in css
        assert (elsewhere / "instance" / "handbook.db").exists()
        assert (elsewhere / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
