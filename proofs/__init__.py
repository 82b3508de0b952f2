"""The claims and what checks them.

- :mod:`.claims`: the data model (a quantity over a box is < or > a bound);
- :mod:`.theorem1`, :mod:`.theorem2`, :mod:`.theorem3`: the paper's theorems as claims,
  gathered by :mod:`.theorems`;
- :mod:`.rigorous`: what a CERTIFIED verdict rests on, with its trusted base named;
- :mod:`.evidence`: grids, Monte Carlo, backends, benchmarks (evidence, not proof);
- :mod:`.report`: the whole argument, top to bottom;
- :mod:`.inspect_weights`: a user's trained network: per-layer (omega, tau) and certified
  Theorem 1 verdicts over each layer's hull (``verify.py inspect``).
"""
