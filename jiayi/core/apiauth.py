"""API authentication: the browser session (with CSRF) or a bearer token."""

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str, expires_at=None) -> str:
    from .audit import record_write

    key = "jy_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=_hash(key), prefix=key[:8], expires_at=expires_at
    )
    record_write(actor=user, action="create", obj=token, after={"name": name, "prefix": token.prefix})
    return key


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        now = timezone.now()
        try:
            row = ApiToken.objects.select_related("user").get(key_hash=_hash(token), is_active=True)
        except ApiToken.DoesNotExist:
            return None
        if (row.expires_at and row.expires_at < now) or not row.user.is_active:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class ScopedSessionAuth(SessionAuth):
    """Django's session, CSRF-checked on writes."""

    def _get_key(self, request):
        # No session cookie, no session to protect: step aside so the bearer token is tried
        # (ninja would fail the CSRF check first and answer 403 to every token write).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


API_AUTH = [ScopedSessionAuth(), TokenAuth()]
