from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiayi.policy"
    label = "policy"
