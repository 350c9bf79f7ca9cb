"""The preset satisfaction questionnaire (R-EVA-6), loaded by `jiayi load_survey_presets`.

Satisfaction rule of the preset: a response is satisfied when the overall question is answered
4 or 5 on the 1–5 scale ("满意" or "非常满意"); only that question counts toward the rate.
Answering "否" to whether one signed an agreement raises a quality-control flag (被签约).
"""

from django.db import transaction

from jiayi.core.audit import record_write, snapshot

from .models import Question, QuestionKind, Questionnaire

SATISFACTION_CODE = "FD_SATISFACTION"

_TIMELINESS = [
    {"value": "always", "label": "总是及时"},
    {"value": "mostly", "label": "大多数时候及时"},
    {"value": "sometimes", "label": "有时及时"},
    {"value": "rarely", "label": "很少及时"},
]
_PACKAGE = [
    {"value": "all", "label": "全部提供"},
    {"value": "most", "label": "大部分提供"},
    {"value": "few", "label": "少部分提供"},
    {"value": "none", "label": "没有提供"},
    {"value": "unknown", "label": "不清楚"},
]

PRESETS = [
    {
        "code": SATISFACTION_CODE,
        "version": 1,
        "title": "家庭医生签约服务满意度调查",
        "description": "用于居民线上填写和电话回访。总体满意度选 4 或 5 分计为满意。",
        "questions": [
            {
                "code": "knows_signed",
                "text": "您是否与家庭医生签订了签约服务协议？",
                "kind": QuestionKind.YES_NO,
                "denial_values": ["no"],
            },
            {
                "code": "knows_doctor",
                "text": "您是否知道您的家庭医生（团队）是谁、如何联系？",
                "kind": QuestionKind.YES_NO,
            },
            {"code": "attitude", "text": "您对家庭医生的服务态度是否满意？", "kind": QuestionKind.SCALE},
            {
                "code": "timeliness",
                "text": "您需要时，家庭医生能否及时为您提供服务（电话、随访、上门等）？",
                "kind": QuestionKind.SINGLE,
                "options": _TIMELINESS,
            },
            {
                "code": "package",
                "text": "签约服务包中约定的服务项目是否已为您提供？",
                "kind": QuestionKind.SINGLE,
                "options": _PACKAGE,
            },
            {
                "code": "overall",
                "text": "总体来说，您对家庭医生签约服务是否满意？",
                "kind": QuestionKind.SCALE,
                "counts_for_satisfaction": True,
                "satisfied_values": ["4", "5"],
            },
            {
                "code": "suggestion",
                "text": "您对家庭医生签约服务还有什么意见或建议？",
                "kind": QuestionKind.TEXT,
                "required": False,
            },
        ],
    }
]


def load_survey_presets(*, actor=None) -> dict[str, int]:
    """Create the preset questionnaires that are missing (by code and version). Idempotent."""
    created = skipped = 0
    with transaction.atomic():
        for spec in PRESETS:
            if Questionnaire.objects.filter(code=spec["code"], version=spec["version"]).exists():
                skipped += 1
                continue
            qn = Questionnaire.objects.create(
                code=spec["code"],
                version=spec["version"],
                title=spec["title"],
                description=spec["description"],
            )
            for order, q in enumerate(spec["questions"], start=1):
                Question.objects.create(questionnaire=qn, order=order, **q)
            record_write(actor=actor, action="questionnaire_load_preset", obj=qn, after=snapshot(qn))
            created += 1
    return {"created": created, "skipped": skipped}
