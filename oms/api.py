"""Shared DRF pieces: the exception handler that keeps client mistakes out of the 5xx range."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from oms import errors


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is larger than the limit."
    default_code = errors.PAYLOAD_TOO_LARGE


def exception_handler(exc, context):
    """DRF's handler, plus Django's body-size refusal answered as 413 instead of 400/500, and a
    machine-readable `code` in every refusal (oms/errors.py)."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        if isinstance(exc, exceptions.ValidationError):
            # Beside DRF's per-field keys, which clients already read.
            response.data["code"] = errors.INVALID_REQUEST
            response.data.setdefault("detail", "Invalid request.")
        elif isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            response.data["code"] = codes if isinstance(codes, str) else exc.default_code
        elif isinstance(exc, Http404):
            response.data["code"] = exceptions.NotFound.default_code
        elif isinstance(exc, DjangoPermissionDenied):
            response.data["code"] = exceptions.PermissionDenied.default_code
    return response
