"""The rigorous side: everything a CERTIFIED verdict rests on.  Nothing here imports
:mod:`snn_verify.proofs.evidence` (grids, Monte Carlo), and a test checks it.

- :mod:`.trusted`: the trusted base (below), shared by the engine and the checker;
- :mod:`.ball`: the engine's Arb number systems (:class:`snn_verify.theory.numbers.NumberSystem`
  objects: tight ``exp_erfc``, interval arithmetic) and the tiled enclosures in (m, s^2);
- :mod:`.coordinates`: the search's coordinates (``(m, s2)`` for mean and variance,
  ``(m, nu, tau)`` for variance_change, ``(mu, omega, nu, tau)`` for the spectral norm);
- :mod:`.interval`: enclosures of the quantities over boxes (monotone faces, mean-value form,
  the spectral norm's row/column/Frobenius and singular-vector bounds);
- :mod:`.certify`: branch and bound, verdicts CERTIFIED / REFUTED / UNDECIDED;
- :mod:`.fixed_point`: the Krawczyk enclosure of g's fixed point;
- :mod:`.suite`: the theorem suite (``verify.py theorems``);
- :mod:`.certificate`: building and writing certificates;
- :mod:`.recheck`: the checker, which re-verifies a certificate with its own evaluator and
  imports only the trusted base of this package (a test reads its imports).

Trusted base (what a CERTIFIED verdict and its re-check both rely on), all in :mod:`.trusted`:

1. python-flint's Arb ball arithmetic (``arb``: +, -, *, /, sqrt, exp, erfc with outward
   rounding) at :data:`.trusted.PREC` bits;
2. the generated expressions, :mod:`snn_verify.theory._selu_generated`, derived by sympy
   from the definition of SELU (:mod:`snn_verify.theory.symbolic`; the tests re-derive them
   and compare them with mpmath quadrature at 30 digits), built over plain Arb;
3. exact decimal parsing of box ends and bounds (``fractions.Fraction``);
4. alpha01 and lambda01 as Arb balls from their closed forms;
5. SHA-256 digests of a certificate and of the generated expressions.

Everything else that the engine uses to go fast (the erfcx enclosure, interval arithmetic,
tiling, the monotone faces, the mean-value form, the hand-written chain rule, the reduced
coordinates, the spectral norm's extra bounds) is checked, not trusted:
:func:`.recheck.recheck` re-evaluates every leaf with its own forward-mode evaluator over
Arb balls, and recomputes the image of the search box exactly.  A REFUTED verdict rests on mpmath (50 digits) instead.
"""
