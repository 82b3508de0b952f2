"""A user's network, layer by layer: what the theory says of *these* weights.

- :mod:`.tube`: the certified tube of (mean, variance) through the whole network, beside its
  Monte Carlo evidence and the mean-field prediction (``verify.py tube``, and the first answer
  of ``verify.py inspect``);
- :mod:`.inspect_weights`: per-layer (omega, tau) and certified Theorem 1 verdicts over each
  layer's hull, and the loaders of npz, safetensors and torch files.
"""
