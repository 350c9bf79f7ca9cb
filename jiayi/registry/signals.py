"""Sent by the registry's writes of key-population records (inside their transaction), so that
derived data kept by other apps (the evaluation rollups) stays in step."""

from django.dispatch import Signal

# kwargs: resident_ids (an iterable of Resident primary keys)
key_population_changed = Signal()
