"""API settings shared by every app: pagination and error translation.

Kept apart from viewsets: DRF imports these while it builds its own generic views.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import bad_request as bad_request_page
from rest_framework import filters, status
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PageNumberPagination(BasePageNumberPagination):
    """Pages of 50 by default; clients may ask for up to 200 with `?page_size=`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def validation_error_detail(error: DjangoValidationError) -> dict:
    """A Django ValidationError shaped as DRF shapes its own: field → messages."""
    if hasattr(error, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    else:
        detail = {"non_field_errors": error.messages}
    # Errors may carry structured detail beyond their messages (bracket errors with positions).
    detail.update(getattr(error, "extra_detail", {}))
    return detail


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it with 400 and the field names.
    A refusal carrying structured detail answers 403 with it."""
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied) and hasattr(exc, "extra_detail"):
        # A refusal that names what it refused (the negotiation rules: which group, where).
        return Response({"detail": str(exc), **exc.extra_detail}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)


def bad_request(request, exception=None):
    """Django's 400 (a body over the size limit, a malformed request): JSON naming the problem
    for the API, the friendly page otherwise."""
    if isinstance(exception, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        message = (
            f"The request body is larger than {limit_mb} MB; a provision text holds at most "
            f"{settings.PROVISION_BODY_MAX_CHARS:,} characters."
        )
    else:
        message = "The request could not be read."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return bad_request_page(request, exception, template_name="400.html")


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` only on the fields a view names in `ordering_fields`.

    DRF's default allows every serializer field, which would let anyone sort by a field they
    cannot read (a delegation's internal note) and learn its content from the order.
    """

    def get_default_valid_fields(self, queryset, view, context=None):
        return []
