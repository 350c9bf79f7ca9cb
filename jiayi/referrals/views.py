"""Referral screens: the list (incoming / outgoing), the family doctor's request form, and the
referral page with its timeline, incentives and the steps the user may take. Thin: parse, call
a query or a service, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page

from . import queries, services
from .filters import ReferralFilter, from_get
from .forms import ReasonForm, ReferDownForm, ReferralRequestForm, ScheduleForm
from .incentives import incentives_for
from .models import Direction, ReferralStatus, Urgency


def referral_list(request):
    user = request.user
    queries.require_staff(user)
    box = queries.default_box(user)
    filters, bad = from_get(ReferralFilter, request.GET, **({"box": box} if box else {}))
    referrals = queries.referrals_for(user, filters)
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _export(referrals)
    page = paginate(request, referrals)
    return render(
        request,
        "referrals/referral_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "bad_filters": bad,
            "statuses": ReferralStatus.choices,
            "directions": Direction.choices,
            "querystring": query_without_page(request),
            "can_request": has_perm(user, services.PERM_REFER),
            "is_desk": has_perm(user, services.PERM_DESK),
            "can_export": has_perm(user, "core.export"),
            "departments": queries.departments_for(user),
        },
    )


def _export(referrals):
    local = timezone.localtime
    columns = [
        Column(_("转诊单号"), lambda r: r.number, 14),
        Column(_("方向"), lambda r: r.get_direction_display(), 8),
        Column(_("居民"), lambda r: r.resident.name, 12),
        Column(_("身份证号"), lambda r: r.resident.id_masked, 20),
        Column(_("转出机构"), lambda r: r.from_institution.name, 22),
        Column(_("转出团队"), lambda r: r.from_team.name if r.from_team_id else "", 18),
        Column(_("转入机构"), lambda r: r.to_institution.name, 22),
        Column(_("科室"), lambda r: r.department, 12),
        Column(_("紧急程度"), lambda r: r.get_urgency_display(), 8),
        Column(_("转诊原因"), lambda r: r.reason, 30),
        Column(_("状态"), lambda r: r.get_status_display(), 8),
        Column(_("经家庭医生"), lambda r: _("是") if r.via_family_doctor else _("否"), 8),
        Column(_("申请时间"), lambda r: local(r.requested_at).replace(tzinfo=None), 18),
        Column(
            _("就诊时间"),
            lambda r: local(r.appointment_at).replace(tzinfo=None) if r.appointment_at else "",
            18,
        ),
    ]
    return xlsx_response(_("转诊单"), columns, referrals.iterator(), title=_("转诊单"))


def referral_create(request):
    """发起转诊: from a resident (?resident=pk); without one, find the resident first."""
    user = request.user
    require_perm(user, services.PERM_REFER)
    resident_pk = request.GET.get("resident") or request.POST.get("resident")
    if not resident_pk:
        q = request.GET.get("q", "")
        return render(
            request,
            "referrals/referral_pick_resident.html",
            {"q": q, "residents": queries.resident_search(user, q)},
        )
    resident = queries.resident_for_referral(user, resident_pk)
    hospitals = queries.hospitals_for(user)
    form = ReferralRequestForm(request.POST or None, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        referral = call_service(
            form, services.referral_request, actor=user, resident=resident, **form.cleaned_data
        )
        if referral:
            messages.success(request, _("转诊申请已发送至%(inst)s") % {"inst": referral.to_institution.name})
            return redirect("referrals:referral_detail", pk=referral.pk)
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "resident": resident,
            "contract": queries.contract_in_force(resident),
            "departments": queries.departments_for(user),
        },
    )


def referral_detail(request, pk):
    user = request.user
    queries.require_staff(user)
    referral = queries.referral_get(user, pk)
    forms = _action_forms(user, referral)
    if request.method == "POST":
        done = _act(request, referral, forms)
        if done is not None:
            return redirect("referrals:referral_detail", pk=done.pk)
    down = referral.down_referrals.select_related("to_institution").order_by("-requested_at")
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "slot": referral.booked_slot,
            "events": queries.referral_events(referral),
            "incentives": incentives_for(referral),
            "down_referrals": list(down),
            "can": {a: services.can_do(user, referral, a) for a in _ACTIONS},
            "urgent": referral.urgency != Urgency.ROUTINE,
            **forms,
        },
    )


_ACTIONS = ("accept", "reject", "schedule", "complete", "cancel", "refer_down", "return")


def _action_forms(user, referral) -> dict:
    forms = {"reject_form": ReasonForm(prefix="reject"), "cancel_form": ReasonForm(prefix="cancel")}
    if services.can_do(user, referral, "schedule"):
        slots = queries.free_slots(
            user, hospital_id=referral.to_institution_id, department=referral.department
        )
        forms["schedule_form"] = ScheduleForm(slots=slots)
    if services.can_do(user, referral, "refer_down"):
        forms["down_form"] = ReferDownForm()
    return forms


def _act(request, referral, forms):
    """One POST on the referral page; the referral to show next, or None (a form error)."""
    user, action, post = request.user, request.POST.get("action"), request.POST
    if action in ("accept", "complete", "return"):
        fn = {
            "accept": services.referral_accept,
            "complete": services.referral_complete,
            "return": services.referral_return,
        }[action]
        done = fn(actor=user, referral=referral, note=post.get("note", ""))
        messages.success(request, _("已%(action)s") % {"action": services.ACTION_LABELS[action]})
        return done
    if action in ("reject", "cancel"):
        form = forms[f"{action}_form"] = ReasonForm(post, prefix=action)
        fn = services.referral_reject if action == "reject" else services.referral_cancel
        if form.is_valid() and (
            done := call_service(form, fn, actor=user, referral=referral, **form.cleaned_data)
        ):
            messages.success(request, _("已%(action)s") % {"action": services.ACTION_LABELS[action]})
            return done
        return None
    if action == "schedule":
        slots = queries.free_slots(
            user, hospital_id=referral.to_institution_id, department=referral.department
        )
        form = forms["schedule_form"] = ScheduleForm(post, slots=slots)
        if form.is_valid():
            slot = queries.slot_get(user, form.cleaned_data["slot"])
            done = call_service(form, services.referral_schedule, actor=user, referral=referral, slot=slot)
            if done:
                when = timezone.localtime(done.appointment_at)
                messages.success(request, _("已预约 %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"})
                return done
        return None
    if action == "refer_down":
        form = forms["down_form"] = ReferDownForm(post)
        if form.is_valid() and (
            down := call_service(
                form, services.referral_refer_down, actor=user, referral=referral, **form.cleaned_data
            )
        ):
            messages.success(request, _("已下转至%(inst)s") % {"inst": down.to_institution.name})
            return down
        return None
    messages.error(request, _("未知的操作"))
    return referral
