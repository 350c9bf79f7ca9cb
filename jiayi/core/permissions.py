"""Which roles may do what. Services check these (so pages, API and imports agree);
what a user may *see* is their scope (jiayi.core.scope), checked separately."""

from .errors import Forbidden
from .models import Role

_STAFF_PEOPLE_WRITERS = {
    Role.SYSADMIN,
    Role.INSTITUTION_ADMIN,
    Role.TEAM_LEADER,
    Role.DOCTOR,
    Role.TEAM_MEMBER,
}
_STAFF = {
    Role.SYSADMIN,
    Role.COMMISSION,
    Role.FINANCE,
    Role.INSTITUTION_ADMIN,
    Role.TEAM_LEADER,
    Role.DOCTOR,
    Role.TEAM_MEMBER,
    Role.REFERRAL_DESK,
}

PERMISSIONS: dict[str, set[str]] = {
    "registry.change_region": {Role.SYSADMIN, Role.COMMISSION},
    "registry.change_institution": {Role.SYSADMIN, Role.COMMISSION},
    "registry.change_resident": _STAFF_PEOPLE_WRITERS,
    "registry.change_household": _STAFF_PEOPLE_WRITERS,
    "registry.change_keypopulation": _STAFF_PEOPLE_WRITERS,
    "registry.change_community": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.TEAM_LEADER, Role.DOCTOR},
    "registry.change_baseline": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    # Whole national ID: those who serve the person, and the person (R-REG-3); each view is logged.
    "registry.reveal_national_id": _STAFF_PEOPLE_WRITERS | {Role.RESIDENT},
    "teams.change_practitioner": {Role.SYSADMIN, Role.INSTITUTION_ADMIN},
    "teams.change_team": {Role.SYSADMIN, Role.INSTITUTION_ADMIN},
    # Signing and changing contracts: the team's doctors and the institution (R-CON).
    "contracts.sign": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.TEAM_LEADER, Role.DOCTOR},
    "contracts.change": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.TEAM_LEADER, Role.DOCTOR},
    # Recording services, risk colours and assessments: everybody in the team (R-SVC).
    "care.record": _STAFF_PEOPLE_WRITERS,
    "core.import": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    "core.export": _STAFF,
    "core.view_audit": {Role.SYSADMIN, Role.COMMISSION},
    # Institution admins manage the logins of their own institution and its teams (core.queries).
    "core.manage_users": {Role.SYSADMIN, Role.INSTITUTION_ADMIN},
    # Policy settings per region and year (R-POL); the catalogue and service packages (R-PKG).
    "policy.change_policy": {Role.SYSADMIN, Role.COMMISSION},
    "catalog.change_item": {Role.SYSADMIN, Role.COMMISSION},
    "catalog.change_package": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    # Satisfaction and quality control (R-EVA-6, R-EVA-7): residents answer online for their own
    # contract; the commission and institutions draw callback samples, phone and check flags.
    "surveys.answer_online": {Role.SYSADMIN, Role.RESIDENT},
    "surveys.view_responses": _STAFF,
    "surveys.callback_sample": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    "surveys.callback": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    "surveys.quality": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    # Two-way referral (R-REF): family doctors refer up and cancel what they sent; the hospital
    # desk receives, schedules on reserved slots and refers down; the primary institution takes back.
    "referrals.refer": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.TEAM_LEADER, Role.DOCTOR},
    "referrals.desk": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.REFERRAL_DESK},
    "referrals.receive_down": {Role.SYSADMIN, Role.INSTITUTION_ADMIN, Role.TEAM_LEADER, Role.DOCTOR},
}


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Role.SYSADMIN if user.is_superuser else user.role


def has_perm(user, perm: str) -> bool:
    return role_of(user) in PERMISSIONS[perm]


def require_perm(user, perm: str) -> None:
    if not has_perm(user, perm):
        raise Forbidden(details={"permission": perm})
