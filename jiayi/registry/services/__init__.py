"""Registry writes (R-REG). Every page, API endpoint, import and command calls these functions."""

from ._common import UNSET
from .groups import (
    community_add_member,
    community_create,
    community_remove_member,
    community_update,
    keypopulation_add,
    keypopulation_end,
)
from .households import (
    household_add_member,
    household_change_head,
    household_create,
    household_remove_member,
    household_update,
    household_update_member,
)
from .org import baseline_set, institution_create, institution_update, region_create, region_update
from .residents import (
    resident_assign_team,
    resident_create,
    resident_record_death,
    resident_reveal_national_id,
    resident_update,
)

__all__ = [
    "UNSET",
    "baseline_set",
    "community_add_member",
    "community_create",
    "community_remove_member",
    "community_update",
    "household_add_member",
    "household_change_head",
    "household_create",
    "household_remove_member",
    "household_update",
    "household_update_member",
    "institution_create",
    "institution_update",
    "keypopulation_add",
    "keypopulation_end",
    "region_create",
    "region_update",
    "resident_assign_team",
    "resident_create",
    "resident_record_death",
    "resident_reveal_national_id",
    "resident_update",
]
