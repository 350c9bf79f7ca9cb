"""The registry's import kinds (R-INT-2), run by the framework in jiayi.core.importing."""

from .baselines import BaselineImporter
from .households import HouseholdImporter
from .key_populations import KeyPopulationImporter
from .residents import ResidentImporter

__all__ = ["BaselineImporter", "HouseholdImporter", "KeyPopulationImporter", "ResidentImporter"]
