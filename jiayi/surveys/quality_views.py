"""Quality-control screens (R-EVA-7): the flag list with filters and export, a flag with its
evidence and the form that records the outcome."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution

from . import queries, services
from .filters import FlagFilter, from_get
from .forms import ResolveForm
from .models import FlagKind, FlagStatus


def qc_flag_list(request):
    user = request.user
    filters, bad = from_get(FlagFilter, request.GET)
    flags = filters.filter(queries.flags_for(user))
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _flag_export(flags)
    return render(
        request,
        "surveys/qc_flag_list.html",
        {
            "page_obj": paginate(request, flags),
            "filters": filters,
            "bad_filters": bad,
            "kinds": FlagKind.choices,
            "statuses": FlagStatus.choices,
            "kind_cards": _kind_cards(user),
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "querystring": query_without_page(request),
            "can_export": has_perm(user, "core.export"),
        },
    )


def _kind_cards(user):
    counts = queries.flag_counts(user)
    return [(value, label, counts.get(value, 0)) for value, label in FlagKind.choices]


def _evidence_text(flag) -> str:
    d = flag.details or {}
    if flag.kind == FlagKind.UNSERVED:
        return _("签约 %(start)s 起，最近服务 %(last)s，已超过 %(m)s 个月") % {
            "start": d.get("start", ""),
            "last": d.get("last_service_on") or _("无"),
            "m": d.get("months", ""),
        }
    if flag.kind == FlagKind.RATE:
        return _("%(day)s 录入 %(n)s 条服务记录（上限 %(limit)s）") % {
            "day": d.get("day", ""),
            "n": d.get("records", ""),
            "limit": d.get("limit", ""),
        }
    if flag.kind == FlagKind.CAPACITY:
        return _("签约 %(used)s 人，上限 %(limit)s 人") % {
            "used": d.get("used", ""),
            "limit": d.get("limit", ""),
        }
    return _("%(q)s 回答：%(a)s") % {"q": d.get("question", ""), "a": d.get("answer", "")}


def _flag_export(flags):
    columns = [
        Column(_("发现日期"), lambda f: f.detected_on, 12),
        Column(_("类型"), lambda f: f.get_kind_display(), 22),
        Column(_("对象"), lambda f: f.subject_label, 14),
        Column(_("机构"), lambda f: f.institution.name, 22),
        Column(_("团队"), lambda f: f.team.name if f.team_id else ""),
        Column(_("依据"), _evidence_text, 40),
        Column(_("状态"), lambda f: f.get_status_display()),
        Column(_("核查说明"), lambda f: f.outcome_note, 30),
        Column(_("核查人"), lambda f: str(f.resolved_by or "")),
    ]
    return xlsx_response(_("质控问题"), columns, flags.iterator(), title=_("质控问题"))


def qc_flag_detail(request, pk):
    user = request.user
    flag = queries.flag_get(user, pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.qc_flag_resolve,
            actor=user,
            flag=flag,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
        if done:
            messages.success(request, _("核查结论已记录"))
            return redirect("surveys:qc_flag_detail", pk=flag.pk)
    return render(
        request,
        "surveys/qc_flag_detail.html",
        {
            "flag": flag,
            "evidence": queries.flag_evidence(user, flag),
            "evidence_text": _evidence_text(flag),
            "form": form,
            "is_open": flag.status == FlagStatus.OPEN,
        },
    )
