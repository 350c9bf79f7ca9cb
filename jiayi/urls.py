from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from jiayi.api import api
from jiayi.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("favicon.ico", RedirectView.as_view(url=static("jiayi/favicon.svg"), permanent=True)),
    path("healthz", lambda request: HttpResponse("ok"), name="healthz"),
    path("api/", api.urls),
    path("core/", include("jiayi.core.urls")),
    path("registry/", include("jiayi.registry.urls")),
    path("teams/", include("jiayi.teams.urls")),
    path("policy/", include("jiayi.policy.urls")),
    path("catalog/", include("jiayi.catalog.urls")),
    path("contracts/", include("jiayi.contracts.urls")),
    path("care/", include("jiayi.care.urls")),
    path("referrals/", include("jiayi.referrals.urls")),
    path("evaluation/", include("jiayi.evaluation.urls")),
    path("surveys/", include("jiayi.surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
