from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load the service item catalogue and the package presets (Zhoucun 2017 basic/intermediate/"
        "advanced, Yueyang 2022 basic, general menu packages). Idempotent: existing codes are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--package", action="append", help="load only this package code (repeatable)")

    def handle(self, *args, package=None, **options):
        from jiayi.catalog.presets import load_catalog_presets

        counts = load_catalog_presets(only=set(package) if package else None)
        self.stdout.write(", ".join(f"{k}={v}" for k, v in counts.items()))
