from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_date

from jiayi.contracts.services import contracts_daily

# The other daily jobs, each idempotent on its own, run after the contracts have moved on:
# (app label, command name, its extra arguments).
FOLLOW_UPS = [("care", "remind", []), ("surveys", "qc", []), ("evaluation", "rollups", ["--daily"])]


class Command(BaseCommand):
    help = (
        "The daily job: expire and renew contracts, then send reminders, run the quality-control "
        "checks and mark the rollups of teams whose residents crossed an age band. Idempotent: run twice in a day, the second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this date (YYYY-MM-DD); default today.")
        parser.add_argument("--contracts-only", action="store_true", help="Only the contract lifecycle.")

    def handle(self, *args, **options):
        day = options.get("date")
        today = parse_date(day) if day else None
        report = contracts_daily(today=today)
        self.stdout.write(report.summary())
        if options["contracts_only"]:
            return
        for label, command, extra in FOLLOW_UPS:
            if apps.is_installed(f"jiayi.{label}"):
                args = [*extra, *(["--date", day] if day else [])]
                call_command(command, *args, stdout=self.stdout, stderr=self.stderr)
