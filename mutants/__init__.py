"""Mutation testing of the detectors: realistic provider faults, and who catches them.

Run it with ``make mutants`` (or ``python -m mutants --help``). Modules follow the data flow:
``catalogue`` loads the faults (``faults/*.yaml``) and applies them, ``provider`` serves a
patched scratch copy of ``provider/`` on loopback, ``detectors`` runs the checking commands
against it, ``runner`` does that for the clean provider and every fault, and ``report`` writes the
table, ``results/latest.json`` and ``results/latest.md``. It imports neither ``mockserver`` nor
``provider``: both are run as the commands a team would run.
"""

from __future__ import annotations

from mutants.catalogue import CATEGORIES, Edit, Fault, check_fault, load_catalogue
from mutants.detectors import DETECTORS, Detector, Outcome
from mutants.errors import CatalogueError, MutantsError, ProviderStartError
from mutants.runner import Options, RunResult, TrialResult, run

__all__ = [
    "CATEGORIES",
    "DETECTORS",
    "CatalogueError",
    "Detector",
    "Edit",
    "Fault",
    "MutantsError",
    "Options",
    "Outcome",
    "ProviderStartError",
    "RunResult",
    "TrialResult",
    "check_fault",
    "load_catalogue",
    "run",
]
