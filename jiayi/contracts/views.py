"""Contract list, contract page with its actions, the agreement page, print page and PDF.

Thin: parse, call a query or a service, render. The signing screens are in views_signing.
"""

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.catalog.models import ServicePackage
from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry import queries as registry_queries
from jiayi.registry.models import Institution
from jiayi.teams.models import Practitioner, Team
from jiayi.teams.queries import signing_doctors

from . import queries, services
from .document import agreement_document, render_pdf
from .filters import ContractFilter, from_get
from .forms import ReassignForm, RenewForm, TerminateForm
from .models import IN_FORCE, ContractKind, ContractStatus

STATUS_BADGE = {
    ContractStatus.PENDING: "text-bg-warning",
    ContractStatus.ACTIVE: "text-bg-success",
    ContractStatus.EXPIRED: "text-bg-secondary",
    ContractStatus.RENEWED: "text-bg-info",
    ContractStatus.TERMINATED: "text-bg-dark",
}


def _action_labels() -> dict[str, str]:
    return {
        "sign": _("签约"),
        "terminate": _("解约"),
        "reassign": _("更换责任医生"),
        "payment": _("确认缴费"),
        "opt_out": _("登记到期不再顺延"),
        "opt_in": _("恢复到期自动顺延"),
        "renew": _("续约"),
        "renewed_from": _("续约生成"),
        "auto_renew": _("到期自动顺延"),
        "expire": _("到期"),
    }


def _history(contract) -> list:
    labels, statuses = _action_labels(), dict(ContractStatus.choices)
    events = list(queries.contract_history(contract))
    for e in events:
        e.action_label = labels.get(e.action, e.action)
        e.from_label = statuses.get(e.from_status, "")
        e.to_label = statuses.get(e.to_status, "")
    return events


def _packages_text(c) -> str:
    return "、".join(cp.package.name for cp in c.packages.all())


def _resident_due(c):
    return sum((cp.fee_resident for cp in c.packages.all()), start=0)


def contract_list(request):
    user = request.user
    queries.require_contract_access(user)
    filters, bad = from_get(ContractFilter, request.GET)
    contracts = filters.filter(queries.contracts_for(user))
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _export(contracts)
    page = paginate(request, contracts)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page_obj": page,
            "flt": filters,
            "bad_filters": bad,
            "querystring": query_without_page(request),
            "statuses": ContractStatus.choices,
            "kinds": ContractKind.choices,
            "teams": Team.objects.visible_to(user).filter(is_active=True).order_by("name"),
            "doctors": Practitioner.objects.visible_to(user)
            .doctors()
            .filter(is_active=True)
            .order_by("name"),
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "packages": ServicePackage.objects.visible_to(user).current().order_by("code", "-version"),
            "badges": STATUS_BADGE,
            "can_export": has_perm(user, "core.export"),
            "can_sign": has_perm(user, "contracts.sign"),
        },
    )


def _export(contracts):
    columns = [
        Column(_("协议编号"), lambda c: c.agreement.number, 24),
        Column(_("居民"), lambda c: c.resident.name, 12),
        Column(_("身份证号"), lambda c: c.resident.id_masked, 22),
        Column(_("签约类型"), lambda c: c.agreement.get_kind_display(), 12),
        Column(_("签约机构"), lambda c: c.institution.name, 22),
        Column(_("签约团队"), lambda c: c.team.name, 20),
        Column(_("责任医生"), lambda c: c.doctor.name, 12),
        Column(_("服务包"), _packages_text, 30),
        Column(_("状态"), lambda c: c.get_status_display(), 10),
        Column(_("签约日期"), lambda c: c.agreement.signed_on, 12),
        Column(_("生效日期"), lambda c: c.start, 12),
        Column(_("到期日期"), lambda c: c.end, 12),
        Column(_("签约年限"), lambda c: c.term_years, 8),
        Column(_("居民个人费用（元）"), _resident_due, 12),
        Column(_("签约渠道"), lambda c: c.agreement.get_channel_display(), 12),
    ]
    return xlsx_response(_("签约记录"), columns, contracts.iterator(chunk_size=500), title=_("签约记录"))


def contract_detail(request, pk):
    user = request.user
    queries.require_contract_access(user)
    contract = queries.contract_get(user, pk)
    can_change = has_perm(user, "contracts.change") and user.role != "resident"
    ctx = {
        "c": contract,
        "a": contract.agreement,
        "history": _history(contract),
        "next": queries.contract_next(contract),
        "badges": STATUS_BADGE,
        "can_change": can_change,
        "in_force": contract.status in IN_FORCE,
        "due": _resident_due(contract),
        "today": timezone.localdate(),
    }
    if can_change:
        ctx["terminate_form"] = TerminateForm()
        doctors = signing_doctors(team=contract.team).exclude(pk=contract.doctor_id)
        ctx["reassign_form"] = ReassignForm(doctors=doctors)
        ctx["renew_form"] = RenewForm(terms=_terms(contract))
    return render(request, "contracts/contract_detail.html", ctx)


def _terms(contract) -> list[int]:
    from jiayi.policy.queries import policy_for

    return list(policy_for(contract.institution.region, timezone.localdate().year).allowed_terms or [1])


def _report(request, form) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)


@require_POST
def contract_action(request, pk, action):
    """The contract page's buttons: terminate, reassign, payment, opt_out / opt_in, renew."""
    user = request.user
    require_perm(user, "contracts.change")
    contract = queries.contract_get(user, pk)
    target = contract
    if action == "terminate":
        form = TerminateForm(request.POST)
        done = form.is_valid() and call_service(
            form, services.contract_terminate, actor=user, contract=contract, **form.cleaned_data
        )
        ok_msg = _("已解约")
    elif action == "reassign":
        form = ReassignForm(request.POST, doctors=signing_doctors(team=contract.team))
        done = form.is_valid() and call_service(
            form, services.contract_reassign_doctor, actor=user, contract=contract, **form.cleaned_data
        )
        ok_msg = _("责任医生已更换")
    elif action == "renew":
        form = RenewForm(request.POST, terms=_terms(contract))
        done = form.is_valid() and call_service(
            form, services.contract_renew, actor=user, contract=contract, **form.cleaned_data
        )
        ok_msg = _("已续约")
        target = done or contract
    elif action in ("payment", "opt_out", "opt_in"):
        form = TerminateForm()  # only a carrier for call_service's error
        fn = (
            services.contract_confirm_payment
            if action == "payment"
            else services.contract_set_renewal_opt_out
        )
        extra = {} if action == "payment" else {"opt_out": action == "opt_out"}
        done = call_service(form, fn, actor=user, contract=contract, **extra)
        ok_msg = {
            "payment": _("已确认缴费，签约生效"),
            "opt_out": _("已登记：到期不再顺延"),
            "opt_in": _("已恢复到期自动顺延"),
        }[action]
    else:
        messages.error(request, _("未知操作"))
        return redirect("contracts:contract_detail", pk=contract.pk)
    if done:
        messages.success(request, ok_msg)
    else:
        _report(request, form)
    return redirect("contracts:contract_detail", pk=target.pk)


def agreement_detail(request, pk):
    """The agreement inside the app: its contracts and the document (masked IDs on screen)."""
    user = request.user
    queries.require_contract_access(user)
    agreement = queries.agreement_get(user, pk)
    contracts = [queries.latest_contract(c) for c in queries.agreement_contracts(agreement)]
    doc = agreement_document(actor=user, agreement=agreement, reveal=False)
    return render(
        request,
        "contracts/agreement_detail.html",
        {"a": agreement, "contracts": contracts, "badges": STATUS_BADGE, "doc": doc},
    )


def agreement_print(request, pk):
    """The A4 print page: the whole document, so the access to whole IDs is recorded."""
    user = request.user
    queries.require_contract_access(user)
    agreement = queries.agreement_get(user, pk)
    doc = agreement_document(actor=user, agreement=agreement)
    return render(request, "contracts/agreement_print.html", {"a": agreement, "doc": doc})


def agreement_pdf(request, pk):
    user = request.user
    queries.require_contract_access(user)
    agreement = queries.agreement_get(user, pk)
    return pdf_response(agreement_document(actor=user, agreement=agreement))


def pdf_response(doc) -> HttpResponse:
    response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"agreement-{doc.number}.pdf\"; filename*=UTF-8''{quote(doc.filename)}"
    )
    return response


# --- fragments for the registry's pages (loaded with htmx, so the registry needs no import) -----


def resident_panel(request, resident_pk):
    user = request.user
    queries.require_contract_access(user)
    resident = registry_queries.resident_get(user, resident_pk)
    return render(
        request,
        "contracts/_resident_panel.html",
        {
            "r": resident,
            "in_force": queries.in_force_of(resident),
            "history": queries.resident_contracts(user, resident)[:5],
            "badges": STATUS_BADGE,
            "can_sign": has_perm(user, "contracts.sign"),
        },
    )


def household_panel(request, household_pk):
    user = request.user
    queries.require_contract_access(user)
    household = registry_queries.household_get(user, household_pk)
    members = [m for m in registry_queries.household_members(household) if not m.deceased_on]
    rows = [(m, queries.in_force_of(m)) for m in members]
    return render(
        request,
        "contracts/_household_panel.html",
        {
            "h": household,
            "rows": rows,
            "unsigned": sum(1 for _m, c in rows if c is None),
            "badges": STATUS_BADGE,
            "can_sign": has_perm(user, "contracts.sign"),
        },
    )
