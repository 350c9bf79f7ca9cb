"""Callback screens (回访): samples, the task list, and the task page the interviewer works on."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution

from . import queries, services
from .filters import SampleFilter, TaskFilter, from_get
from .forms import AnswerForm, SampleForm, UnreachableForm
from .models import TaskStatus


def sample_list(request):
    user = request.user
    filters, bad = from_get(SampleFilter, request.GET)
    rows = filters.filter(queries.samples_for(user))
    return render(
        request,
        "surveys/sample_list.html",
        {
            "page_obj": paginate(request, rows),
            "filters": filters,
            "bad_filters": bad,
            "querystring": query_without_page(request),
            "can_draw": has_perm(user, "surveys.callback_sample"),
        },
    )


def sample_create(request):
    user = request.user
    require_perm(user, "surveys.callback_sample")
    form = SampleForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        sample = call_service(
            form,
            services.callback_sample_draw,
            actor=user,
            **{
                "title": data["title"],
                "questionnaire": data["questionnaire"],
                "share_percent": data["share_percent"],
                "count": data["count"],
                "institution": data["institution"],
                "team": data["team"],
                "signed_from": data["signed_from"],
                "signed_to": data["signed_to"],
                "first_only": data["first_only"],
                "seed": data["seed"],
            },
        )
        if sample:
            messages.success(
                request,
                _("已从 %(n)s 份签约中抽取 %(k)s 份，生成回访任务")
                % {"n": sample.population_size, "k": sample.size},
            )
            return redirect("surveys:sample_detail", pk=sample.pk)
    return render(request, "surveys/sample_form.html", {"form": form})


def sample_detail(request, pk):
    user = request.user
    sample = queries.sample_get(user, pk)
    tasks = queries.tasks_for(user).filter(sample=sample)
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _task_export(tasks)
    return render(
        request,
        "surveys/sample_detail.html",
        {
            "sample": sample,
            "progress": queries.sample_progress(sample),
            "page_obj": paginate(request, tasks),
            "querystring": query_without_page(request),
            "can_export": has_perm(user, "core.export"),
        },
    )


def _task_export(tasks):
    columns = [
        Column(_("居民"), lambda t: t.resident.name),
        Column(_("身份证号"), lambda t: t.resident.id_masked, 22),
        Column(_("机构"), lambda t: t.institution.name, 22),
        Column(_("团队"), lambda t: t.team.name, 20),
        Column(_("责任医生"), lambda t: t.contract.doctor.name),
        Column(_("状态"), lambda t: t.get_status_display()),
        Column(_("拨打次数"), lambda t: t.attempts, 8),
        Column(_("回访人"), lambda t: str(t.interviewer or "")),
        Column(_("说明"), lambda t: t.outcome_note, 24),
    ]
    return xlsx_response(_("回访任务"), columns, tasks.iterator(), title=_("回访任务"))


def task_list(request):
    user = request.user
    filters, bad = from_get(TaskFilter, request.GET)
    rows = filters.filter(queries.tasks_for(user))
    return render(
        request,
        "surveys/task_list.html",
        {
            "page_obj": paginate(request, rows),
            "filters": filters,
            "bad_filters": bad,
            "statuses": TaskStatus.choices,
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "querystring": query_without_page(request),
        },
    )


def task_detail(request, pk):
    """Phone the resident (the number is revealed on request and logged), then enter the answers or
    record that the resident could not be reached."""
    user = request.user
    task = queries.task_get(user, pk)
    questionnaire = task.sample.questionnaire
    questions = list(questionnaire.questions.order_by("order"))
    form = AnswerForm(questions=questions)
    unreachable = UnreachableForm()
    if request.method == "POST" and task.status == TaskStatus.PENDING:
        if request.POST.get("action") == "unreachable":
            unreachable = UnreachableForm(request.POST)
            if unreachable.is_valid() and call_service(
                unreachable,
                services.callback_task_mark_unreachable,
                actor=user,
                task=task,
                note=unreachable.cleaned_data["note"],
            ):
                messages.info(request, _("已记录为无法联系"))
                return redirect(_next_url(task))
        else:
            form = AnswerForm(request.POST, questions=questions)
            if form.is_valid() and call_service(
                form,
                services.survey_response_submit,
                actor=user,
                questionnaire=questionnaire,
                task=task,
                answers=form.answers(),
            ):
                messages.success(request, _("回访已完成"))
                return redirect(_next_url(task))
    return render(
        request,
        "surveys/task_detail.html",
        {"task": task, "form": form, "unreachable": unreachable, "qn": questionnaire},
    )


def _next_url(task):
    """After a call, straight to the sample's next pending task (the interviewer works down a list)."""
    nxt = task.sample.tasks.filter(status=TaskStatus.PENDING).exclude(pk=task.pk).order_by("pk").first()
    if nxt is not None:
        return reverse("surveys:task_detail", args=[nxt.pk])
    return reverse("surveys:sample_detail", args=[task.sample_id])


@require_POST
def task_reveal_phone(request, pk):
    user = request.user
    task = queries.task_get(user, pk)
    phone = services.callback_task_reveal_phone(actor=user, task=task)
    task.refresh_from_db()
    ctx = {"task": task, "phone": phone}
    if request.htmx:
        return render(request, "surveys/_phone.html", ctx)
    messages.info(request, _("电话：%(p)s（已记录查看）") % {"p": phone})
    return redirect("surveys:task_detail", pk=task.pk)
