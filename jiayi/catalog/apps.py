from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "jiayi.catalog"
    label = "catalog"
