"""API tokens with scopes: issuing, lookup, DRF authentication and the scope permission.

One place for every door: the REST API (DRF), the websocket (oms/wsauth.py), admin and
`manage.py oms_token` all issue and look up keys here.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from oms.models import ApiToken, Scope


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, dict[str, str]]:
    """A fresh key and the fields stored for it (hash and prefix); the key is shown once."""
    key = secrets.token_urlsafe(32)
    return key, {"key_hash": hash_key(key), "prefix": key[:8]}


def issue_token(name: str, scopes: list[str]) -> str:
    """Create or rotate the token called `name`; return the new key.

    Rotation replaces the hash: the old key stops working at once (open websockets are closed
    within WS_CREDENTIAL_CHECK_S).
    """
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    key, stored = new_key()
    ApiToken.objects.update_or_create(
        name=name, defaults={**stored, "scopes": sorted(set(scopes)), "is_active": True}
    )
    return key


# last_used_at is for stewards ("is this key still in use?"): minute precision is plenty, and
# skipping the write keeps a busy feed from updating one row on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_for_key(key: str) -> ApiToken | None:
    """The active token with this key, its `last_used_at` brought up to date (coarsely)."""
    token = ApiToken.objects.filter(key_hash=hash_key(key), is_active=True).first()
    now = timezone.now()
    if token is not None and (
        token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def user_has_scope(user, scope: str) -> bool:
    """Tokens carry scopes; a logged-in browser user may read, staff may also operate."""
    if isinstance(user, ApiToken):
        return user.has_scope(scope)
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    if scope == Scope.READ:
        return True
    return scope == Scope.OPERATE and (user.is_staff or user.has_perm("outages.change_outage"))


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` or `Bearer <key>`."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        parts = header.split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <key>'.")
        # oms/admission.py looked this header's token up already, before the body was read.
        token = getattr(request._request, "scope", {}).get("oms.principal")
        if not isinstance(token, ApiToken):
            token = token_for_key(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or inactive token.")
        return (token, token)

    def authenticate_header(self, request):
        return "Token"


class HasScope(permissions.BasePermission):
    """Grants access when the caller holds the view's `required_scope`.

    401 without credentials (DRF does that from `authenticate_header`), 403 without the scope.
    """

    message = "This credential lacks the required scope."

    def has_permission(self, request, view):
        scope = getattr(view, "required_scope", Scope.READ)
        if callable(scope):
            scope = scope(request)
        if not (request.user and request.user.is_authenticated):
            return False
        self.message = f"This credential lacks the '{scope}' scope."
        return user_has_scope(request.user, scope)
