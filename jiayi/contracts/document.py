"""The agreement document (R-CON-9, seed 002 annex 1): one content builder, two renderings.

`agreement_document()` builds the content once; the A4 print page (template
`contracts/agreement_print.html`) and the PDF (`render_pdf`, fpdf2) both draw from it, so the two
never say different things. The document shows whole national IDs, so building it for someone
allowed to see them records an access event per person (R-REG-3); others get the masked form.
"""

import base64
import datetime as dt
import functools
import io
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_access
from jiayi.core.errors import BusinessError
from jiayi.core.permissions import has_perm
from jiayi.policy.queries import policy_for
from jiayi.teams.queries import team_memberships

from .models import Agreement, ContractStatus
from .queries import agreement_contracts, latest_contract

DEFAULT_CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_CJK_INDEX = 2  # the Simplified Chinese face inside Noto Sans CJK's collection


class CjkFontMissing(BusinessError):
    code = "cjk_font_missing"
    status = 503
    default_message = _("服务器未安装中文字体（如 Debian 的 fonts-noto-cjk），无法生成PDF")


@dataclass
class StaffLine:
    role: str
    name: str
    title: str
    phone: str


@dataclass
class PersonLine:
    name: str
    id_number: str
    relation: str
    packages: list[str]
    start: dt.date
    end: dt.date


@dataclass
class PackageBlock:
    name: str
    tier: str
    price: Decimal
    fee_public_health: Decimal
    fee_insurance: Decimal
    fee_resident: Decimal
    items: list[str]
    description: str


@dataclass
class TerminationLine:
    name: str
    reason: str
    on: dt.date | None
    note: str


@dataclass
class AgreementDocument:
    title: str
    number: str
    kind: str
    institution: str
    institution_address: str
    institution_phone: str
    team: str
    staff: list[StaffLine]
    party_name: str
    party_id: str
    party_address: str
    relation_header: str
    people: list[PersonLine]
    packages: list[PackageBlock]
    clauses: list[tuple[str, list[str]]]
    validity: str
    channel: str
    consent: str
    signature_png: bytes | None
    leader_name: str
    doctor_name: str
    signed_on: dt.date
    terminations: list[TerminationLine] = field(default_factory=list)
    combination: str = ""

    @property
    def signature_data_url(self) -> str:
        if not self.signature_png:
            return ""
        return "data:image/png;base64," + base64.b64encode(self.signature_png).decode()

    @property
    def filename(self) -> str:
        return _("家庭医生签约服务协议-%(name)s-%(number)s.pdf") % {
            "name": self.party_name,
            "number": self.number,
        }


def _clauses() -> list[tuple[str, list[str]]]:
    """The clauses of the annex-1 template (rights and duties, fees, confidentiality)."""
    return [
        (
            _("一、甲方主要提供基本医疗、国家基本公共卫生服务和乙方签约的服务包项目"),
            [
                _(
                    "（一）基本公共卫生服务：针对签约人群提供国家基本公共卫生服务中相应的服务，"
                    "保证服务的质量和及时性。"
                ),
                _(
                    "（二）基本医疗服务：1. 提供一般常见病、多发病的诊断和治疗；2. 对重点慢性病人开展"
                    "健康管理和评估服务；3. 针对签约居民病情需求提供双向转诊服务，可通过绿色通道优先"
                    "转诊至二、三级医疗机构，并可优先预约专家门诊；4. 签约居民在签约机构就诊享受所在"
                    "机构提供的惠民政策；5. 中医体质辨识和中医药健康指导；6. 利用微信、短信、电话等"
                    "多种途径向签约居民提供健康信息。"
                ),
                _("（三）乙方及家庭成员所选服务包的服务项目见上表。"),
            ],
        ),
        (
            _("二、乙方的义务"),
            [
                _(
                    "乙方自愿接受服务项目，将自己的身体健康状况及变化情况及时告知甲方，积极配合甲方的"
                    "服务。有服务需求时，原则上应先到签约的家庭医生处就诊。"
                )
            ],
        ),
        (
            _("三、收费"),
            [
                _(
                    "甲方提供上述约定的免费服务项目不得另行收取其他费用。提供非约定的医疗卫生服务或向"
                    "非签约居民提供医疗卫生服务，按规定收取费用。协议双方可通过协商，增加、细化个性化"
                    "服务项目，如涉及收费项目，则按照有关文件标准执行。"
                )
            ],
        ),
        (
            _("四、保密原则"),
            [
                _(
                    "甲方有义务对签约居民的电子健康档案、诊疗记录信息保密。除法律法规规定外，未经签约"
                    "居民允许，不得提供给第三方。"
                )
            ],
        ),
    ]


def _validity(agreement: Agreement, start: dt.date, end: dt.date) -> str:
    policy = policy_for(agreement.institution.region, start.year)
    text = _(
        "本协议书一式两份，甲方、乙方各执一份，自双方签字之日起生效，有效期为%(n)s年"
        "（%(start)s 至 %(end)s），有效期内原则上不得解约。"
    ) % {"n": agreement.term_years, "start": start.isoformat(), "end": end.isoformat()}
    renew = []
    if policy.auto_renew_basic:
        renew.append(_("有效期满后，只签基本服务包的，如乙方不提出解约申请，则签约期限视为顺延"))
    if policy.renew_personalised_on_payment:
        renew.append(_("签约个性化服务包的，若及时交纳签约服务费，则签约期限视为顺延"))
    if renew:
        return text + "；".join(renew) + "。"
    return text + _("有效期满后需重新签约。")


def _staff(agreement: Agreement) -> list[StaffLine]:
    out = []
    for m in team_memberships(agreement.team).filter(is_active=True):
        p = m.practitioner
        out.append(StaffLine(m.get_role_display(), p.name, p.get_title_display() if p.title else "", p.phone))
    return out


def _relation(resident, party, household) -> str:
    if resident.pk == party.pk:
        return _("本人")
    if household is not None and household.head_id == party.pk:
        return resident.get_relation_display() or _("其他")
    return resident.get_relation_display() or ""


def _items(package) -> list[str]:
    rows = []
    for pi in package.items.all():
        text = _("%(item)s %(n)s%(unit)s/年") % {"item": pi.item.name, "n": pi.quantity, "unit": pi.item.unit}
        if pi.first_contract_only:
            text += _("（仅首次签约）")
        rows.append(text)
    return rows


def _build(agreement: Agreement, *, whole_ids: bool) -> AgreementDocument:
    contracts = agreement_contracts(agreement)
    party = agreement.party
    household = agreement.household
    people, packages = [], {}
    for c in contracts:
        r = c.resident
        names = []
        for cp in c.packages.all():
            names.append(cp.package.name)
            packages.setdefault(cp.package_id, cp)
        people.append(
            PersonLine(
                name=r.name,
                id_number=r.national_id if whole_ids else r.id_masked,
                relation=_relation(r, party, household),
                packages=names,
                start=c.start,
                end=c.end,
            )
        )
    blocks = []
    for cp in packages.values():
        p = cp.package
        blocks.append(
            PackageBlock(
                name=p.name,
                tier=p.get_tier_display(),
                price=cp.price,
                fee_public_health=cp.fee_public_health,
                fee_insurance=cp.fee_insurance,
                fee_resident=cp.fee_resident,
                items=_items(p),
                description=p.description,
            )
        )
    start = min((c.start for c in contracts), default=agreement.signed_on)
    end = max((c.end for c in contracts), default=agreement.signed_on)
    terminations = []
    for c in contracts:
        last = latest_contract(c)
        if last.status == ContractStatus.TERMINATED:
            terminations.append(
                TerminationLine(
                    last.resident.name,
                    last.get_termination_reason_display(),
                    last.terminated_on,
                    last.termination_note,
                )
            )
    team = agreement.team
    inst = agreement.institution
    combination = "、".join(
        h.name for h in (agreement.combination_district, agreement.combination_city) if h is not None
    )
    return AgreementDocument(
        title=_("家庭医生签约服务协议"),
        number=agreement.number or str(agreement.pk),
        kind=agreement.get_kind_display(),
        institution=inst.name,
        institution_address=inst.address,
        institution_phone=inst.phone,
        team=team.name,
        staff=_staff(agreement),
        party_name=party.name,
        party_id=party.national_id if whole_ids else party.id_masked,
        party_address=party.address or (household.address if household else "") or party.region.name,
        relation_header=_("与乙方关系"),
        people=people,
        packages=blocks,
        clauses=_clauses(),
        validity=_validity(agreement, start, end),
        channel=agreement.get_channel_display(),
        consent=agreement.get_consent_mode_display(),
        signature_png=bytes(agreement.signature_png) if agreement.signature_png else None,
        leader_name=team.leader.name if team.leader_id else "",
        doctor_name=agreement.doctor.name,
        signed_on=agreement.signed_on,
        terminations=terminations,
        combination=combination,
    )


def agreement_document(*, actor, agreement: Agreement, reveal: bool = True) -> AgreementDocument:
    """The document for `actor` (who may see `agreement`). Whole IDs only when asked for (print,
    PDF) and allowed, and then each shown ID leaves an access event; else the masked form."""
    whole = reveal and has_perm(actor, "registry.reveal_national_id")
    with transaction.atomic():
        doc = _build(agreement, whole_ids=whole)
        if whole:
            residents = {agreement.party_id: agreement.party}
            for c in agreement.contracts.select_related("resident"):
                residents.setdefault(c.resident_id, c.resident)
            for r in residents.values():
                record_access(actor=actor, obj=r, field="national_id")
    return doc


# --- PDF ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    """(path, face index) of a Simplified Chinese font; fontconfig first, Debian's path as fallback."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}", "Noto Sans CJK SC:style=Regular"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
        path, _sep, index = out.partition("|")
        if path and "CJK" in path and Path(path).exists():
            return path, int(index or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    if Path(DEFAULT_CJK_FONT).exists():
        return DEFAULT_CJK_FONT, DEFAULT_CJK_INDEX
    raise CjkFontMissing()


def _signature_image(png: bytes | None):
    """The stored signature as a decoded image, or None when it cannot be read (an old or damaged
    upload must not stop the document)."""
    if not png:
        return None
    from PIL import Image

    try:
        img = Image.open(io.BytesIO(png))
        img.load()
        return img
    except (OSError, ValueError, SyntaxError):
        return None


def render_pdf(doc: AgreementDocument) -> bytes:
    """The document as an A4 PDF with the CJK font embedded (subset)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    path, index = cjk_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_title(doc.title)
    pdf.add_page()
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    head = FontFace(fill_color=(235, 238, 240))
    width = pdf.epw

    def bold(on: bool):
        # One face only (loading a CJK collection is most of the cost): emphasis is colour.
        pdf.set_text_color(*((7, 90, 86) if on else (0, 0, 0)))

    def heading(text, size=11):
        pdf.ln(2)
        pdf.set_font("cjk", "", size)
        bold(True)
        pdf.multi_cell(width, 6.5, text, align="L", wrapmode="CHAR", **nl)
        bold(False)
        pdf.set_font("cjk", "", 10)

    def para(text, h=5.6):
        pdf.multi_cell(width, h, text, align="L", wrapmode="CHAR", **nl)

    pdf.set_font("cjk", "", 17)
    bold(True)
    pdf.cell(width, 10, doc.title, align="C", **nl)
    bold(False)
    pdf.set_font("cjk", "", 9)
    pdf.cell(
        width, 5, _("协议编号：%(n)s　签约类型：%(k)s") % {"n": doc.number, "k": doc.kind}, align="C", **nl
    )
    pdf.set_font("cjk", "", 10)

    heading(_("甲方"))
    para(_("签约机构：%(i)s　团队：%(t)s") % {"i": doc.institution, "t": doc.team})
    if doc.institution_address or doc.institution_phone:
        para(
            _("地址：%(a)s　电话：%(p)s")
            % {"a": doc.institution_address or "—", "p": doc.institution_phone or "—"}
        )
    if doc.combination:
        para(_("“1+1+1”组合签约医院：%(h)s") % {"h": doc.combination})
    with pdf.table(
        col_widths=(22, 30, 30, 40), text_align="LEFT", line_height=6, headings_style=head
    ) as table:
        table.row([_("团队角色"), _("姓名"), _("职称"), _("联系电话")])
        for s in doc.staff:
            table.row([s.role, s.name, s.title or "—", s.phone or "—"])

    heading(_("乙方"))
    para(_("姓名：%(n)s　身份证号码：%(id)s") % {"n": doc.party_name, "id": doc.party_id})
    para(_("现住址：%(a)s") % {"a": doc.party_address or "—"})

    heading(_("签约成员及服务包"))
    with pdf.table(
        col_widths=(22, 42, 20, 48, 40), text_align="LEFT", line_height=6, headings_style=head
    ) as table:
        table.row([_("姓名"), _("身份证号码"), doc.relation_header, _("选择服务包"), _("签约期限")])
        for p in doc.people:
            table.row([p.name, p.id_number, p.relation, "、".join(p.packages), f"{p.start} ~ {p.end}"])

    heading(_("服务包及服务项目"))
    for b in doc.packages:
        pdf.set_font("cjk", "", 10)
        para(
            _(
                "%(name)s（%(tier)s）　年收费 %(price)s 元：基本公卫 %(ph)s 元，医保基金 %(ins)s 元，个人 %(res)s 元"
            )
            % {
                "name": b.name,
                "tier": b.tier,
                "price": b.price,
                "ph": b.fee_public_health,
                "ins": b.fee_insurance,
                "res": b.fee_resident,
            }
        )
        pdf.set_font("cjk", "", 9.5)
        if b.items:
            para(_("服务项目：") + "；".join(b.items), h=5.2)
        if b.description:
            para(b.description, h=5.2)
        pdf.set_font("cjk", "", 10)

    pdf.ln(1)
    para(
        _(
            "乙方自愿邀请甲方为其家庭医生服务团队。甲乙双方本着平等、尊重和自愿的原则，签订此协议，接受以下条款的约定："
        )
    )
    for title, paragraphs in doc.clauses:
        heading(title, size=10.5)
        for text in paragraphs:
            para(text)
    heading(_("五、有效期与顺延"), size=10.5)
    para(doc.validity)

    heading(_("签字"))
    para(_("签约渠道：%(c)s　确认方式：%(m)s") % {"c": doc.channel, "m": doc.consent})
    para(_("甲方团队长签字：%(l)s　　责任医生：%(d)s") % {"l": doc.leader_name or "—", "d": doc.doctor_name})
    pdf.cell(42, 8, _("乙方代表签字（按手印）："))
    image = _signature_image(doc.signature_png)
    if image is not None:
        y = pdf.get_y()
        pdf.image(image, x=pdf.l_margin + 44, y=y, h=18)
        pdf.set_y(y + 19)
    elif doc.signature_png:
        pdf.cell(0, 8, _("（签名图片无法显示，原件存档）"), **nl)
    else:
        pdf.cell(0, 8, _("（线上确认）") if doc.consent else "", **nl)
    para(_("签约日期：%(d)s") % {"d": doc.signed_on.isoformat()})

    heading(_("解约"))
    if doc.terminations:
        for t in doc.terminations:
            para(
                _("%(n)s　解约原因：%(r)s　解约时间：%(d)s　%(note)s")
                % {"n": t.name, "r": t.reason, "d": t.on.isoformat() if t.on else "", "note": t.note}
            )
    else:
        para(_("解约原因：________________________________________"))
        para(_("甲方团队长确认签字（盖章）：______________　乙方确认签字（按手印）：______________"))
        para(_("解约时间：______年____月____日"))
    return bytes(pdf.output())
