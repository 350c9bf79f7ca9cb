"""`jiayi import KIND FILE [--user USERNAME]`: the same import as the page, run here and now."""

import sys
import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from jiayi.core.errors import BusinessError
from jiayi.core.importing.runner import BATCH_SIZE
from jiayi.core.importing.services import import_job_create, import_job_run
from jiayi.core.models import ImportKind, ImportStatus, User

SHOWN = 20


class Command(BaseCommand):
    help = "Import residents, households, key-population lists or population baselines from CSV/XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument(
            "--user", help="import as this user (their permission and scope); default: system"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, kind, file, user=None, batch_size=BATCH_SIZE, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {user!r}")
        try:
            with path.open("rb") as fh:
                job = import_job_create(actor=actor, kind=kind, file=File(fh), file_name=path.name)
        except BusinessError as exc:
            raise CommandError(str(exc.message)) from None
        started = time.monotonic()

        def progress(counts):
            rate = counts.processed / max(time.monotonic() - started, 1e-6)
            total = f"/{counts.total}" if counts.total else ""
            sys.stderr.write(f"\r{counts.processed}{total} rows, {rate:,.0f} rows/s   ")
            sys.stderr.flush()

        job = import_job_run(job_id=job.pk, batch_size=batch_size, on_progress=progress)
        elapsed = time.monotonic() - started
        sys.stderr.write("\n")
        self.stdout.write(
            f"job {job.pk} {job.status}: processed {job.processed}, created {job.created}, "
            f"updated {job.updated}, unchanged {job.unchanged}, rejected {job.rejected} ({elapsed:.1f}s)"
        )
        if job.error:
            self.stderr.write(job.error)
        for r in job.rejections.all()[:SHOWN]:
            self.stderr.write(f"  row {r.row} [{r.column}] {r.reason}")
        if job.rejected > SHOWN:
            self.stderr.write(f"  … {job.rejected - SHOWN} more (see the job page)")
        if job.status == ImportStatus.FAILED or job.rejected:
            sys.exit(1)
