from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date


class Command(BaseCommand):
    help = (
        "Quality control (R-EVA-7): raise flags for contracts not served for N months, residents who "
        "deny signing, improbable daily service counts and doctors over capacity. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this date (YYYY-MM-DD); default today.")
        parser.add_argument("--county", help="Only this county (6-digit code).")

    def handle(self, *args, **options):
        from jiayi.surveys.quality import qc_run

        today = None
        if options.get("date"):
            today = parse_date(options["date"])
            if today is None:
                raise CommandError("--date must be YYYY-MM-DD")
        self.stdout.write(qc_run(today=today, county=options.get("county")).summary())
