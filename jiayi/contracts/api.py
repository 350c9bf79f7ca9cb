"""REST API of the contracts app, mounted at /api/contracts/. Thin: parse, call a query or a service.

The services raise the typed errors (duplicate 409, window/term/consent 422, capacity 409…);
jiayi.api turns them into `{"code", "message", "details"}` with their status.
"""

from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from jiayi.catalog.models import ServicePackage
from jiayi.registry.models import Household, Institution, Resident
from jiayi.teams.models import Practitioner, Team

from . import queries, services
from .document import agreement_document
from .errors import ConsentMissing, InvalidPackages
from .filters import ContractFilter
from .forms import decode_signature
from .schemas import (
    ContractDetailOut,
    ContractOut,
    OptOutIn,
    ReassignIn,
    RenewIn,
    SignFamilyIn,
    SignIn,
    SignOut,
    TerminateIn,
)
from .services import MemberChoice

router = Router(tags=["contracts"])


def _packages(ids: list[int]) -> list[ServicePackage]:
    found = {p.pk: p for p in ServicePackage.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidPackages(_("服务包不存在"), details={"field": "package_ids", "missing": missing})
    return [found[i] for i in ids]


def _signature(value: str | None) -> bytes | None:
    try:
        return decode_signature(value or "")
    except ValueError:
        raise ConsentMissing(
            _("签名图片格式不正确，须为PNG图片"), details={"field": "signature_png"}
        ) from None


def _consent_kwargs(user, payload) -> dict:
    return {
        "team": Team.objects.get_visible(user, pk=payload.team_id),
        "doctor": Practitioner.objects.get_visible(user, pk=payload.doctor_id),
        "consent_mode": payload.consent_mode,
        "signature_png": _signature(payload.signature_png),
        "term_years": payload.term_years,
        "start": payload.start,
        "resident_paid": payload.resident_paid,
    }


def _hospital(user, pk):
    return None if pk is None else Institution.objects.get_visible(user, pk=pk)


def _sign_out(user, result):
    ids = [c.pk for c in result.contracts]
    return {
        "agreement_id": result.agreement.pk,
        "number": result.agreement.number,
        "contracts": list(queries.contracts_for(user).filter(pk__in=ids).order_by("pk")),
        "warnings": result.warnings,
    }


@router.get("/", response=list[ContractOut])
@paginate(PageNumberPagination)
def contract_list(request, filters: Query[ContractFilter]):
    queries.require_contract_access(request.auth)
    return filters.filter(queries.contracts_for(request.auth))


def _detail(user, pk: int):
    contract = queries.contract_get(user, pk)
    nxt = queries.contract_next(contract)
    contract.next_id = nxt.pk if nxt else None
    contract.history_list = list(queries.contract_history(contract))
    return contract


@router.get("/{int:pk}", response=ContractDetailOut)
def contract_get(request, pk: int):
    queries.require_contract_access(request.auth)
    return _detail(request.auth, pk)


@router.post("/sign", response={201: SignOut})
def contract_sign(request, payload: SignIn):
    user = request.auth
    result = services.contract_sign(
        actor=user,
        resident=Resident.objects.get_visible(user, pk=payload.resident_id),
        packages=_packages(payload.package_ids),
        channel=payload.channel,
        combination_district=_hospital(user, payload.combination_district_id),
        combination_city=_hospital(user, payload.combination_city_id),
        **_consent_kwargs(user, payload),
    )
    return Status(201, _sign_out(user, result))


@router.post("/sign-family", response={201: SignOut})
def contract_sign_family(request, payload: SignFamilyIn):
    user = request.auth
    household = Household.objects.get_visible(user, pk=payload.household_id)
    members = [
        MemberChoice(
            resident=Resident.objects.get_visible(user, pk=m.resident_id), packages=_packages(m.package_ids)
        )
        for m in payload.members
    ]
    party = Resident.objects.get_visible(user, pk=payload.party_id) if payload.party_id else None
    result = services.contract_sign_family(
        actor=user,
        household=household,
        members=members,
        channel=payload.channel,
        party=party,
        **_consent_kwargs(user, payload),
    )
    return Status(201, _sign_out(user, result))


@router.post("/{int:pk}/terminate", response=ContractDetailOut)
def contract_terminate(request, pk: int, payload: TerminateIn):
    user = request.auth
    services.contract_terminate(actor=user, contract=queries.contract_get(user, pk), **payload.dict())
    return _detail(user, pk)


@router.post("/{int:pk}/renew", response={201: ContractDetailOut})
def contract_renew(request, pk: int, payload: RenewIn):
    user = request.auth
    packages = _packages(payload.package_ids) if payload.package_ids is not None else None
    new = services.contract_renew(
        actor=user,
        contract=queries.contract_get(user, pk),
        term_years=payload.term_years,
        packages=packages,
        resident_paid=payload.resident_paid,
    )
    return Status(201, _detail(user, new.pk))


@router.post("/{int:pk}/reassign-doctor", response=ContractDetailOut)
def contract_reassign_doctor(request, pk: int, payload: ReassignIn):
    user = request.auth
    doctor = Practitioner.objects.get_visible(user, pk=payload.doctor_id)
    services.contract_reassign_doctor(
        actor=user, contract=queries.contract_get(user, pk), doctor=doctor, note=payload.note
    )
    return _detail(user, pk)


@router.post("/{int:pk}/confirm-payment", response=ContractDetailOut)
def contract_confirm_payment(request, pk: int):
    user = request.auth
    services.contract_confirm_payment(actor=user, contract=queries.contract_get(user, pk))
    return _detail(user, pk)


@router.post("/{int:pk}/opt-out", response=ContractDetailOut)
def contract_opt_out(request, pk: int, payload: OptOutIn):
    user = request.auth
    services.contract_set_renewal_opt_out(
        actor=user, contract=queries.contract_get(user, pk), opt_out=payload.opt_out
    )
    return _detail(user, pk)


@router.get("/{int:pk}/agreement.pdf", response={200: None})
def contract_agreement_pdf(request, pk: int):
    """The agreement of the contract as a PDF (whole IDs for those allowed; the view is logged)."""
    from .views import pdf_response

    user = request.auth
    queries.require_contract_access(user)
    contract = queries.contract_get(user, pk)
    return pdf_response(agreement_document(actor=user, agreement=contract.agreement))
