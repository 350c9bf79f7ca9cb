from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "jiayi.teams"
    label = "teams"
