"""The evidence side: floating-point grids, Monte Carlo and benchmarks.  Evidence, never
proof: every result made here says so, and nothing on the rigorous side
(:mod:`snn_verify.proofs.rigorous`) imports it.

- :mod:`.grid`: min/max of a quantity over a dense float64 grid;
- :mod:`.montecarlo`: random SELU networks (float32), the one-layer map against g, deep
  trajectories, activation/initialisation comparisons, gradients, finite width;
- :mod:`.frameworks`: the SELU and alpha dropout of installed frameworks (PyTorch, Keras,
  JAX, TensorFlow) against the theory, with z-scores (``verify.py frameworks``);
- :mod:`.backends`: numba CPU and numba CUDA behind one interface;
- :mod:`.bench`, :mod:`.bench_certify`: benchmarks, as ratios against a baseline measured in
  the same run.
"""
