"""The REST API: one NinjaAPI, a router per app, errors as {"code", "message", "details"}."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from jiayi.core.apiauth import API_AUTH
from jiayi.core.errors import BusinessError

api = NinjaAPI(
    title="Jiayi 家医 API",
    version="1",
    description="家庭医生签约服务管理信息系统接口。所有数据按登录用户的管辖范围过滤。",
    auth=API_AUTH,
    urls_namespace="api",
    # The schema and its docs page need a login like every other page (R-SEC-1).
    docs_decorator=login_required,
)


def _error(request, code, message, status, details=None):
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(BusinessError)
def on_business_error(request, exc: BusinessError):
    return _error(request, exc.code, str(exc.message), exc.status, exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return _error(request, "validation_failed", _("请求数据格式不正确"), 422, {"errors": exc.errors})


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, "not_authenticated", _("请先登录或提供有效的接口令牌"), 401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found", _("记录不存在或无权查看"), 404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, "forbidden", str(exc) or _("没有执行此操作的权限"), 403)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, getattr(exc, "code", None) or f"http_{exc.status_code}", str(exc), exc.status_code)


def _register():
    from jiayi.care.api import router as care_router
    from jiayi.catalog.api import router as catalog_router
    from jiayi.core.api import router as core_router
    from jiayi.core.import_api import router as import_router
    from jiayi.policy.api import router as policy_router
    from jiayi.registry.api import router as registry_router
    from jiayi.teams.api import router as teams_router

    api.add_router("/", core_router)
    api.add_router("/", import_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/teams/", teams_router)
    api.add_router("/policy/", policy_router)
    api.add_router("/catalog/", catalog_router)
    api.add_router("/care/", care_router)
    from jiayi.contracts.api import router as contracts_router

    api.add_router("/contracts/", contracts_router)
    from jiayi.surveys.api import router as surveys_router

    api.add_router("/surveys/", surveys_router)
    from jiayi.evaluation.api import router as evaluation_router

    api.add_router("/evaluation/", evaluation_router)

    from jiayi.referrals.api import router as referrals_router

    api.add_router("/referrals/", referrals_router)


_register()
