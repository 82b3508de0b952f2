"""The rigorous side: everything a CERTIFIED verdict rests on.  Nothing here imports
:mod:`snn_verify.proofs.evidence` (grids, Monte Carlo), and a test checks it.

- :mod:`.ball`: the Arb namespace (python-flint ball arithmetic, outward rounding) over
  which the generated expressions are evaluated, and ``exp_erfc``;
- :mod:`.interval`: enclosures of the quantities over boxes (monotone faces, mean-value form);
- :mod:`.certify`: branch and bound, verdicts CERTIFIED / REFUTED / UNDECIDED;
- :mod:`.fixed_point`: the Krawczyk enclosure of g's fixed point;
- :mod:`.certificate`: certificates, and :func:`recheck`, which re-verifies one.

Trusted base (what a CERTIFIED verdict and its re-check both rely on):

1. python-flint's Arb ball arithmetic (``arb``: +, -, *, /, sqrt, exp, erfc with outward
   rounding);
2. the generated expressions, :mod:`snn_verify.theory._selu_generated`, derived by sympy
   from the definition of SELU (:mod:`snn_verify.theory.symbolic`; the tests re-derive them
   and compare them with mpmath quadrature at 30 digits);
3. exact decimal parsing of box ends and bounds (``fractions.Fraction``);
4. alpha01 and lambda01 as Arb balls from their closed forms.

Everything else that the engine uses to go fast (the monotone faces, the mean-value form, the
hand-written chain rule, tiling heuristics) is checked, not trusted: :func:`recheck`
re-evaluates every leaf with its own forward-mode evaluator.
"""
