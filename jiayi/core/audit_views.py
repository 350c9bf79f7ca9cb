"""Audit screens (R-SEC-2): who changed what, and who looked at whole IDs and health records."""

import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import queries
from .export import Column, xlsx_response
from .filters import AccessEventFilter, AuditEventFilter, filter_from_request
from .permissions import has_perm, require_perm
from .viewkit import paginate, query_without_page

ACTION_LABELS = {
    "create": _("新增"),
    "update": _("修改"),
    "deactivate": _("停用"),
    "activate": _("启用"),
    "delete": _("删除"),
    "lock": _("登录锁定"),
    "unlock": _("解除锁定"),
    "reset_password": _("重置密码"),
    "import": _("批量导入"),
    "sign": _("签约"),
    "renew": _("续约"),
    "terminate": _("解约"),
    "transfer": _("转移"),
    "add_member": _("添加成员"),
    "remove_member": _("移除成员"),
    "change_head": _("更换户主"),
    "assign_team": _("分配团队"),
    "record_death": _("登记死亡"),
    "end": _("结束"),
}

FIELD_LABELS = {
    "national_id": _("完整身份证号"),
    "phone": _("完整电话"),
    "health_record": _("健康档案"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def model_for(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model, key: str):
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if key in (f.attname, f.name):
            return f
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _field_label(model, key: str) -> str:
    f = _field(model, key)
    return str(f.verbose_name) if f is not None and hasattr(f, "verbose_name") else key


def _choice(model, key: str, value):
    """A stored choice as its Chinese label (e.g. role "finance" → 财政/医保查看)."""
    f = _field(model, key)
    if f is not None and getattr(f, "choices", None) and isinstance(value, str):
        return str(dict(f.flatchoices).get(value, value))
    return value


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff_rows(event) -> list[dict]:
    """Before/after as rows a person can read: field label, old value, new value, changed or not."""
    model = model_for(event.object_type)
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    rows = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        rows.append(
            {
                "field": _field_label(model, key),
                "key": key,
                "before": _display(_choice(model, key, old)) if key in before else "",
                "after": _display(_choice(model, key, new)) if key in after else "",
                "changed": key not in before or key not in after or old != new,
            }
        )
    return rows


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None) if dt else None


AUDIT_COLUMNS = [
    Column(_("时间"), lambda e: _local(e.at), 20),
    Column(_("操作人"), lambda e: e.actor_name, 16),
    Column(_("操作"), lambda e: action_label(e.action), 12),
    Column(_("对象类型"), lambda e: object_type_label(e.object_type), 16),
    Column(_("对象编号"), lambda e: e.object_id, 10),
    Column(_("对象"), lambda e: e.object_repr, 24),
    Column(_("区县代码"), lambda e: e.county_code, 10),
    Column(_("IP地址"), lambda e: e.ip, 16),
    Column(_("修改前"), lambda e: json.dumps(e.before, ensure_ascii=False) if e.before else "", 40),
    Column(_("修改后"), lambda e: json.dumps(e.after, ensure_ascii=False) if e.after else "", 40),
]

ACCESS_COLUMNS = [
    Column(_("时间"), lambda e: _local(e.at), 20),
    Column(_("查看人"), lambda e: e.actor_name, 16),
    Column(_("查看内容"), lambda e: str(FIELD_LABELS.get(e.field, e.field)), 14),
    Column(_("对象类型"), lambda e: object_type_label(e.object_type), 16),
    Column(_("对象编号"), lambda e: e.object_id, 10),
    Column(_("对象"), lambda e: e.object_repr, 24),
    Column(_("区县代码"), lambda e: e.county_code, 10),
    Column(_("IP地址"), lambda e: e.ip, 16),
]


def _decorate(events):
    for e in events:
        if e.actor_id is None and e.actor_name == "system":
            e.actor_name = str(_("系统"))
        e.action_label = action_label(getattr(e, "action", ""))
        e.type_label = object_type_label(e.object_type)
        if hasattr(e, "field"):
            e.field_label = str(FIELD_LABELS.get(e.field, e.field))
    return events


decorate = _decorate


def _list(request, *, events, filter_class, columns, filename, template, tab):
    flt, bad = filter_from_request(filter_class, request)
    qs = flt.filter(events)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(filename, columns, qs.iterator(chunk_size=2000), title=filename)
    page = paginate(request, qs)
    _decorate(page.object_list)
    return render(
        request,
        template,
        {
            "page_obj": page,
            "events": page.object_list,
            "filter": flt,
            "bad_filters": bad,
            "querystring": query_without_page(request),
            "can_export": has_perm(request.user, "core.export"),
            "tab": tab,
            "action_choices": sorted(ACTION_LABELS.items()),
            "field_choices": list(FIELD_LABELS.items()),
        },
    )


def audit_list(request):
    return _list(
        request,
        events=queries.audit_events(request.user),
        filter_class=AuditEventFilter,
        columns=AUDIT_COLUMNS,
        filename=str(_("审计日志")),
        template="core/audit_list.html",
        tab="audit",
    )


def access_list(request):
    return _list(
        request,
        events=queries.access_events(request.user),
        filter_class=AccessEventFilter,
        columns=ACCESS_COLUMNS,
        filename=str(_("敏感信息访问日志")),
        template="core/audit_access_list.html",
        tab="access",
    )


def audit_detail(request, pk: int):
    event = queries.audit_event_get(request.user, pk)
    _decorate([event])
    return render(
        request, "core/audit_detail.html", {"event": event, "rows": diff_rows(event), "tab": "audit"}
    )
