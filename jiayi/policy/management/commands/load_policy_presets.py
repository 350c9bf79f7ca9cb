from django.core.management.base import BaseCommand, CommandError

from jiayi.registry.models import Region


class Command(BaseCommand):
    help = (
        "Load the policy presets (national 2022, Qianjiang 2024, Pudong 2023, Zhoucun 2017, Yueyang 2022). "
        "Idempotent: an existing setting is left alone unless --reset. --preset NAME picks one; "
        "--region CODE alone picks the presets of that region, with --preset it attaches that preset "
        "to region CODE instead of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", help="preset name, e.g. qianjiang_2024")
        parser.add_argument("--region", help="12-digit (or 6-digit county) region code")
        parser.add_argument("--reset", action="store_true", help="re-apply preset values over edits")

    def handle(self, *args, preset=None, region=None, reset=False, **options):
        from jiayi.policy.presets import all_presets, load_preset

        presets = all_presets()
        if preset:
            if preset not in presets:
                raise CommandError(f"unknown preset {preset!r}; known: {', '.join(sorted(presets))}")
            chosen = [presets[preset]]
        else:
            chosen = list(presets.values())
        target = None
        if region:
            code = region.ljust(12, "0")
            if preset:
                target = Region.objects.filter(code=code).first()
                if target is None:
                    raise CommandError(f"region {code} does not exist")
            else:
                chosen = [p for p in chosen if p.region_code == code]
                if not chosen:
                    raise CommandError(f"no preset for region {code}")
        for p in chosen:
            setting, outcome = load_preset(p, region=target, reset=reset)
            self.stdout.write(f"{p.name}: {setting} {outcome}")
