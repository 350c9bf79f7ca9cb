from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "jiayi.contracts"
    label = "contracts"
