from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .audit import reset_request_ip, set_request_ip

# Paths that answer without a login: the login page itself, static files, health check.
_PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/healthz", "/i18n/", "/favicon.ico")


class LoginRequiredMiddleware:
    """Every page and endpoint needs a login (R-SEC-1). The API answers 401 JSON instead of a redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if request.user.is_authenticated or path.startswith(_PUBLIC_PREFIXES):
            return self.get_response(request)
        if path.startswith("/api/"):
            # The API does its own authentication (session or token) and answers 401 itself.
            return self.get_response(request)
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")


class AuditContextMiddleware:
    """Make the client address available to audit events written by services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_ip(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            reset_request_ip(token)


def json_error(code: str, message: str, status: int, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": details or {}}, status=status)


def unauthenticated() -> JsonResponse:
    return json_error("not_authenticated", _("请先登录"), 401)
