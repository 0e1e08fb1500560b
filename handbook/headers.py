"""Security headers on every response: a strict CSP behind the sanitizer, and friends."""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def for_app(app):
    """The (name, value) pairs every response of this app carries."""
    every_response = dict(HEADERS)
    if app.config.get("SESSION_COOKIE_SECURE"):
        every_response["Strict-Transport-Security"] = "max-age=31536000"
    return list(every_response.items())


def init_app(app):
    every_response = for_app(app)

    @app.after_request
    def add_security_headers(response):
        response.headers.extend(every_response)
        return response
