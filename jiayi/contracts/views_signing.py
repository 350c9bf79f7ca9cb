"""Signing screens: one resident, a household, a functional community, and the "新签约" search.

Thin: the queries say what can be offered, the forms parse, the services decide. A business
error shows on the form and nothing is saved.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.permissions import require_perm
from jiayi.core.viewkit import call_service
from jiayi.registry import queries as registry_queries

from . import queries, services
from .forms import GroupSignForm, SignForm
from .models import Channel, ConsentMode
from .services import MemberChoice


def _assignment_context(user, region_of_resident=None, resident=None, teams=None):
    teams = queries.signing_teams(user) if teams is None else teams
    assignments, initial = queries.assignment_choices(user, teams)
    team_by_pk = {t.pk: t for t in teams}
    team = doctor = None
    if initial:
        team_id, doctor_id = (int(x) for x in initial.split(":"))
        team = team_by_pk.get(team_id)
        doctor = _doctor(doctor_id)
    region = team.institution.region if team else region_of_resident
    terms = queries.term_options(region, resident, doctor)
    return {
        "teams": teams,
        "assignments": assignments,
        "initial_assignment": initial,
        "terms": terms,
        "window_note": queries.signing_window_note(region) if region else "",
    }


def _doctor(pk):
    from jiayi.teams.models import Practitioner

    return Practitioner.objects.filter(pk=pk).first()


def _form_kwargs(ctx) -> dict:
    return {
        "assignments": ctx["assignments"],
        "initial_assignment": ctx["initial_assignment"],
        "terms": [t.years for t in ctx["terms"]],
    }


def _announce(request, result) -> None:
    for w in result.warnings:
        messages.warning(request, w)
    names = "、".join(c.resident.name for c in result.contracts)
    messages.success(
        request,
        _("签约成功：%(names)s，协议编号 %(number)s") % {"names": names, "number": result.agreement.number},
    )


def new(request):
    """Find a resident (name, ID, phone, household code) and go to their signing page; htmx
    replaces just the results while typing."""
    user = request.user
    require_perm(user, "contracts.sign")
    q = (request.GET.get("q") or "").strip()
    rows = []
    if q:
        found = list(registry_queries.residents_search(user, q=q, status="active")[:20])
        rows = [(r, queries.in_force_of(r)) for r in found]
    template = "contracts/_search_rows.html" if request.headers.get("HX-Request") else "contracts/new.html"
    return render(request, template, {"q": q, "rows": rows})


def sign(request, resident_pk):
    """Sign one resident (an individual agreement): one page, one submit."""
    user = request.user
    require_perm(user, "contracts.sign")
    resident = registry_queries.resident_get(user, resident_pk)
    person = queries.person_options(resident)
    ctx = _assignment_context(user, resident.region, resident)
    pkgs = [o.package for o in person.packages]
    form = SignForm(
        request.POST or None,
        package_choices=pkgs,
        initial={"packages": [str(o.package.pk) for o in person.packages if o.checked]},
        **_form_kwargs(ctx),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result = call_service(
            form,
            services.contract_sign,
            actor=user,
            resident=resident,
            packages=d["packages"],
            channel=d["channel"],
            **form.service_kwargs(),
        )
        if result is not None:
            _announce(request, result)
            return redirect("contracts:contract_detail", pk=result.contracts[0].pk)
    checked = set(form["packages"].value() or [])
    return render(
        request,
        "contracts/sign.html",
        {
            **ctx,
            "form": form,
            "person": person,
            "r": resident,
            "checked": checked,
            "online": Channel.ONLINE,
            "handwritten": ConsentMode.HANDWRITTEN,
            "today": timezone.localdate(),
        },
    )


def _group_page(
    request,
    *,
    template,
    people,
    extra,
    sign_fn,
    party_initial,
    blocked=False,
    channels=None,
    teams=None,
    **sign_kwargs,
):
    user = request.user
    ctx = _assignment_context(user, teams=teams)
    signable = [p for p in people if p.in_force is None]
    initial = {"members": [str(p.resident.pk) for p in signable]}
    for p in signable:
        initial[f"packages_{p.resident.pk}"] = [str(o.package.pk) for o in p.packages if o.checked]
    form = GroupSignForm(
        request.POST or None,
        people=signable,
        party_people=people,
        party_initial=party_initial,
        initial=initial,
        channels=channels,
        **_form_kwargs(ctx),
    )
    if request.method == "POST" and not blocked and form.is_valid():
        d = form.cleaned_data
        members = [MemberChoice(resident=r, packages=pk) for r, pk in d["chosen"]]
        result = call_service(
            form,
            sign_fn,
            actor=user,
            members=members,
            party=d["party_resident"],
            **sign_kwargs,
            **form.service_kwargs(),
            **({"channel": d["channel"]} if sign_fn is services.contract_sign_family else {}),
        )
        if result is not None:
            _announce(request, result)
            return redirect("contracts:agreement_detail", pk=result.agreement.pk)
    rows = []
    for p in people:
        key = str(p.resident.pk)
        if p.in_force is None:
            chosen = set(form[f"packages_{key}"].value() or [])
            included = key in set(form["members"].value() or [])
        else:
            chosen, included = set(), False
        rows.append({"p": p, "key": key, "chosen": chosen, "included": included})
    return render(
        request,
        template,
        {
            **ctx,
            **extra,
            "form": form,
            "rows": rows,
            "blocked": blocked,
            "online": Channel.ONLINE,
            "handwritten": ConsentMode.HANDWRITTEN,
        },
    )


def sign_family(request, household_pk):
    """One agreement for a household (scenario 1): who is signed already, a package set per member,
    one signature. A member signed with another team blocks the household before anything is typed."""
    user = request.user
    require_perm(user, "contracts.sign")
    household = registry_queries.household_get(user, household_pk)
    members = registry_queries.household_members(household)
    teams = queries.signing_teams(user)
    overview = queries.household_overview(household, members, {t.pk for t in teams})
    if overview.bound_team_id is not None:
        # One household, one team: the rest of the family can only join the team already chosen.
        teams = [t for t in teams if t.pk == overview.bound_team_id]
    return _group_page(
        request,
        template="contracts/sign_family.html",
        people=overview.people,
        extra={"h": household, "other_team": overview.other_team},
        sign_fn=services.contract_sign_family,
        party_initial=household.head_id,
        blocked=overview.other_team is not None,
        teams=teams,
        household=household,
    )


def sign_community(request, community_pk):
    """Members of a functional community on one agreement; the representative signs."""
    user = request.user
    require_perm(user, "contracts.sign")
    community = registry_queries.community_get(user, community_pk)
    people = queries.community_people(user, community)
    return _group_page(
        request,
        template="contracts/sign_community.html",
        people=people,
        extra={"c": community},
        sign_fn=services.contract_sign_community,
        party_initial=None,
        channels=[(Channel.COMMUNITY, Channel.COMMUNITY.label)],
        community=community,
    )
