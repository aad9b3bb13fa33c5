"""Content Security Policy: scripts, styles and everything else only from this site.

No inline script anywhere (htmx is configured by a meta tag; Swagger UI is served split).
"""

import ipaddress
from urllib.parse import unquote

from django.http import JsonResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RejectNulCharactersMiddleware:
    """Refuse (400) any request carrying a NUL character in its address or body.

    No field of this application holds one, and PostgreSQL cannot store one: caught here, such
    input gets a clear answer instead of a database error deep inside a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            return JsonResponse(
                {
                    "detail": "The request contains a NUL character (U+0000), which no field accepts."
                },
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        address = unquote(request.get_full_path())
        if "\x00" in address:
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        body = request.body  # our requests are small (DATA_UPLOAD_MAX_MEMORY_SIZE); no uploads
        return b"\x00" in body or b"\\u0000" in body or b"%00" in body


def client_address(request) -> str | None:
    """The address of the client behind a request, as the per-client sign-in limit and the audit log count it.

    Behind `TRUSTED_PROXY_COUNT` proxies (each appending to `X-Forwarded-For`), the client is the
    entry that many places from the right: entries further left are whatever the client chose to
    send and are ignored. With no trusted proxy (the default) only the socket's address counts.
    An address that is not a valid IP address gives None.
    """
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
        elif forwarded:
            address = forwarded[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
