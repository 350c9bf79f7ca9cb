"""Sent by every contract service after a contract changes (inside its transaction), so that
derived data kept by other apps (the care app's contact plans) stays in step."""

from django.dispatch import Signal

# kwargs: contract
contract_changed = Signal()
