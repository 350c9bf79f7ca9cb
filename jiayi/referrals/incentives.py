"""Insurance incentives shown on a referral (R-REF-3), read from the policy of the sending
institution's region for the year of the request — never hard-coded per district."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.policy.schemas import LEVEL_LABELS

from .models import Referral


def _num(value) -> str:
    """5.00 → "5", 33.33 → "33.33": percentages as people write them."""
    d = Decimal(value).normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral() else d, "f")


def incentives_for(referral: Referral) -> list[str]:
    """Chinese lines describing what the resident gains from going through the referral."""
    from jiayi.policy.queries import policy_for

    sender, receiver = referral.from_institution, referral.to_institution
    year = timezone.localtime(referral.requested_at).year
    policy = policy_for(sender.region, year)
    lines = []
    for bonus in policy.referral_reimbursement or []:
        if bonus.get("from_level") == sender.level and bonus.get("to_level") == receiver.level:
            lines.append(
                _("住院报销比例提高 %(points)s 个百分点（%(src)s › %(dst)s 转诊）")
                % {
                    "points": _num(bonus["points"]),
                    "src": _(LEVEL_LABELS[sender.level]),
                    "dst": _(LEVEL_LABELS[receiver.level]),
                }
            )
    if (
        policy.single_deductible_in_alliance
        and sender.alliance_id
        and sender.alliance_id == receiver.alliance_id
    ):
        lines.append(_("在%(alliance)s内转诊住院，只计算一次起付线") % {"alliance": sender.alliance.name})
    if policy.continuous_deductible:
        lines.append(_("按规定逐级转诊住院，起付线可连续计算"))
    if policy.referred_lab_imaging_discount_percent:
        lines.append(
            _("转诊患者的检验、影像检查费用享受不低于 %(percent)s%% 的优惠")
            % {"percent": _num(policy.referred_lab_imaging_discount_percent)}
        )
    if referral.direction == "up" and policy.slot_reserve_percent:
        lead = policy.slot_release_lead_days
        if lead:
            lines.append(
                _("优先使用医院为家庭医生预留的号源（预留 %(percent)s%%，较社会提前 %(days)s 天开放）")
                % {"percent": _num(policy.slot_reserve_percent), "days": lead}
            )
        else:
            lines.append(
                _("优先使用医院为家庭医生预留的号源（预留 %(percent)s%%）")
                % {"percent": _num(policy.slot_reserve_percent)}
            )
    return lines
