"""The page shape every list of the query API shares: `{"count", "next", "previous", "results"}`."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 1,000 rows a page)."""

    page_size_query_param = "page_size"
    max_page_size = 1000


def paged_schema(serializer_class):
    """extend_schema for a detail action that answers a page (drf-spectacular documents detail
    actions as one object): the page's shape and its `page`/`page_size` parameters."""
    name = serializer_class.__name__.removesuffix("Serializer")
    page = inline_serializer(
        f"Paginated{name}Page",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    return extend_schema(
        responses=page,
        parameters=[
            OpenApiParameter("page", int, required=False, description="page number"),
            OpenApiParameter(
                "page_size", int, required=False, description="rows a page (up to 1,000)"
            ),
        ],
    )
