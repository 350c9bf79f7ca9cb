from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiayi.core.permissions import has_perm

register = template.Library()

# (key, label, url name, permission)
_TABS = [
    ("questionnaires", _("问卷"), "surveys:questionnaire_list", None),
    ("responses", _("答卷"), "surveys:response_list", "surveys.view_responses"),
    ("satisfaction", _("满意率"), "surveys:satisfaction", "surveys.view_responses"),
    ("samples", _("回访抽样"), "surveys:sample_list", "surveys.callback"),
    ("tasks", _("回访任务"), "surveys:task_list", "surveys.callback"),
    ("qc", _("质控问题"), "surveys:qc_flag_list", "surveys.quality"),
]


@register.inclusion_tag("surveys/_tabs.html", takes_context=True)
def surveys_tabs(context, active):
    user = context["request"].user
    tabs = [
        {"label": label, "url": reverse(name), "active": key == active}
        for key, label, name, perm in _TABS
        if perm is None or has_perm(user, perm)
    ]
    return {"tabs": tabs if len(tabs) > 1 else []}


@register.filter
def pct(value):
    return "—" if value is None else f"{value}%"
