"""The referral screens: thin over the services; scoped; Chinese messages, no 500s."""

import pytest
from django.urls import reverse

from jiayi.referrals.models import Referral, SlotPool

from .conftest import future_date
from .test_services import free_slot, pool, up

pytestmark = pytest.mark.django_db


def test_desk_list_defaults_to_incoming_and_exports(client, world):
    up(world)
    up(world, resident=world.unsigned, hospital=world.city_hospital)
    client.force_login(world.desk)
    r = client.get(reverse("referrals:referral_list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "李大爷" in html and "张三" not in html and "转入" in html
    assert world.signed.id_masked not in html or "*" in world.signed.id_masked
    x = client.get(reverse("referrals:referral_list") + "?status=requested&export=xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("referrals:referral_list") + "?date_from=bad").status_code == 200


def test_doctor_requests_from_a_resident(client, world):
    client.force_login(world.doc)
    url = reverse("referrals:referral_create")
    assert "李大爷" in client.get(url + "?q=李大").content.decode()
    page = client.get(url + f"?resident={world.unsigned.pk}").content.decode()
    assert "非经家庭医生转诊" in page and "区人民医院" in page
    r = client.post(
        url,
        {
            "resident": world.signed.pk,
            "to_institution": world.hospital.pk,
            "department": "心血管内科",
            "urgency": "routine",
            "reason": "血压控制不佳",
        },
    )
    ref = Referral.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("referrals:referral_detail", args=[ref.pk])
    # A second identical request shows the business error on the form, not a 500.
    r = client.post(
        url,
        {
            "resident": world.signed.pk,
            "to_institution": world.hospital.pk,
            "department": "心血管内科",
            "urgency": "routine",
            "reason": "again",
        },
    )
    assert r.status_code == 200 and "在办转诊单" in r.content.decode()
    assert client.get(url + "?resident=999999").status_code == 404


def test_desk_works_the_referral_page(client, world):
    ref = up(world)
    p = pool(world, capacity=2)
    client.force_login(world.desk)
    url = reverse("referrals:referral_detail", args=[ref.pk])
    page = client.get(url).content.decode()
    assert "接收转诊" in page and "办理记录" in page and "取消转诊" not in page
    assert client.post(url, {"action": "accept"}).status_code == 302
    page = client.get(url).content.decode()
    assert "陈主任" in page  # the free slots of the department are offered
    assert client.post(url, {"action": "schedule", "slot": free_slot(p).pk}).status_code == 302
    assert client.post(url, {"action": "complete"}).status_code == 302
    r = client.post(url, {"action": "refer_down", "reason": "康复", "department": "全科"})
    down = Referral.objects.get(direction="down")
    assert r["Location"] == reverse("referrals:referral_detail", args=[down.pk])
    ref.refresh_from_db()
    assert ref.status == "completed"
    r = client.post(url, {"action": "accept"})  # illegal now: a message, back to the page
    assert r.status_code == 302
    assert client.post(url, {"action": "reject", "reject-reason": ""}).status_code in (200, 302)


def test_other_hospital_desk_gets_404_page(client, world):
    ref = up(world)
    client.force_login(world.city_desk)
    r = client.get(reverse("referrals:referral_detail", args=[ref.pk]))
    assert r.status_code == 404


def test_doctor_sees_each_step_and_cannot_accept(client, world):
    ref = up(world)
    client.force_login(world.doc)
    url = reverse("referrals:referral_detail", args=[ref.pk])
    page = client.get(url).content.decode()
    assert "取消转诊" in page and "接收转诊" not in page
    assert client.post(url, {"action": "accept"}).status_code == 403


def test_slot_pool_screens(client, world):
    client.force_login(world.desk)
    url = reverse("referrals:slotpool_create")
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "hospital": world.hospital.pk,
            "department": "心血管内科",
            "kind": "expert",
            "date": future_date(9).isoformat(),
            "start_time": "08:00",
            "capacity": 6,
            "interval_minutes": 20,
        },
    )
    p = SlotPool.objects.get()
    assert r["Location"] == reverse("referrals:slotpool_detail", args=[p.pk])
    assert "心血管内科" in client.get(reverse("referrals:slotpool_list")).content.decode()
    assert client.get(r["Location"]).status_code == 200
    client.force_login(world.doc)
    assert client.get(url).status_code == 403
