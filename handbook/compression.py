"""Responses compressed with brotli or gzip when the reader accepts them (Flask-Compress).
Kept readers' pages come compressed already (`reader_pages`), so they are left as they are."""

from flask_compress import Compress

DEFAULTS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                           "application/json", "application/atom+xml", "text/plain",
                           "image/svg+xml"],
}


def init_app(app):
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    Compress(app)
