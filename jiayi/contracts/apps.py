from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "jiayi.contracts"
    label = "contracts"

    def ready(self):
        from jiayi.catalog.services import register_signed_check, register_signed_counter

        from .models import ContractPackage

        # A package version that any contract carries is never edited in place (R-PKG-1). Asked of
        # the contracts, not kept as a counter on the package: a counter would be one row that every
        # signing in the province locks.
        register_signed_check(lambda package: ContractPackage.objects.filter(package=package).exists())
        register_signed_counter(lambda package: ContractPackage.objects.filter(package=package).count())
