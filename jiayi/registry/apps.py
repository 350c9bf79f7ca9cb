from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiayi.registry"
    label = "registry"
