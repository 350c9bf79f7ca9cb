"""The product's URLs plus one bare Django view with a fixed JSON answer (the benchmark's floor)."""

from django.http import JsonResponse
from django.urls import path

from jiayi.urls import urlpatterns as product_urls


def fixed(request):
    return JsonResponse({"ok": True, "answer": 42})


# Under /healthz so the login-required middleware lets it through; every other middleware runs.
urlpatterns = [path("healthz/bench-fixed", fixed), *product_urls]
