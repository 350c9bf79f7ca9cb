"""Questionnaire, response and satisfaction screens. Thin: parse, call a query or a service, render."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from jiayi.core.export import Column, xlsx_response
from jiayi.core.models import Role
from jiayi.core.permissions import has_perm, require_perm, role_of
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution
from jiayi.teams.models import Team

from . import queries, services
from .filters import ResponseFilter, from_get
from .forms import AnswerForm
from .models import ResponseChannel


def _is_resident(user) -> bool:
    return role_of(user) == Role.RESIDENT


def questionnaire_list(request):
    user = request.user
    resident = _is_resident(user)
    return render(
        request,
        "surveys/questionnaire_list.html",
        {
            "questionnaires": queries.questionnaires(active_only=resident).order_by("code", "-version"),
            "is_resident": resident,
            "can_answer": has_perm(user, "surveys.answer_online"),
            "can_view_responses": has_perm(user, "surveys.view_responses"),
            "can_callback": has_perm(user, "surveys.callback"),
            "own_responses": queries.own_responses(user) if resident else None,
        },
    )


def questionnaire_detail(request, pk):
    qn = queries.questionnaire_get(pk)
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "qn": qn,
            "questions": qn.questions.order_by("order"),
            "can_answer": has_perm(request.user, "surveys.answer_online"),
        },
    )


def questionnaire_answer(request, pk):
    """The resident's online form, for their own contract (a household head may answer for a member)."""
    user = request.user
    require_perm(user, "surveys.answer_online")
    qn = queries.questionnaire_get(pk)
    contracts = list(queries.own_contracts(user))
    questions = list(qn.questions.order_by("order"))
    form = AnswerForm(request.POST or None, questions=questions, contracts=contracts)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("contract")
        contract = next((c for c in contracts if c.pk == chosen), None)
        response = call_service(
            form,
            services.survey_response_submit,
            actor=user,
            questionnaire=qn,
            contract=contract,
            answers=form.answers(),
        )
        if response:
            messages.success(request, _("感谢您的评价！"))
            return redirect("surveys:response_detail", pk=response.pk)
    return render(
        request,
        "surveys/answer_form.html",
        {"qn": qn, "form": form, "contracts": contracts, "no_contract": not contracts},
    )


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(month=1, day=1)
    end = parse_date(request.GET.get("end") or "") or today
    return (start, end) if start <= end else (end, start)


def response_list(request):
    user = request.user
    filters, bad = from_get(ResponseFilter, request.GET)
    rows = filters.filter(queries.responses_for(user))
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _response_export(rows)
    return render(
        request,
        "surveys/response_list.html",
        {
            "page_obj": paginate(request, rows),
            "filters": filters,
            "bad_filters": bad,
            "questionnaires": queries.questionnaires(),
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "teams": Team.objects.visible_to(user).order_by("institution__code", "name"),
            "channels": ResponseChannel.choices,
            "querystring": query_without_page(request),
            "can_export": has_perm(user, "core.export"),
        },
    )


def _yes_no(v):
    return "" if v is None else (_("满意") if v else _("不满意"))


def _response_export(rows):
    columns = [
        Column(_("填写时间"), lambda r: timezone.localtime(r.answered_at).strftime("%Y-%m-%d %H:%M"), 18),
        Column(_("问卷"), lambda r: r.questionnaire.title, 24),
        Column(_("居民"), lambda r: r.resident.name),
        Column(_("身份证号"), lambda r: r.resident.id_masked, 22),
        Column(_("机构"), lambda r: r.institution.name, 22),
        Column(_("团队"), lambda r: r.team.name, 20),
        Column(_("方式"), lambda r: r.get_channel_display()),
        Column(_("回访人"), lambda r: str(r.interviewer or "")),
        Column(_("满意度"), lambda r: _yes_no(r.is_satisfied)),
        Column(_("否认签约"), lambda r: _("是") if r.denies_signing else ""),
    ]
    return xlsx_response(_("满意度答卷"), columns, rows.iterator(), title=_("满意度答卷"))


def response_detail(request, pk):
    user = request.user
    response = queries.response_get(user, pk)
    return render(
        request,
        "surveys/response_detail.html",
        {"r": response, "answers": queries.response_answers(response), "is_resident": _is_resident(user)},
    )


def satisfaction(request):
    """Satisfaction per team or institution for a period (R-EVA-6), exportable."""
    user = request.user
    require_perm(user, "surveys.view_responses")
    group = "institution" if request.GET.get("group") == "institution" else "team"
    start, end = _period(request)
    institution = None
    if request.GET.get("institution", "").isdigit():
        institution = Institution.objects.get_visible(user, pk=int(request.GET["institution"]))
    rows = queries.satisfaction_table(user, group=group, start=start, end=end, institution=institution)
    total = queries.satisfaction_rate(user, institution=institution, start=start, end=end)
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        columns = [
            Column(_("团队") if group == "team" else _("机构"), lambda r: r.name, 24),
            Column(_("所属机构"), lambda r: r.institution_name, 24),
            Column(_("答卷数"), lambda r: r.value.responses),
            Column(_("满意数"), lambda r: r.value.satisfied),
            Column(_("满意率（%）"), lambda r: r.value.rate),
        ]
        return xlsx_response(_("满意率"), columns, rows, title=_("满意率"))
    return render(
        request,
        "surveys/satisfaction.html",
        {
            "rows": rows,
            "total": total,
            "group": group,
            "start": start,
            "end": end,
            "institution": institution,
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "target": queries.SATISFACTION_TARGET,
            "querystring": query_without_page(request),
            "can_export": has_perm(user, "core.export"),
        },
    )
