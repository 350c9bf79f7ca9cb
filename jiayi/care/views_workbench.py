"""The team's workbench (首页工作台) and the one-step "记录联系" from a worklist row."""

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiayi.catalog.models import ServiceItem
from jiayi.core.errors import BusinessError, Forbidden, ValidationFailed
from jiayi.core.permissions import has_perm
from jiayi.core.scope import TEAM
from jiayi.registry import queries as rq

from . import services
from .forms import QuickContactForm, practitioner_for
from .models import ContactPlan
from .queries import DUE_THIS_WEEK, NEVER_CONTACTED, OVERDUE
from .workbench import workbench, workbench_teams

TABS = [
    (OVERDUE, _("逾期未联系"), "danger"),
    (DUE_THIS_WEEK, _("本周到期"), "warning"),
    (NEVER_CONTACTED, _("签约后未联系"), "secondary"),
]


def _team_param(request):
    raw = request.GET.get("team") or request.POST.get("team")
    return int(raw) if raw and raw.isdigit() else None


def _context(request, **extra):
    wb = workbench(request.user, _team_param(request))
    tabs = [
        {"kind": k, "label": label, "tone": tone, "count": wb.counts.get(k, 0), "rows": wb.lists.get(k, [])}
        for k, label, tone in TABS
    ]
    return {
        "wb": wb,
        "tabs": tabs,
        "active_tab": request.GET.get("tab") or request.POST.get("tab") or OVERDUE,
        "teams": None if request.user.scope.kind == TEAM else workbench_teams(request.user),
        "can_record": has_perm(request.user, "care.record"),
        **extra,
    }


def workbench_view(request):
    rq.require_people_access(request.user)
    return render(request, "care/workbench.html", _context(request))


@require_http_methods(["GET", "POST"])
def quick_contact(request, resident_pk):
    """GET: the small form under the row. POST: record a follow-up today, then redraw the worklists."""
    rq.require_people_access(request.user)
    plan = (
        ContactPlan.objects.visible_to(request.user)
        .select_related("resident")
        .filter(resident_id=resident_pk)
        .first()
    )
    resident = plan.resident if plan else rq.resident_get(request.user, resident_pk)
    form = QuickContactForm(request.POST or None)
    if request.method == "POST":
        error = None
        if form.is_valid():
            try:
                result = _record_follow_up(request.user, resident, form)
                messages.success(request, _("已记录 %(name)s 的随访联系") % {"name": resident.name})
                for w in result.warnings:
                    messages.warning(request, w)
            except BusinessError as exc:
                error = str(exc.message)
        else:
            error = _("请检查填写的内容")
        if error is None:
            return render(request, "care/_worklists.html", _context(request, partial_messages=True))
        tab = request.POST.get("tab", "")
        response = render(
            request,
            "care/_quick_contact.html",
            {"form": form, "r": resident, "error": error, "tab": tab, "team": _team_param(request)},
        )
        if request.htmx:
            # The error stays under the row instead of replacing the worklists.
            response["HX-Retarget"] = f"#qc-{tab}-{resident.pk}" if tab else "this"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(
        request,
        "care/_quick_contact.html",
        {"form": form, "r": resident, "tab": request.GET.get("tab", ""), "team": _team_param(request)},
    )


def _record_follow_up(user, resident, form):
    practitioner = practitioner_for(user)
    if practitioner is None:
        raise Forbidden(_("当前账号未关联医务人员，不能记录服务"))
    item = ServiceItem.objects.filter(code="FOLLOW_UP", is_active=True).first()
    if item is None:
        raise ValidationFailed(_("服务项目目录中缺少“随访”"))
    return services.service_record_create(
        actor=user,
        resident=resident,
        item=item,
        performed_on=timezone.localdate(),
        channel=form.cleaned_data["channel"],
        practitioner=practitioner,
        notes=form.cleaned_data["notes"],
        measurements=form.measurements(),
    )
