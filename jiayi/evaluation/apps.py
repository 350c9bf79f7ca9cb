from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "jiayi.evaluation"
    label = "evaluation"

    def ready(self):
        from . import permissions, receivers  # noqa: F401  (rollups follow contracts; role table entries)
