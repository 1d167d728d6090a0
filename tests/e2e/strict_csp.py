"""Test settings for a Daphne that sends the strictest Content-Security-Policy a deployment would
(no inline script or style anywhere), so the browser tests see what the browser refuses under it.
A policy the app sets itself (django-csp) is kept."""

from oms.settings import *  # noqa: F403
from oms.settings import MIDDLEWARE

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def strict_csp(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

    return middleware


MIDDLEWARE = ["tests.e2e.strict_csp.strict_csp", *MIDDLEWARE]
