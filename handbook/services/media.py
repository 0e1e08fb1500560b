"""Uploads: images re-encoded with Pillow (metadata such as GPS dropped, at most MAX_SIDE pixels
a side, so a file that is also something else comes out as only an image) and PDFs kept as
sent. A file is seen only by its uploader and librarians until a published revision uses it.
Markdown names an upload as `media:<digest>`: `![what it shows](media:<digest>)`.
"""

import hashlib
import io
import re

from sqlalchemy import select
from sqlalchemy import update
from werkzeug.utils import secure_filename

from handbook import db
from handbook import permissions
from handbook.models import Media
from handbook.services.errors import InvalidInput
from handbook.services.errors import NotFound

#: Pillow format -> (content type, file extension)
IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
                 "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}
PDF = ("application/pdf", "pdf")
#: the longest side an image keeps; larger ones are scaled down
MAX_SIDE = 2400
#: images of more pixels than this are refused before they are decoded
MAX_PIXELS = 40_000_000
MAX_FRAMES = 200
#: `media:<digest>` in markdown
REFERENCE = re.compile(r"media:([0-9a-f]{32})\b")
UNSUPPORTED = "Upload a PNG, JPEG, WebP or GIF image, or a PDF (SVG and other files are refused)."


def store(session, user, filename, data, description, *, max_bytes):
    """Keep an upload; the Media row (the same one if this person sent these bytes before).
    An image needs a `description` (its alt text) for readers who cannot see it."""
    permissions.require(permissions.may_edit(user))
    if not data:
        raise InvalidInput("Choose a file to upload.", "file")
    if len(data) > max_bytes:
        raise InvalidInput(f"That file is larger than {max_bytes // (1024 * 1024)} MB.", "file")
    if not data.startswith(b"%PDF-") and not (description or "").strip():
        raise InvalidInput("Say what the image shows, for readers who cannot see it.", "alt")
    if data.startswith(b"%PDF-"):
        content_type, extension = PDF
        stored, width, height = data, None, None
    else:
        stored, (content_type, extension), width, height = _reencode(data)
    digest = hashlib.sha256(f"{user.id}:".encode() + stored).hexdigest()[:32]
    existing = session.scalar(select(Media).where(Media.digest == digest))
    if existing is not None:
        return existing
    stem = secure_filename((filename or "").rsplit(".", 1)[0])[:80] or "upload"
    db.begin_write(session)
    made = Media(digest=digest, name=f"{stem}.{extension}", content_type=content_type, data=stored,
                 size=len(stored), width=width, height=height, uploader_id=user.id, public=False)
    session.add(made)
    session.flush()
    return made


def _reencode(data):
    """(bytes, (content type, extension), width, height) of the image drawn again from its
    pixels alone, or InvalidInput."""
    # Pillow and its image libraries take 3 MB of every process that loads them: imported by
    # the first upload a process handles, not by every worker serving pages
    from PIL import Image
    from PIL import ImageSequence
    from PIL import UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in IMAGE_FORMATS:
                raise InvalidInput(UNSUPPORTED, "file")
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("That image has too many pixels.", "file")
            kind = image.format
            frames = [_bounded(frame.copy()) for _, frame in zip(range(MAX_FRAMES),
                                                                 ImageSequence.Iterator(image))]
            duration = image.info.get("duration", 100)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(UNSUPPORTED, "file") from None
    first = frames[0]
    out = io.BytesIO()
    if kind == "GIF":
        first.save(out, "GIF", save_all=len(frames) > 1, append_images=frames[1:],
                   duration=duration, loop=0)
    elif kind == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif kind == "WEBP":
        first.save(out, "WEBP", quality=85)
    else:
        first.save(out, "PNG", optimize=True)
    return out.getvalue(), IMAGE_FORMATS[kind], first.width, first.height


def _bounded(frame):
    """A frame with no metadata, at most MAX_SIDE pixels a side."""
    from PIL import Image

    if frame.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        frame = frame.convert("RGBA")
    frame.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new(frame.mode, frame.size)
    if frame.mode == "P":
        clean.putpalette(frame.getpalette())
    clean.paste(frame)
    return clean


def visible(session, viewer, digest):
    """The upload at `digest` if `viewer` may see it (NotFound otherwise, whether or not it
    exists, so unpublished uploads cannot be probed)."""
    found = session.scalar(select(Media).where(Media.digest == digest))
    if found is None or not (found.public or permissions.is_librarian(viewer)
                             or (permissions.is_member(viewer) and viewer.id == found.uploader_id)):
        raise NotFound("There is no file here.")
    return found


def published(session, digests):
    """The public uploads among `digests` (what an edition of published pages may hold)."""
    if not digests:
        return []
    return session.scalars(select(Media).where(Media.digest.in_(digests), Media.public.is_(True))).all()


def uploads_of(session, user, limit=50):
    return session.scalars(select(Media).where(Media.uploader_id == user.id)
                           .order_by(Media.id.desc()).limit(limit)).all()


def markdown(stored, description):
    """What to put in a text to show an image, or to link to a PDF."""
    words = " ".join((description or "").replace("[", "(").replace("]", ")").split())
    if stored.is_image:
        return f"![{words}](media:{stored.digest})"
    return f"[{words or stored.name}](media:{stored.digest})"


def referenced(text):
    """The digests a markdown text names."""
    return set(REFERENCE.findall(text or ""))


def publish_used(session, text):
    """Make public the uploads a just-published text uses."""
    digests = referenced(text)
    if digests:
        session.execute(update(Media).where(Media.digest.in_(digests), Media.public.is_(False))
                        .values(public=True).execution_options(synchronize_session=False))
