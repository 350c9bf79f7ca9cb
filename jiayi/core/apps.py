from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiayi.core"
    label = "core"
