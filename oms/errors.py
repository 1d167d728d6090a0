"""The API's refusals: a stable machine-readable `code` beside the human `detail`.

Every 4xx/5xx JSON answer carries `code`; clients branch on it, the words of `detail` may change.
DRF's own refusals keep DRF's codes (`not_authenticated`, `authentication_failed`,
`permission_denied`, `not_found`, `method_not_allowed`, `unsupported_media_type`, `throttled`,
`parse_error`); ours are below. Field errors keep their keys (`errors`, or DRF's per-field keys).
"""

from __future__ import annotations

from rest_framework.response import Response

INVALID_PAYLOAD = "invalid_payload"  # an ingest body refused; nothing was stored
INVALID_REQUEST = "invalid_request"  # parameters or a request body that do not validate
UNKNOWN_PROVIDER = "unknown_provider"  # /api/ingest/<name>/ of a feed that does not exist
PAYLOAD_TOO_LARGE = "payload_too_large"
NUL_CHARACTER = "nul_character"  # a NUL in the path or query (no PostgreSQL text holds one)
NOT_FOUND = "not_found"
ILLEGAL_TRANSITION = "illegal_transition"  # a lifecycle move the outage's status does not allow
CONFLICT = "conflict"  # a state change the network's state refuses
DATABASE_UNAVAILABLE = "database_unavailable"  # 503: retry after `Retry-After` seconds
DEVICE_BUSY = "device_busy"  # 503: a SCADA status met another operation on its device; retry
SERVER_STOPPING = "server_stopping"  # 503: this process is stopping (SIGTERM); retry elsewhere


def body(code: str, detail: str, **extra) -> dict:
    return {"detail": detail, "code": code, **extra}


def refusal(status: int, code: str, detail: str, **extra) -> Response:
    """A DRF response of one refusal: `{"detail", "code", **extra}`."""
    return Response(body(code, detail, **extra), status=status)
