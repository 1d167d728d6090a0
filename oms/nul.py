"""Refuse a NUL character anywhere in the path or the query string with 400 naming where: no
PostgreSQL text can hold one, so letting it reach a lookup would be a 500."""

from __future__ import annotations

from django.http import JsonResponse

from oms import errors


class NulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = None
        if "\x00" in request.path:
            where = "path"
        else:
            where = next(
                (
                    "query" if "\x00" in name or not name else name
                    for name, values in request.GET.lists()
                    if "\x00" in name or any("\x00" in value for value in values)
                ),
                None,
            )
        if where is not None:
            return JsonResponse(
                errors.body(
                    errors.NUL_CHARACTER,
                    "Request refused: NUL characters are not allowed.",
                    errors={where: ["May not contain NUL characters."]},
                ),
                status=400,
            )
        return self.get_response(request)
