"""Hypothesis profiles for the parity tests.

CI sets ``CI``, and hypothesis then loads its built-in ``ci`` profile (derandomized, no example
database, no deadline). We extend that profile, never replace it: the same settings plus a
smaller example budget so the whole suite fits CI's time on two cores. Locally the ``dev``
profile runs; ``HYPOTHESIS_PROFILE=thorough`` runs many more examples.

The composition fuzzer and the edge-value sweep (``test_fuzz_compositions.py``,
``test_edge_values.py``) run long with ``MINIGRAD_FUZZ_EXAMPLES=N``: it sets only their
max_examples, on top of whichever profile is loaded.
"""

import os

from hypothesis import HealthCheck, settings

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=40, suppress_health_check=_SLOW)
settings.register_profile("dev", deadline=None, max_examples=40, suppress_health_check=_SLOW)
settings.register_profile("thorough", deadline=None, max_examples=500, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
