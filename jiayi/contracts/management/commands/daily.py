from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_date

from jiayi.contracts.services import contracts_daily


class Command(BaseCommand):
    help = "The daily job: expire and renew contracts (idempotent; safe to run twice a day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this date (YYYY-MM-DD); default today.")

    def handle(self, *args, **options):
        today = parse_date(options["date"]) if options.get("date") else None
        report = contracts_daily(today=today)
        self.stdout.write(report.summary())
