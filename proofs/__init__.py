"""The claims and what checks them.

- :mod:`.claims`: the data model (a quantity over a box is < or > a bound);
- :mod:`.theorems`: the paper's Theorems 1-3 as claims, stated as the paper states them;
- :mod:`.rigorous`: what a CERTIFIED verdict rests on, with its trusted base named;
- :mod:`.evidence`: grids, Monte Carlo, backends, benchmarks (evidence, not proof);
- :mod:`.report`: the whole argument, top to bottom;
- :mod:`.networks`: a user's network: the certified tube through all its layers, and per-layer
  (omega, tau) with certified Theorem 1 verdicts over each layer's hull (``verify.py tube``,
  ``verify.py inspect``).
"""
