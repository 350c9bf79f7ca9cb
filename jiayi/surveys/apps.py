from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "jiayi.surveys"
    label = "surveys"
    verbose_name = "满意度与质控"
