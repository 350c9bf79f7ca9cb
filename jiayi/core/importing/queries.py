"""Reads of import jobs: a user sees the jobs they started; a system admin sees all."""

from jiayi.core import scope as sc
from jiayi.core.models import ImportJob


def import_jobs_visible_to(user):
    qs = ImportJob.objects.select_related("user")
    if user.scope.sees_all:
        return qs
    if user.scope.kind == sc.NONE:
        return qs.none()
    return qs.filter(user=user)


def import_job_get(user, pk) -> ImportJob:
    from jiayi.core.errors import NotFound

    try:
        return import_jobs_visible_to(user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
