"""The evaluation app's entries in the shared role table (added here so core stays untouched)."""

from jiayi.core.models import Role
from jiayi.core.permissions import PERMISSIONS

MONITORS = {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE, Role.INSTITUTION_ADMIN}

PERMISSIONS.setdefault("evaluation.view", MONITORS | {Role.TEAM_LEADER})
# Schemes are the commission's rules; settlement is run by the commission and finance.
PERMISSIONS.setdefault("evaluation.change_scheme", {Role.SYSADMIN, Role.COMMISSION})
PERMISSIONS.setdefault("evaluation.run_assessment", {Role.SYSADMIN, Role.COMMISSION})
PERMISSIONS.setdefault("evaluation.run_settlement", {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE})
PERMISSIONS.setdefault(
    "evaluation.enter_costs", {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE, Role.INSTITUTION_ADMIN}
)
PERMISSIONS.setdefault("evaluation.rebuild_rollups", {Role.SYSADMIN})
