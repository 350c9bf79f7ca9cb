from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the preset satisfaction questionnaire (Chinese). Idempotent: existing versions are skipped."

    def handle(self, *args, **options):
        from jiayi.surveys.presets import load_survey_presets

        counts = load_survey_presets()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in counts.items()))
