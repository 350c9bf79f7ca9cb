"""The referral state machine (R-REF-1), who may do which step, scope, and R-REF-4's flag."""

import datetime as dt

import pytest

from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent
from jiayi.referrals import services as s
from jiayi.referrals.errors import (
    AlreadyReferredDown,
    DuplicateReferral,
    IllegalTransition,
    SlotTaken,
    SlotUnavailable,
)
from jiayi.referrals.models import Referral, ReferralStatus, Slot

from .conftest import future_date

pytestmark = pytest.mark.django_db
S = ReferralStatus


def up(world, actor=None, resident=None, hospital=None, department="心血管内科"):
    return s.referral_request(
        actor=actor or world.doc,
        resident=resident or world.signed,
        to_institution=hospital or world.hospital,
        department=department,
        reason="反复胸闷，需心内科评估",
        clinical_summary="高血压10年，近期胸闷加重",
        urgency="urgent",
    )


def pool(world, capacity=4, department="心血管内科", days=10, hospital=None, actor=None):
    return s.slotpool_publish(
        actor=actor or world.desk,
        hospital=hospital or world.hospital,
        department=department,
        kind="expert",
        date=future_date(days),
        start_time=dt.time(8, 0),
        capacity=capacity,
        provider="陈主任",
    )


def free_slot(p) -> Slot:
    return p.slots.filter(referral__isnull=True).order_by("seq").first()


def to_status(world, status):
    """An up-referral driven to `status` by the legal path."""
    r = up(world)
    if status == S.REQUESTED:
        return r
    if status in (S.REJECTED,):
        return s.referral_reject(actor=world.desk, referral=r, reason="本院无床")
    if status == S.CANCELLED:
        return s.referral_cancel(actor=world.doc, referral=r, reason="患者改变主意")
    r = s.referral_accept(actor=world.desk, referral=r)
    if status == S.ACCEPTED:
        return r
    r = s.referral_schedule(actor=world.desk, referral=r, slot=free_slot(pool(world)))
    if status == S.SCHEDULED:
        return r
    return s.referral_complete(actor=world.desk, referral=r)


def down(world, status=S.REQUESTED):
    done = to_status(world, S.COMPLETED)
    d = s.referral_refer_down(actor=world.desk, referral=done, reason="病情稳定，回基层康复")
    if status == S.RETURNED:
        d = s.referral_return(actor=world.doc, referral=d)
    elif status == S.CANCELLED:
        d = s.referral_cancel(actor=world.desk, referral=d, reason="患者转院")
    return d


# --- request -------------------------------------------------------------------------------------


def test_request_by_the_family_doctor(world):
    r = up(world)
    assert r.status == S.REQUESTED and r.direction == "up"
    assert r.from_institution == world.centre and r.from_team == world.team
    assert r.from_practitioner == world.doctor
    assert r.via_family_doctor is True and r.contract == world.contract
    assert r.county_code == "500114" and r.region_code == world.village.code
    assert [e.action for e in r.events.all()] == ["request"]
    assert AuditEvent.objects.filter(action="referral_request", object_id=str(r.pk)).count() == 1


def test_request_without_a_contract_is_flagged_not_via_family_doctor(world):
    r = up(world, resident=world.unsigned)
    assert r.via_family_doctor is False and r.contract is None


def test_request_with_a_contract_of_another_team_is_not_via_family_doctor(world):
    other = world.sign(world.unsigned, team=world.team2, doctor=world.doctor2)
    r = up(world, actor=world.centre_admin, resident=world.unsigned)
    assert r.contract == other and r.via_family_doctor is False


def test_request_rules(world):
    with pytest.raises(ValidationFailed) as exc:
        up(world, hospital=world.centre2)
    assert exc.value.details["field"] == "to_institution"
    with pytest.raises(ValidationFailed):
        up(world, department="  ")
    with pytest.raises(ValidationFailed):
        s.referral_request(
            actor=world.doc,
            resident=world.signed,
            to_institution=world.hospital,
            department="骨科",
            reason="",
        )
    world.city_hospital.is_active = False
    world.city_hospital.save()
    with pytest.raises(ValidationFailed):
        up(world, hospital=world.city_hospital)


def test_duplicate_open_referral_refused_until_closed(world):
    r = up(world)
    with pytest.raises(DuplicateReferral) as exc:
        up(world)
    assert exc.value.code == "duplicate_referral"
    up(world, department="骨科")  # another department is fine
    s.referral_cancel(actor=world.doc, referral=r, reason="重复")
    assert up(world).status == S.REQUESTED


@pytest.mark.parametrize("who", ["nurse", "desk", "commission"])
def test_request_permission(world, who):
    with pytest.raises(Forbidden):
        up(world, actor=getattr(world, who))


def test_request_for_a_resident_out_of_scope_is_not_found(world):
    with pytest.raises(NotFound):
        up(world, actor=world.doc2)


# --- the legal path ------------------------------------------------------------------------------


def test_full_path_up_then_down(world):
    r = up(world)
    r = s.referral_accept(actor=world.desk, referral=r, note="请按时就诊")
    assert r.status == S.ACCEPTED and r.accepted_at
    p = pool(world)
    slot = free_slot(p)
    r = s.referral_schedule(actor=world.desk, referral=r, slot=slot)
    assert r.status == S.SCHEDULED and r.scheduled_at and r.appointment_at == slot.starts_at
    assert Slot.objects.get(pk=slot.pk).referral_id == r.pk
    r = s.referral_complete(actor=world.desk, referral=r)
    assert r.status == S.COMPLETED and r.completed_at
    d = s.referral_refer_down(actor=world.desk, referral=r, reason="术后康复", clinical_summary="出院小结")
    assert d.direction == "down" and d.status == S.REQUESTED and d.up_referral == r
    assert (
        d.from_institution == world.hospital and d.to_institution == world.centre and d.to_team == world.team
    )
    assert d.via_family_doctor is True
    d = s.referral_return(actor=world.doc, referral=d)
    assert d.status == S.RETURNED and d.returned_at
    actions = list(r.events.values_list("action", flat=True))
    assert actions == ["request", "accept", "schedule", "complete", "refer_down"]
    assert list(d.events.values_list("action", flat=True)) == ["request", "return"]
    audited = set(
        AuditEvent.objects.filter(object_type="referrals.referral").values_list("action", flat=True)
    )
    assert {"referral_accept", "referral_schedule", "referral_complete", "referral_return"} <= audited
    assert AuditEvent.objects.filter(action="slot_book").count() == 1


def test_accepted_may_complete_without_a_slot_and_refer_down(world):
    r = to_status(world, S.ACCEPTED)
    d = s.referral_refer_down(actor=world.desk, referral=r, reason="门诊处理后回基层")
    assert d.status == S.REQUESTED
    r = s.referral_complete(actor=world.desk, referral=r)
    assert r.status == S.COMPLETED


def test_reject_needs_a_reason(world):
    r = up(world)
    with pytest.raises(ValidationFailed):
        s.referral_reject(actor=world.desk, referral=r, reason=" ")
    r = s.referral_reject(actor=world.desk, referral=r, reason="本院无此专科")
    assert r.status == S.REJECTED and r.close_reason == "本院无此专科" and r.rejected_at


@pytest.mark.parametrize("status", [S.REQUESTED, S.ACCEPTED, S.SCHEDULED])
def test_sender_cancels_an_open_up_referral(world, status):
    r = to_status(world, status)
    slot_id = Slot.objects.filter(referral=r).values_list("pk", flat=True).first()
    r = s.referral_cancel(actor=world.doc, referral=r, reason="患者已自行就医")
    assert r.status == S.CANCELLED and r.cancelled_at
    if slot_id:  # the booked slot went back to the pool
        assert Slot.objects.get(pk=slot_id).referral_id is None
        assert AuditEvent.objects.filter(action="slot_release").count() == 1


def test_down_referral_cancel_by_hospital_and_refer_down_again(world):
    d = down(world)
    s.referral_cancel(actor=world.desk, referral=d, reason="患者转外地")
    again = s.referral_refer_down(actor=world.desk, referral=d.up_referral, reason="再次下转")
    assert again.status == S.REQUESTED


def test_refer_down_once(world):
    d = down(world)
    with pytest.raises(AlreadyReferredDown):
        s.referral_refer_down(actor=world.desk, referral=d.up_referral, reason="再次")


def test_refer_down_without_contract_goes_to_the_managing_institution(world):
    r = up(world, resident=world.unsigned)
    r = s.referral_accept(actor=world.desk, referral=r)
    d = s.referral_refer_down(actor=world.desk, referral=r, reason="康复")
    assert d.to_institution == world.centre and d.to_team is None and d.via_family_doctor is False
    # With no team named, the institution's teams may take the patient back.
    assert s.referral_return(actor=world.doc, referral=d).status == S.RETURNED


# --- illegal transitions -------------------------------------------------------------------------


def _do(world, referral, action):
    kw = {"actor": world.desk, "referral": referral}
    if action == "accept":
        return s.referral_accept(**kw)
    if action == "reject":
        return s.referral_reject(**kw, reason="x")
    if action == "schedule":
        return s.referral_schedule(**kw, slot=free_slot(pool(world, department=referral.department)))
    if action == "complete":
        return s.referral_complete(**kw)
    if action == "refer_down":
        return s.referral_refer_down(**kw, reason="x")
    if action == "cancel":
        actor = world.doc if referral.direction == "up" else world.desk
        return s.referral_cancel(actor=actor, referral=referral, reason="x")
    if action == "return":
        return s.referral_return(actor=world.doc, referral=referral)
    raise AssertionError(action)


ILLEGAL_UP = [
    (S.REQUESTED, "schedule"),
    (S.REQUESTED, "complete"),
    (S.REQUESTED, "refer_down"),
    (S.REQUESTED, "return"),
    (S.ACCEPTED, "accept"),
    (S.ACCEPTED, "reject"),
    (S.SCHEDULED, "accept"),
    (S.SCHEDULED, "schedule"),
    (S.SCHEDULED, "refer_down"),
    (S.COMPLETED, "accept"),
    (S.COMPLETED, "reject"),
    (S.COMPLETED, "complete"),
    (S.COMPLETED, "cancel"),
    (S.REJECTED, "accept"),
    (S.REJECTED, "cancel"),
    (S.REJECTED, "refer_down"),
    (S.CANCELLED, "accept"),
    (S.CANCELLED, "schedule"),
    (S.CANCELLED, "cancel"),
]


@pytest.mark.parametrize("status,action", ILLEGAL_UP)
def test_illegal_up_transitions_refused(world, status, action):
    r = to_status(world, status)
    with pytest.raises(IllegalTransition) as exc:
        _do(world, r, action)
    assert exc.value.code == "illegal_transition" and exc.value.status == 409
    assert Referral.objects.get(pk=r.pk).status == status


ILLEGAL_DOWN = [
    (S.REQUESTED, "accept"),
    (S.REQUESTED, "complete"),
    (S.REQUESTED, "schedule"),
    (S.REQUESTED, "refer_down"),
    (S.RETURNED, "return"),
    (S.RETURNED, "cancel"),
    (S.CANCELLED, "return"),
]


@pytest.mark.parametrize("status,action", ILLEGAL_DOWN)
def test_illegal_down_transitions_refused(world, status, action):
    d = down(world, status)
    with pytest.raises(IllegalTransition):
        _do(world, d, action)
    assert Referral.objects.get(pk=d.pk).status == status


# --- who may do which step -----------------------------------------------------------------------


def test_the_sender_cannot_receive_and_the_receiver_cannot_cancel(world):
    r = up(world)
    with pytest.raises(Forbidden):
        s.referral_accept(actor=world.doc, referral=r)
    with pytest.raises(Forbidden):
        s.referral_cancel(actor=world.desk, referral=r, reason="x")
    # An institution admin holds the desk permission, but is not the receiving hospital.
    with pytest.raises(Forbidden):
        s.referral_accept(actor=world.centre_admin, referral=r)
    # The commission sees it, and may not act on it.
    with pytest.raises(Forbidden):
        s.referral_accept(actor=world.commission, referral=r)
    assert Referral.objects.get(pk=r.pk).status == S.REQUESTED


def test_other_hospitals_and_teams_get_not_found(world):
    r = up(world, department="骨科")
    with pytest.raises(NotFound):
        s.referral_accept(actor=world.city_desk, referral=r)
    with pytest.raises(NotFound):
        s.referral_cancel(actor=world.doc2, referral=r, reason="x")
    d = down(world)
    with pytest.raises(NotFound):
        s.referral_return(actor=world.doc2, referral=d)
    with pytest.raises(Forbidden):  # the hospital sent it; it cannot also take it back
        s.referral_return(actor=world.desk, referral=d)


def test_scope_of_lists(world):
    from tests.referrals.conftest import World

    r = up(world)
    r2 = up(world, resident=world.unsigned, hospital=world.city_hospital)
    assert set(Referral.objects.visible_to(world.doc)) == {r, r2}
    assert set(Referral.objects.visible_to(world.desk)) == {r}
    assert set(Referral.objects.visible_to(world.city_desk)) == {r2}
    assert set(Referral.objects.visible_to(world.doc2)) == set()
    assert set(Referral.objects.visible_to(world.commission)) == {r, r2}
    assert set(Referral.objects.visible_to(world.centre_admin)) == {r, r2}
    elsewhere = World("370306", "周村区")
    assert set(Referral.objects.visible_to(elsewhere.commission)) == set()


# --- slots on schedule ---------------------------------------------------------------------------


def test_schedule_refuses_wrong_department_hospital_and_taken_slot(world):
    r = to_status(world, S.ACCEPTED)
    ortho = pool(world, department="骨科")
    with pytest.raises(SlotUnavailable):
        s.referral_schedule(actor=world.desk, referral=r, slot=free_slot(ortho))
    cardio = pool(world)
    other = up(world, resident=world.unsigned)
    other = s.referral_accept(actor=world.desk, referral=other)
    slot = free_slot(cardio)
    s.referral_schedule(actor=world.desk, referral=other, slot=slot)
    with pytest.raises(SlotTaken) as exc:
        s.referral_schedule(actor=world.desk, referral=r, slot=slot)
    assert exc.value.code == "slot_taken"
    assert Referral.objects.get(pk=r.pk).status == S.ACCEPTED  # rolled back with the booking
    city_pool = pool(world, hospital=world.city_hospital, actor=world.city_desk)
    with pytest.raises(SlotUnavailable):
        s.referral_schedule(actor=world.desk, referral=r, slot=free_slot(city_pool))


def test_past_slot_cannot_be_booked(world):
    r = to_status(world, S.ACCEPTED)
    p = pool(world)
    slot = free_slot(p)
    Slot.objects.filter(pk=slot.pk).update(starts_at=slot.starts_at - dt.timedelta(days=30))
    with pytest.raises(SlotUnavailable):
        s.referral_schedule(actor=world.desk, referral=r, slot=slot)


def test_slot_book_requires_the_desk(world):
    r = to_status(world, S.ACCEPTED)
    with pytest.raises(Forbidden):
        s.slot_book(actor=world.doc, slot=free_slot(pool(world)), referral=r)
