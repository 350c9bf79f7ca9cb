"""Background tasks of the core app (django-tasks; the worker is `jiayi db_worker`)."""

from django_tasks import task


@task()
def run_import_job(job_id: int) -> dict:
    from jiayi.core.importing.services import import_job_run

    job = import_job_run(job_id=job_id)
    return {"status": job.status, "processed": job.processed, "rejected": job.rejected}


def enqueue_import_job(job) -> None:
    """Queue a job's run; the job's row is committed already, so the worker can find it."""
    result = run_import_job.enqueue(job.pk)
    # The immediate backend has run the job by now: do not overwrite its outcome.
    type(job).objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
