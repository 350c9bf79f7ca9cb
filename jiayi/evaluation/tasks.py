"""Background tasks of the evaluation app (django-tasks; the worker is `jiayi db_worker`)."""

from django_tasks import task


@task()
def refresh_rollups() -> dict:
    from .rollups import refresh_dirty

    return {"teams": refresh_dirty()}
