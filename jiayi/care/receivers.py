from django.dispatch import receiver

from jiayi.contracts.signals import contract_changed

from .contact import contact_plan_sync


@receiver(contract_changed)
def _sync_contact_plan(sender, contract, **kwargs):
    contact_plan_sync(contract.resident_id)
