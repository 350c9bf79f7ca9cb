"""Business errors of the surveys app (stable codes, Chinese messages)."""

from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import Conflict, ValidationFailed


class AnswerMissing(ValidationFailed):
    code = "survey_answer_missing"
    default_message = _("有必答题未作答")


class AnswerInvalid(ValidationFailed):
    code = "survey_answer_invalid"
    default_message = _("答案不在可选范围内")


class QuestionnaireInactive(ValidationFailed):
    code = "questionnaire_inactive"
    default_message = _("该问卷已停用")


class NoContract(ValidationFailed):
    code = "survey_no_contract"
    default_message = _("没有可评价的签约记录")


class AlreadyAnswered(Conflict):
    code = "survey_already_answered"
    default_message = _("本年度已就该签约填写过此问卷")


class TaskClosed(Conflict):
    code = "callback_task_closed"
    default_message = _("该回访任务已结束")


class EmptyPopulation(ValidationFailed):
    code = "sample_empty_population"
    default_message = _("没有符合条件的签约记录，无法抽样")


class FlagClosed(Conflict):
    code = "qc_flag_closed"
    default_message = _("该质控问题已核查完毕")
