import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jiayi.core.models import AccessEvent, Role
from jiayi.registry import services
from jiayi.registry.models import Household, Resident
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def family(world, resident_a):
    hh = HouseholdFactory(code="HH-LI-01", institution=world.a, region=world.v1, address="东一村2组")
    services.household_add_member(actor=world.u.doctor, household=hh, resident=resident_a, relation="head")
    son = ResidentFactory(name="李小明", institution=world.a, region=world.v1, phone="13900002222")
    services.household_add_member(actor=world.u.doctor, household=hh, resident=son, relation="child")
    return hh, resident_a, son


def test_every_page_renders(world, family, resident_b):
    hh, head, son = family
    community = services.community_create(
        actor=world.u.doctor, name="敬老院", kind="nursing_home", region=world.v1, institution=world.a
    )
    c = _client(world.u.admin)
    urls = [
        reverse("registry:resident_list"),
        reverse("registry:resident_detail", args=[head.pk]),
        reverse("registry:resident_create"),
        reverse("registry:resident_edit", args=[head.pk]),
        reverse("registry:household_list"),
        reverse("registry:household_detail", args=[hh.pk]),
        reverse("registry:household_create"),
        reverse("registry:household_change_head", args=[hh.pk]) + f"?new_head={son.pk}",
        reverse("registry:community_list"),
        reverse("registry:community_detail", args=[community.pk]),
        reverse("registry:community_create"),
        reverse("registry:community_edit", args=[community.pk]),
        reverse("registry:institution_list"),
        reverse("registry:institution_detail", args=[world.a.pk]),
        reverse("registry:institution_create"),
        reverse("registry:institution_edit", args=[world.a.pk]),
        reverse("registry:region_list"),
        reverse("registry:region_detail", args=[world.county.pk]),
        reverse("registry:baseline_list"),
    ]
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url


def test_resident_list_masks_and_searches(world, family, resident_b):
    hh, head, son = family
    c = _client(world.u.doctor)
    url = reverse("registry:resident_list")
    page = c.get(url).content.decode()
    assert head.id_masked in page and head.national_id not in page
    assert "138****1111" in page and "13800001111" not in page
    assert "王大妈" not in page  # another institution's resident
    assert "李小明" in c.get(url, {"q": "李小"}).content.decode()
    assert "李大爷" not in c.get(url, {"q": "李小"}).content.decode()
    assert "李大爷" in c.get(url, {"q": head.national_id}).content.decode()
    assert "李小明" in c.get(url, {"q": "139 0000 2222"}).content.decode()
    by_household = c.get(url, {"q": "HH-LI-01"}).content.decode()
    assert "李大爷" in by_household and "李小明" in by_household
    assert "李大爷" in c.get(url, {"region": world.v1.pk}).content.decode()
    assert "李大爷" not in c.get(url, {"region": world.v2.pk}).content.decode()
    assert "王大妈" not in c.get(url, {"q": resident_b.national_id}).content.decode()
    assert c.get(url, {"age_min": "abc"}).status_code == 200  # a bad value is ignored, not a 500


def test_resident_list_export_xlsx(world, family, resident_b):
    c = _client(world.u.inst_a)
    r = c.get(reverse("registry:resident_list"), {"q": "李", "export": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][:5] == ("姓名", "性别", "出生日期", "年龄", "身份证号")
    names = {row[0] for row in rows[1:]}
    assert names == {"李大爷", "李小明"}
    assert all("*" in row[4] for row in rows[1:])


def test_detail_masked_and_reveal_logs(world, family):
    hh, head, son = family
    c = _client(world.u.doctor)
    page = c.get(reverse("registry:resident_detail", args=[head.pk])).content.decode()
    assert head.id_masked in page and head.national_id not in page and "显示完整身份证号" in page
    r = c.post(reverse("registry:resident_reveal_id", args=[head.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and head.national_id in r.content.decode()
    assert (
        AccessEvent.objects.filter(object_id=str(head.pk), field="national_id", actor=world.u.doctor).count()
        == 1
    )
    assert c.get(reverse("registry:resident_reveal_id", args=[head.pk])).status_code == 405


def test_out_of_scope_pages_are_404(world, resident_b):
    c = _client(world.u.doctor)
    assert c.get(reverse("registry:resident_detail", args=[resident_b.pk])).status_code == 404
    assert c.post(reverse("registry:resident_reveal_id", args=[resident_b.pk])).status_code == 404
    hh = HouseholdFactory(institution=world.b, region=world.v2)
    assert c.get(reverse("registry:household_detail", args=[hh.pk])).status_code == 404


def test_finance_has_no_people_pages(world):
    c = _client(world.u.finance)
    assert c.get(reverse("registry:resident_list")).status_code == 403
    assert c.get(reverse("registry:institution_list")).status_code == 200


def test_create_resident_form_shows_chinese_id_error(world):
    c = _client(world.u.doctor)
    data = {
        "name": "张三",
        "national_id": "110105194912310021",
        "region": world.v1.pk,
        "institution": world.a.pk,
        "residence_status": "resident",
        "insurance_type": "urban_rural",
    }
    r = c.post(reverse("registry:resident_create"), data)
    assert r.status_code == 200 and "身份证号码校验位错误" in r.content.decode()
    data["national_id"] = "11010519491231002X"
    r = c.post(reverse("registry:resident_create"), data)
    assert r.status_code == 302
    r = c.post(reverse("registry:resident_create"), data)
    assert "该身份证号码的居民已登记" in r.content.decode()
    assert Resident.objects.count() == 1


def test_edit_keeps_secret_fields_when_blank(world, resident_a):
    c = _client(world.u.doctor)
    data = {
        "name": "李大爷改",
        "national_id": "",
        "phone": "",
        "region": world.v1.pk,
        "institution": world.a.pk,
        "residence_status": "resident",
        "insurance_type": "employee",
    }
    r = c.post(reverse("registry:resident_edit", args=[resident_a.pk]), data)
    assert r.status_code == 302
    resident_a.refresh_from_db()
    assert resident_a.name == "李大爷改" and resident_a.phone == "13800001111"
    assert resident_a.insurance_type == "employee"


def test_household_pages_add_search_change_head(world, family):
    hh, head, son = family
    loner = ResidentFactory(name="李三", institution=world.a, region=world.v1)
    c = _client(world.u.doctor)
    url = reverse("registry:household_detail", args=[hh.pk])
    found = c.get(
        url, {"member_q": "李"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidates"
    ).content.decode()
    assert "李三" in found and "李小明" not in found  # only residents without a household
    r = c.post(
        reverse("registry:household_add_member", args=[hh.pk]),
        {"resident": loner.pk, "relation": "grandchild"},
    )
    assert r.status_code == 302 and Resident.objects.get(pk=loner.pk).household == hh
    change = reverse("registry:household_change_head", args=[hh.pk])
    page = c.post(change, {"new_head": son.pk, "pick": "1"}).content.decode()
    assert "确认更换" in page
    r = c.post(
        change, {"new_head": son.pk, "confirm": "1", f"rel_{head.pk}": "parent", f"rel_{loner.pk}": "child"}
    )
    assert r.status_code == 302
    hh.refresh_from_db()
    assert hh.head == son
    assert Resident.objects.get(pk=loner.pk).relation == "child"


def test_death_form_with_new_head(world, family):
    hh, head, son = family
    c = _client(world.u.doctor)
    r = c.post(
        reverse("registry:resident_death", args=[head.pk]),
        {"deceased_on": str(dt.date.today()), "new_head": son.pk},
    )
    assert r.status_code == 302
    assert Household.objects.get(pk=hh.pk).head == son


def test_keypopulation_add_refuses_derived_via_page(world, resident_a):
    c = _client(world.u.doctor)
    url = reverse("registry:keypopulation_add", args=[resident_a.pk])
    c.post(url, {"kind": "hypertension", "source": "his"})
    assert resident_a.key_populations.count() == 1
    r = c.post(url, {"kind": "elderly", "source": "his"}, follow=True)
    assert resident_a.key_populations.count() == 1 and "重点人群信息填写有误" in r.content.decode()


def test_baseline_page_set(world):
    c = _client(world.u.inst_a)
    r = c.post(
        reverse("registry:baseline_list"),
        {"institution": world.a.pk, "year": 2024, "population": "all", "count": 23000, "source": "统计局"},
    )
    assert r.status_code == 302
    page = c.get(reverse("registry:baseline_list")).content.decode()
    assert "23000" in page
    doctor = _client(world.u.doctor)
    assert doctor.post(reverse("registry:baseline_list"), {"count": 1}).status_code == 403


def test_region_drill_down_and_add(world):
    c = _client(world.u.commission)
    page = c.get(reverse("registry:region_detail", args=[world.t1.pk])).content.decode()
    assert "东一村" in page and "黔江区" in page
    r = c.post(
        reverse("registry:region_detail", args=[world.t1.pk]),
        {"code": "500114001005", "name": "东五村", "level": "village"},
    )
    assert r.status_code == 302
    bad = c.post(
        reverse("registry:region_detail", args=[world.t1.pk]),
        {"code": "500114009005", "name": "x", "level": "village"},
    )
    assert "应以上级代码" in bad.content.decode()


def test_resident_role_sees_only_self(world, resident_a, resident_b):
    me = UserFactory(username="jumin", role=Role.RESIDENT, resident=resident_a)
    c = _client(me)
    page = c.get(reverse("registry:resident_list")).content.decode()
    assert "李大爷" in page and "王大妈" not in page
