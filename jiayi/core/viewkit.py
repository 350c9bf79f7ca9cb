"""Small helpers shared by the server-rendered views."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import BusinessError, Forbidden, NotFound, ValidationFailed


def paginate(request, queryset, per_page: int | None = None):
    """A page of a queryset; `page` in the query string. Counting stays cheap on indexed filters."""
    paginator = Paginator(queryset, per_page or settings.JIAYI_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links and the export button."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def call_service(form, fn, /, **kwargs):
    """Call a service for a bound, valid form; a business error becomes a form error (None on failure)."""
    try:
        return fn(**kwargs)
    except ValidationFailed as exc:
        field = exc.details.get("field")
        form.add_error(field if field in form.fields else None, str(exc.message))
    except BusinessError as exc:
        form.add_error(None, str(exc.message))
    return None


class BusinessErrorMiddleware:
    """A business error that escapes a view: 404/403 pages, or a message and back to the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path_info.startswith("/api/") or not isinstance(exception, BusinessError):
            return None
        if isinstance(exception, NotFound):
            return render(request, "404.html", {"message": exception.message}, status=404)
        if isinstance(exception, Forbidden):
            return render(request, "403.html", {"message": exception.message}, status=403)
        messages.error(request, str(exception.message))
        back = request.META.get("HTTP_REFERER", "/")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return HttpResponseRedirect(back)
