import shutil
import subprocess
from urllib.parse import unquote

import pytest
from django.urls import reverse

from jiayi.contracts import services as s
from jiayi.contracts.document import agreement_document, render_pdf
from jiayi.contracts.services import MemberChoice
from jiayi.core.models import AccessEvent, Role
from jiayi.teams.models import Title
from tests.factories import UserFactory

from .conftest import sign_kwargs

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing (apt-get install poppler-utils); CI installs it")
    path = tmp_path / "a.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    # Line breaks may fall inside a phrase: compare without whitespace.
    return "".join(out.stdout.decode("utf-8").split())


@pytest.fixture
def family(world):
    world.doctor.phone = "023-79220001"
    world.doctor.title = Title.ATTENDING
    world.doctor.save()
    world.inst.name = "石会镇卫生院"
    world.inst.save()
    return s.contract_sign_family(
        actor=world.user,
        household=world.household,
        members=[
            MemberChoice(world.grandpa, [world.basic, world.elderly]),
            MemberChoice(world.boy, [world.basic, world.family_pkg]),
        ],
        team=world.team,
        doctor=world.doctor,
        channel="home",
        consent_mode="handwritten",
        signature_png=sign_kwargs(world)["signature_png"],
        resident_paid=True,
    ).agreement


def test_document_content(world, family):
    doc = agreement_document(actor=world.user, agreement=family)
    assert doc.institution == "石会镇卫生院" and doc.party_name == "李大爷"
    assert doc.party_id == world.grandpa.national_id  # whole ID on the document
    assert [p.name for p in doc.people] == ["李大爷", "李小宝"]
    assert doc.people[0].relation == "本人" and doc.people[1].relation == "孙辈"
    assert {b.name for b in doc.packages} == {"基础服务包", "老年人服务包", "家庭服务包"}
    assert any(s.name == "王医生" and s.title == "主治医师" and s.phone == "023-79220001" for s in doc.staff)
    assert any("保密原则" in title for title, _ in doc.clauses)
    assert "有效期为1年" in doc.validity and "视为顺延" in doc.validity
    assert doc.signature_png.startswith(b"\x89PNG") and doc.terminations == []
    # each whole ID shown leaves an access event
    assert AccessEvent.objects.filter(field="national_id").count() == 2


def test_document_masked_without_permission(world, family):
    viewer = UserFactory(username="wjw", role=Role.COMMISSION, region=world.county)
    doc = agreement_document(actor=viewer, agreement=family)
    assert doc.party_id == world.grandpa.id_masked
    assert not AccessEvent.objects.exists()


def test_pdf_text(world, family, tmp_path):
    doc = agreement_document(actor=world.user, agreement=family)
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    for needle in (
        "家庭医生签约服务协议",
        "石会镇卫生院",
        "李大爷",
        "李小宝",
        "老年人服务包",
        "家庭服务包",
        "保密原则",
        "未经签约居民允许，不得提供给第三方",
        world.grandpa.national_id,
        "王医生",
    ):
        assert needle in text, needle


def test_pdf_termination_section(world, family, tmp_path):
    from jiayi.contracts.models import Contract

    c = Contract.objects.get(resident=world.boy)
    s.contract_terminate(
        actor=world.user, contract=c, reason="moved", confirmed_by_team=True, confirmed_by_resident=True
    )
    doc = agreement_document(actor=world.user, agreement=family)
    assert [(t.name, t.reason) for t in doc.terminations] == [("李小宝", "迁出本地")]
    assert "迁出本地" in _pdf_text(render_pdf(doc), tmp_path)


def test_pdf_download_has_chinese_filename(client, world, family):
    client.force_login(world.user)
    r = client.get(reverse("contracts:agreement_pdf", args=[family.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    disposition = r["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "家庭医生签约服务协议-李大爷" in unquote(disposition.split("filename*=UTF-8''")[1])
    assert r.content.startswith(b"%PDF")


def test_online_consent_document(world, tmp_path):
    agreement = s.contract_sign(
        **sign_kwargs(world, channel="online", consent_mode="online", signature_png=None)
    ).agreement
    doc = agreement_document(actor=world.user, agreement=agreement)
    assert doc.signature_png is None and doc.consent == "线上确认"
    assert "线上确认" in _pdf_text(render_pdf(doc), tmp_path)
