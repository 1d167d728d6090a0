"""The page shape every list of the query API shares: `{"count", "next", "previous", "results"}`."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 1,000 rows a page)."""

    page_size_query_param = "page_size"
    max_page_size = 1000
