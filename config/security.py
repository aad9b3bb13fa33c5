"""Content Security Policy: scripts, styles and everything else only from this site.

No inline script anywhere (htmx is configured by a meta tag; Swagger UI is served split).
"""

import ipaddress
import json
from urllib.parse import unquote, urlsplit

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
NUL = "\x00"


def content_security_policy() -> str:
    """The policy, with the agency identity provider (OIDC_ISSUER) allowed as a form's
    destination: the sign-in button's form is answered by a redirect there, and Chromium applies
    form-action to the redirect too."""
    from django.conf import settings

    if not settings.OIDC_ISSUER:
        return CONTENT_SECURITY_POLICY
    issuer = urlsplit(settings.OIDC_ISSUER)
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}"
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RejectNulCharactersMiddleware:
    """Refuse (400) any request whose decoded input carries a NUL character (U+0000).

    No field of this application holds one, and PostgreSQL cannot store one: caught here, such
    input gets a clear answer instead of a database error deep inside a query. What counts is the
    character itself once the input is decoded, never its spelling: the address and query string
    after percent-decoding, a form's fields after percent-decoding, a JSON body's keys and strings
    once parsed (so `"\\u0000"` is refused, while a text saying `%00` or a literal backslash
    followed by `u0000` is an ordinary text). Any other body is refused for a raw NUL byte.
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

    @classmethod
    def _carries_nul(cls, request) -> bool:
        if NUL in unquote(request.path) or cls._query_dict_carries_nul(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        body = request.body  # our requests are small (DATA_UPLOAD_MAX_MEMORY_SIZE); no uploads
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            return cls._json_carries_nul(body)
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return cls._query_dict_carries_nul(request.POST)
        return b"\x00" in body

    @staticmethod
    def _query_dict_carries_nul(data) -> bool:
        return any(
            NUL in key or any(NUL in value for value in values) for key, values in data.lists()
        )

    @staticmethod
    def _json_carries_nul(body: bytes) -> bool:
        """Whether a key or string of the JSON document holds U+0000. A body that is not JSON is
        left to the API's parser, which answers 400 for it (a raw NUL makes it invalid JSON)."""
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return False
        pending = [document]
        while pending:  # iterative: a deeply nested document does not exhaust the stack
            item = pending.pop()
            if isinstance(item, str):
                if NUL in item:
                    return True
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
        return False


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
