from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "jiayi.care"
    label = "care"

    def ready(self):
        from . import receivers  # noqa: F401  (keeps contact plans in step with contracts)
