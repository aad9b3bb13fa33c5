"""The OpenAPI schema's answers: every operation documents each error it can give.

A view declares its successes and the errors particular to it (`extend_schema(responses=...)`);
this class adds the answers every operation shares, where they occur, so that a client (and the
schema test) knows every status code the API can send.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from .serializers import ID_MAX

ERROR_BODY = OpenApiTypes.OBJECT

BAD_REQUEST = OpenApiResponse(
    ERROR_BODY,
    description="Invalid input, named by field (`{field: [messages]}`) or in `detail`: a malformed "
    "body, filter or header, or a NUL character",
)
NOT_SIGNED_IN = OpenApiResponse(
    ERROR_BODY,
    description="No credentials, or a token that is unknown, expired or revoked",
)
FORBIDDEN = OpenApiResponse(
    ERROR_BODY,
    description="Your role or delegation does not allow this (`detail` says why)",
)
NOT_FOUND = OpenApiResponse(
    ERROR_BODY,
    description="No such object among those you may read, or a page past the last",
)
STALE_VERSION = OpenApiResponse(
    ERROR_BODY,
    description="The version you sent (If-Match or `version`) is not the current one: nothing was saved",
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ERROR_BODY,
    description="A body whose Content-Type is not JSON, a form or multipart, or a part of "
    "which names no media type",
)
UNAVAILABLE = OpenApiResponse(
    ERROR_BODY,
    description="The database is briefly unavailable (config/resilience.py): nothing was saved; "
    "retry after `Retry-After` seconds",
)


class AutoSchema(SpectacularAutoSchema):
    def _resolve_path_parameters(self, variables):
        """An object's id in a path is a positive `bigint`: any other number is simply not
        found (404), never a database error."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter["schema"]
            if parameter["name"] == "id" and schema.get("type") == "integer":
                schema.setdefault("minimum", 1)
                schema.setdefault("maximum", ID_MAX)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, answer in self._shared_answers().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
        return responses

    def _shared_answers(self) -> dict[str, OpenApiResponse]:
        answers = {"400": BAD_REQUEST}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            answers |= {"401": NOT_SIGNED_IN, "403": FORBIDDEN}
        if "{" in self.path or self._is_list_view():
            answers["404"] = NOT_FOUND
        if any(p.get("name") == "If-Match" for p in self._get_parameters()):
            answers["409"] = STALE_VERSION
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            answers["415"] = UNSUPPORTED_MEDIA_TYPE
        answers["503"] = UNAVAILABLE
        return answers
