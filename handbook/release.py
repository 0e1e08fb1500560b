"""The fingerprint of what this build serves: its templates, static files, code and rendering.
Pages kept by another build (before an upgrade, or on a server not yet upgraded) are not
served by this one."""

import hashlib
from pathlib import Path

from handbook import paths
from handbook import rendering


def fingerprint(assets):
    """A short digest of the templates, the package's Python (views write some HTML too), the
    static files' digests and the render version."""
    digest = hashlib.blake2b(digest_size=10)
    digest.update(f"render {rendering.RENDER_VERSION}\n".encode())
    for folder, pattern in ((Path(paths.templates_dir()), "*"), (Path(__file__).parent, "*.py")):
        for path in sorted(folder.rglob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    for name, asset in sorted(assets.items()):
        digest.update(f"{name} {asset.digest}\n".encode())
    return digest.hexdigest()
