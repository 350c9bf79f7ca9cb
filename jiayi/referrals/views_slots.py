"""Slot pool screens of the hospital desk (R-REF-2): list, publish, one pool's slots."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page

from . import queries, services
from .filters import SlotPoolFilter, from_get
from .forms import SlotPoolForm
from .models import SlotKind


def slotpool_list(request):
    user = request.user
    queries.require_staff(user)
    filters, bad = from_get(SlotPoolFilter, request.GET)
    page = paginate(request, queries.slotpools_for(user, filters))
    return render(
        request,
        "referrals/slotpool_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "bad_filters": bad,
            "kinds": SlotKind.choices,
            "querystring": query_without_page(request),
            "can_publish": has_perm(user, services.PERM_DESK) and queries.own_hospitals(user).exists(),
            "departments": queries.departments_for(user),
        },
    )


def slotpool_create(request):
    user = request.user
    require_perm(user, services.PERM_DESK)
    form = SlotPoolForm(request.POST or None, hospitals=queries.own_hospitals(user))
    if request.method == "POST" and form.is_valid():
        pool = call_service(form, services.slotpool_publish, actor=user, **form.cleaned_data)
        if pool:
            messages.success(
                request,
                _("已发布 %(n)s 个号源，其中 %(r)s 个为家庭医生预留")
                % {"n": pool.capacity, "r": pool.reserved_count},
            )
            return redirect("referrals:slotpool_detail", pk=pool.pk)
    return render(
        request,
        "referrals/slotpool_form.html",
        {"form": form, "departments": queries.departments_for(user)},
    )


def slotpool_detail(request, pk):
    user = request.user
    queries.require_staff(user)
    pool = queries.slotpool_get(user, pk)
    own = user.scope.sees_all or pool.hospital_id in user.scope.institution_ids
    return render(
        request,
        "referrals/slotpool_detail.html",
        {
            "pool": pool,
            "slots": queries.pool_slots(pool),
            "show_patients": own and has_perm(user, services.PERM_DESK),
        },
    )
