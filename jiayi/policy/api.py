"""Policy API (R-POL, R-INT-1).

Other apps read rules with `GET /api/policy/effective?region=<code>&year=<y>`; in Python they call
`jiayi.policy.queries.policy_for(region, year)`. Money and percentages are decimal strings.
"""

from typing import Any

from django.utils.translation import gettext as _
from ninja import ModelSchema, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.registry.models import Region

from . import queries, services
from .filters import PolicyFilter
from .models import PolicySetting

router = Router(tags=["policy"])


class PolicyOut(ModelSchema):
    region_code: str | None
    region_name: str

    class Meta:
        model = PolicySetting
        exclude = ["region", "created_at", "updated_at"]

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_region_name(obj):
        return obj.region_label


class EffectiveOut(Schema):
    region_code: str | None
    year: int
    source_region_code: str | None
    source_label: str
    inherited: bool
    is_builtin: bool
    setting: PolicyOut


class PolicyPatch(ModelSchema):
    class Meta:
        model = PolicySetting
        fields = services.VALUE_FIELDS
        fields_optional = "__all__"


class PolicyCreate(Schema):
    region_code: str | None = None
    year: int
    values: dict[str, Any] = {}


def _region(code: str | None, user):
    if not code:
        return None
    region = Region.objects.visible_to(user).filter(code=code.ljust(12, "0")).first()
    if region is None:
        raise NotFound(_("区域不存在或无权查看"))
    return region


@router.get("/effective", response=EffectiveOut, summary="某区域某年度生效的政策（含继承来源）")
def effective(request, year: int, region: str | None = None):
    reg = _region(region, request.auth)
    eff = queries.policy_for(reg, year)
    return {
        "region_code": reg.code if reg else None,
        "year": year,
        "source_region_code": eff.source_region.code if eff.source_region else None,
        "source_label": eff.source_label,
        "inherited": eff.inherited,
        "is_builtin": eff.is_builtin,
        "setting": eff.setting,
    }


@router.get("/settings", response=list[PolicyOut], summary="政策设置列表")
@paginate(PageNumberPagination)
def list_settings(request, filters: Query[PolicyFilter]):
    return queries.policy_list(request.auth, filters)


@router.get("/settings/{pk}", response=PolicyOut, summary="政策设置详情")
def get_setting(request, pk: int):
    return queries.policy_get(request.auth, pk)


@router.post("/settings", response={201: PolicyOut}, summary="新建政策设置")
def create_setting(request, payload: PolicyCreate):
    region = _region(payload.region_code, request.auth)
    return 201, services.policy_setting_create(
        actor=request.auth, region=region, year=payload.year, values=payload.values
    )


@router.patch("/settings/{pk}", response=PolicyOut, summary="修改政策设置（只传需要修改的项）")
def patch_setting(request, pk: int, payload: PolicyPatch):
    setting = queries.policy_get(request.auth, pk)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        raise ValidationFailed(_("没有需要修改的内容"))
    return services.policy_setting_update(actor=request.auth, setting=setting, changes=changes)
