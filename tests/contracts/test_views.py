import base64
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayi.contracts import services as s
from jiayi.contracts.models import Agreement, Contract, ContractStatus
from jiayi.core.models import AccessEvent

from .conftest import PNG, sign_kwargs

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def doc_client(client, world):
    client.force_login(world.user)
    return client


def _post_data(world, **over):
    data = {
        "packages": [str(world.basic.pk)],
        "assignment": f"{world.team.pk}:{world.doctor.pk}",
        "term_years": "1",
        "channel": "clinic",
        "consent_mode": "handwritten",
        "signature": SIGNATURE,
    }
    data.update(over)
    return data


def _sign_url(resident):
    return reverse("contracts:sign", args=[resident.pk])


def _window_excluding_today():
    today = timezone.localdate()
    return ("07-01", "12-31") if today.month <= 6 else ("01-01", "06-30")


def test_sign_page_renders_for_doctor(doc_client, world):
    r = doc_client.get(_sign_url(world.grandpa))
    assert r.status_code == 200
    html = r.content.decode()
    assert "李大爷" in html and world.grandpa.id_masked in html
    assert "65岁及以上老年人" in html  # key population shown
    assert "基础服务包" in html and "老年人服务包" in html  # suited packages offered
    assert "王医生团队 · 王医生" in html  # team and doctor preselectable
    assert "signature_pad.umd.min.js" in html
    # the basic package is ticked, the personalised one only suggested
    assert f'value="{world.basic.pk}"' in html
    assert "推荐" in html


def test_sign_post_signs_and_redirects(doc_client, world):
    r = doc_client.post(_sign_url(world.single), _post_data(world))
    c = Contract.objects.get(resident=world.single)
    assert r.status_code == 302 and r["Location"] == reverse("contracts:contract_detail", args=[c.pk])
    assert c.status == ContractStatus.ACTIVE and c.doctor == world.doctor
    assert bytes(c.agreement.signature_png) == PNG
    page = doc_client.get(r["Location"])
    html = page.content.decode()
    assert "签约成功" in html and "打印协议" in html and "下载PDF" in html


def test_personalised_share_pending_until_paid(doc_client, world):
    data = _post_data(world, packages=[str(world.basic.pk), str(world.elderly.pk)])
    doc_client.post(_sign_url(world.grandpa), data)
    c = Contract.objects.get(resident=world.grandpa)
    assert c.status == ContractStatus.PENDING
    doc_client.post(reverse("contracts:contract_action", args=[c.pk, "payment"]))
    c.refresh_from_db()
    assert c.status == ContractStatus.ACTIVE


@pytest.mark.parametrize(
    "over,message",
    [
        ({"signature": ""}, "请居民在屏幕上签名后再提交"),
        (
            {"signature": "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()},
            "签名图片格式不正确",
        ),
        ({"signature": "data:image/jpeg;base64,/9j/4AAQ"}, "签名图片格式不正确"),
        ({"consent_mode": "online", "signature": ""}, "只有线上签约可以用线上确认"),
        ({"term_years": "4"}, "签约年限"),
        ({"packages": []}, "请选择服务包"),
    ],
)
def test_sign_form_errors_save_nothing(doc_client, world, over, message):
    r = doc_client.post(_sign_url(world.single), _post_data(world, **over))
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not Contract.objects.exists() and not Agreement.objects.exists()


def test_sign_online_channel_online_consent(doc_client, world):
    r = doc_client.post(
        _sign_url(world.single), _post_data(world, channel="online", consent_mode="online", signature="")
    )
    assert r.status_code == 302
    assert Contract.objects.get(resident=world.single).agreement.consent_mode == "online"


def test_sign_business_errors_show_on_form(doc_client, world):
    # packages: a personalised package without the basic one
    r = doc_client.post(_sign_url(world.grandpa), _post_data(world, packages=[str(world.elderly.pk)]))
    assert "须包含一个基础服务包" in r.content.decode()
    # term: 2 years without two continuous years
    world.policy(allowed_terms=[1, 2], multi_year_min_continuous_years=2)
    r = doc_client.post(_sign_url(world.single), _post_data(world, term_years="2"))
    assert "连续签约满 2 年" in r.content.decode()
    # window refused
    start, end = _window_excluding_today()
    world.policy(signing_window_start=start, signing_window_end=end, signing_window_mode="refuse")
    r = doc_client.post(_sign_url(world.single), _post_data(world))
    assert "不在签约时间内" in r.content.decode()
    # capacity
    world.policy(capacity_per_doctor=0, signing_window_mode="off")
    r = doc_client.post(_sign_url(world.single), _post_data(world))
    assert "上限" in r.content.decode()
    assert not Contract.objects.exists()


def test_term_option_disabled_without_continuity(doc_client, world):
    world.policy(allowed_terms=[1, 2], multi_year_min_continuous_years=2)
    html = doc_client.get(_sign_url(world.single)).content.decode()
    assert 'value="2" disabled' in html and "需与该医生连续签约满 2 年" in html


def test_duplicate_warned_before_and_refused(client, world):
    s.contract_sign(**sign_kwargs(world, actor=world.admin, team=world.other_team, doctor=world.doctor2))
    # the institution admin still sees the resident (the team's login no longer does)
    client.force_login(world.admin)
    html = client.get(_sign_url(world.single)).content.decode()
    assert "该居民已与“李医生团队”签约" in html
    r = client.post(_sign_url(world.single), _post_data(world))
    assert "不能重复签约" in r.content.decode()
    assert Contract.objects.filter(resident=world.single).count() == 1


def test_new_signing_search(doc_client, world):
    r = doc_client.get(reverse("contracts:new"), {"q": "李"})
    html = r.content.decode()
    assert "李大爷" in html and _sign_url(world.grandpa) in html
    r = doc_client.get(reverse("contracts:new"), {"q": "李"}, HTTP_HX_REQUEST="true")
    assert "<html" not in r.content.decode() and "李明" in r.content.decode()


def test_family_signing(doc_client, world):
    url = reverse("contracts:sign_family", args=[world.household.pk])
    html = doc_client.get(url).content.decode()
    assert "李大爷" in html and "李小宝" in html and "家庭服务包" in html
    g, son, boy = world.grandpa, world.son, world.boy
    data = _post_data(
        world,
        members=[str(g.pk), str(son.pk), str(boy.pk)],
        party=str(g.pk),
        **{
            f"packages_{g.pk}": [str(world.basic.pk), str(world.elderly.pk)],
            f"packages_{son.pk}": [str(world.basic.pk)],
            f"packages_{boy.pk}": [str(world.basic.pk), str(world.family_pkg.pk)],
        },
        resident_paid="on",
    )
    data.pop("packages")
    r = doc_client.post(url, data)
    agreement = Agreement.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "contracts:agreement_detail", args=[agreement.pk]
    )
    assert agreement.kind == "family" and agreement.party == g and agreement.household == world.household
    assert agreement.contracts.count() == 3
    assert set(Contract.objects.get(resident=g).packages.values_list("package__code", flat=True)) == {
        "BASIC",
        "ELDER",
    }
    # the page of the agreement shows the document with masked IDs
    html = doc_client.get(r["Location"]).content.decode()
    assert "家庭医生签约服务协议" in html and g.id_masked in html and g.national_id not in html


def test_family_blocked_when_member_signed_elsewhere(client, world):
    s.contract_sign(
        **sign_kwargs(
            world, actor=world.admin, resident=world.son, team=world.other_team, doctor=world.doctor2
        )
    )
    url = reverse("contracts:sign_family", args=[world.household.pk])
    data = _post_data(world, members=[str(world.grandpa.pk)], party=str(world.grandpa.pk))
    data[f"packages_{world.grandpa.pk}"] = [str(world.basic.pk)]
    # The household now belongs to the other team: the first team's login does not even see it.
    client.force_login(world.user)
    assert client.get(url).status_code == 404
    # A login that can sign only for the first team but sees the household is told before it starts.
    world.admin.role, world.admin.team = "team_leader", world.team
    world.admin.save()
    client.force_login(world.admin)
    from jiayi.registry.models import Household

    Household.objects.filter(pk=world.household.pk).update(team=None)  # e.g. a household split later
    html = client.get(url).content.decode()
    assert "同户成员 李明 已与“李医生团队”签约" in html
    assert "确认家庭签约" not in html
    client.post(url, data)
    assert Contract.objects.count() == 1


def test_family_rest_joins_the_same_team(client, world):
    s.contract_sign(
        **sign_kwargs(
            world, actor=world.admin, resident=world.son, team=world.other_team, doctor=world.doctor2
        )
    )
    client.force_login(world.admin)  # may sign for both teams of the institution
    url = reverse("contracts:sign_family", args=[world.household.pk])
    html = client.get(url).content.decode()
    assert "李医生团队 · 李医生" in html and "王医生团队 · 王医生" not in html
    assert "已与“李医生团队”签约" in html  # the son, shown as signed already


def test_family_member_without_packages_rejected(doc_client, world):
    url = reverse("contracts:sign_family", args=[world.household.pk])
    data = _post_data(world, members=[str(world.grandpa.pk)], party=str(world.grandpa.pk))
    r = doc_client.post(url, data)
    assert "请为 李大爷 选择服务包" in r.content.decode()
    assert not Contract.objects.exists()


def _three_contracts(world):
    a = s.contract_sign(**sign_kwargs(world)).contracts[0]
    b = s.contract_sign(
        **sign_kwargs(world, resident=world.grandpa, packages=[world.basic, world.elderly])
    ).contracts[0]
    c = s.contract_sign(
        **sign_kwargs(world, actor=world.admin, resident=world.son, team=world.team, doctor=world.doctor2)
    ).contracts[0]
    return a, b, c


def test_list_filters_and_export(doc_client, world):
    a, b, c = _three_contracts(world)
    url = reverse("contracts:contract_list")

    def names(params):
        r = doc_client.get(url, params)
        assert r.status_code == 200
        return {x.resident.name for x in r.context["page_obj"]}

    assert names({}) == {"张三", "李大爷", "李明"}
    assert names({"status": "pending"}) == {"李大爷"}
    assert names({"status": "in_force"}) == {"张三", "李大爷", "李明"}
    assert names({"doctor": world.doctor2.pk}) == {"李明"}
    assert names({"package": world.elderly.pk}) == {"李大爷"}
    assert names({"q": "李"}) == {"李大爷", "李明"}
    assert names({"q": world.single.national_id}) == {"张三"}
    assert names({"kind": "family"}) == set()
    assert names({"expiring_days": 30}) == set()
    assert names({"expiring_days": 400}) == {"张三", "李大爷", "李明"}
    today = timezone.localdate()
    assert names({"signed_from": (today + dt.timedelta(days=1)).isoformat()}) == set()
    assert names({"signed_to": today.isoformat(), "team": world.team.pk}) == {"张三", "李大爷", "李明"}
    # a malformed filter is dropped and reported, not a 500
    r = doc_client.get(url, {"expiring_days": "abc"})
    assert r.status_code == 200 and r.context["bad_filters"] == ["expiring_days"]
    r = doc_client.get(url, {"status": "pending", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "协议编号" and len(rows) == 2 and rows[1][1] == "李大爷"


def test_contract_page_and_actions(doc_client, world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    url = reverse("contracts:contract_detail", args=[c.pk])
    html = doc_client.get(url).content.decode()
    assert "履约中" in html and "基础服务包" in html and "解约" in html and "签约" in html

    doc_client.post(
        reverse("contracts:contract_action", args=[c.pk, "reassign"]), {"doctor": world.doctor2.pk}
    )
    c.refresh_from_db()
    assert c.doctor == world.doctor2

    doc_client.post(reverse("contracts:contract_action", args=[c.pk, "opt_out"]))
    c.refresh_from_db()
    assert c.renewal_opt_out

    # termination needs both confirmations: refused with the message, nothing changed
    r = doc_client.post(
        reverse("contracts:contract_action", args=[c.pk, "terminate"]),
        {"reason": "moved", "on": timezone.localdate().isoformat(), "confirmed_by_team": "on"},
        follow=True,
    )
    assert "解约须经甲乙双方确认" in r.content.decode()
    c.refresh_from_db()
    assert c.status == ContractStatus.ACTIVE
    doc_client.post(
        reverse("contracts:contract_action", args=[c.pk, "terminate"]),
        {
            "reason": "moved",
            "on": timezone.localdate().isoformat(),
            "confirmed_by_team": "on",
            "confirmed_by_resident": "on",
        },
    )
    c.refresh_from_db()
    assert c.status == ContractStatus.TERMINATED and c.termination_reason == "moved"
    html = doc_client.get(url).content.decode()
    assert "已解约" in html and "迁出本地" in html and "更换责任医生" in html  # history


def test_renew_action_refused_too_early(doc_client, world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    r = doc_client.post(
        reverse("contracts:contract_action", args=[c.pk, "renew"]), {"term_years": "1"}, follow=True
    )
    assert "天内才能续约" in r.content.decode()
    assert Contract.objects.count() == 1


def test_out_of_scope_contract_is_404(client, world):
    c = s.contract_sign(
        **sign_kwargs(world, actor=world.admin, team=world.other_team, doctor=world.doctor2)
    ).contracts[0]
    client.force_login(world.user)  # the other team's leader's login sees only its own team
    assert client.get(reverse("contracts:contract_detail", args=[c.pk])).status_code == 404
    assert client.get(reverse("contracts:agreement_print", args=[c.agreement_id])).status_code == 404
    assert client.get(reverse("contracts:agreement_pdf", args=[c.agreement_id])).status_code == 404
    r = client.post(reverse("contracts:contract_action", args=[c.pk, "opt_out"]))
    assert r.status_code == 404
    c.refresh_from_db()
    assert not c.renewal_opt_out


def test_print_page_shows_whole_id_and_logs_access(doc_client, world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    r = doc_client.get(reverse("contracts:agreement_print", args=[c.agreement_id]))
    html = r.content.decode()
    assert r.status_code == 200 and "@page" in html and "size: A4" in html
    assert world.single.national_id in html and "保密原则" in html and "data:image/png;base64," in html
    assert AccessEvent.objects.filter(object_id=str(world.single.pk), field="national_id").count() == 1


def test_registry_pages_link_to_signing(doc_client, world):
    s.contract_sign(**sign_kwargs(world, resident=world.son))
    r = doc_client.get(reverse("contracts:resident_panel", args=[world.grandpa.pk]))
    assert _sign_url(world.grandpa) in r.content.decode()
    r = doc_client.get(reverse("contracts:resident_panel", args=[world.son.pk]))
    assert "当前签约：“王医生团队”" in r.content.decode()
    r = doc_client.get(reverse("contracts:household_panel", args=[world.household.pk]))
    assert reverse("contracts:sign_family", args=[world.household.pk]) in r.content.decode()
    page = doc_client.get(reverse("registry:resident_detail", args=[world.grandpa.pk])).content.decode()
    assert reverse("contracts:resident_panel", args=[world.grandpa.pk]) in page
    page = doc_client.get(reverse("registry:household_detail", args=[world.household.pk])).content.decode()
    assert reverse("contracts:household_panel", args=[world.household.pk]) in page
