from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "jiayi.referrals"
    label = "referrals"
    verbose_name = "双向转诊"
