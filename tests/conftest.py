"""Shared test settings.

``SNN_VERIFY_FULL=1`` turns on the heavier sweeps (more hypothesis examples, larger
soundness samples); the default run stays small enough for CI (2 cores, < 10 minutes).
"""
import os

from hypothesis import HealthCheck, Phase, settings

FULL = os.environ.get("SNN_VERIFY_FULL", "") not in ("", "0")

#: the training tests compile many small JAX nets and run each for a few steps: XLA's CPU
#: optimisation level 0 compiles them ~4x faster (set before JAX starts; a user's flags win)
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")

#: CI: a fixed sample (derandomized) and no shrinking, so a failure costs no extra minutes;
#: the failing example is still printed
settings.register_profile(
    "default", max_examples=60, deadline=None, derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "full", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("full" if FULL else "default")
