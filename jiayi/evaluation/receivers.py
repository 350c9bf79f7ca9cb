from django.dispatch import receiver

from jiayi.contracts.signals import contract_changed
from jiayi.registry.signals import key_population_changed

from .rollups import mark_residents, mark_teams


@receiver(contract_changed)
def _contract_changed(sender, contract, **kwargs):
    mark_teams([contract.team_id])


@receiver(key_population_changed)
def _key_population_changed(sender, resident_ids, **kwargs):
    mark_residents(resident_ids)
