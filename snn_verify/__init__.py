"""snn-verify: a numerical theory verifier for Self-Normalizing Neural Networks (SELU;
Klambauer, Unterthiner, Mayr, Hochreiter, NeurIPS 2017).

One import name, three parts, imports going one way (``theory`` <- ``proofs`` <- ``figures``):

- :mod:`snn_verify.theory`: the mathematics.  The moment map g, its Jacobian, alpha01 and
  lambda01, alpha dropout, other activations; one number-system object per arithmetic
  over which the sympy-generated expressions are built; the quantity registry.
- :mod:`snn_verify.proofs`: the claims (the paper's theorems as data) and what checks them,
  in two subpackages that show the trust boundary:

  - :mod:`snn_verify.proofs.rigorous`: everything a CERTIFIED verdict rests on (Arb ball
    arithmetic, branch and bound, certificates and their independent re-check); its
    ``__init__`` names the trusted base;
  - :mod:`snn_verify.proofs.evidence`: float64 grids, Monte Carlo, the numba CPU/CUDA
    backends and the benchmarks: evidence, never proof.

  :mod:`snn_verify.proofs.report` reads the argument top to bottom.
- :mod:`snn_verify.figures`: one module per figure.

:mod:`snn_verify.cli` is the command line (``snn-verify``, or ``python verify.py`` in a
checkout).

In a source checkout the three folders sit beside this one (``theory/``, ``proofs/``,
``figures/``); setuptools' ``package-dir`` installs them under ``snn_verify/``, and here the
package's search path is extended to the checkout's root so that ``snn_verify.theory`` is
``theory/`` without an install.
"""
import os as _os

__version__ = "0.2.0"

_CHECKOUT = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_CHECKOUT, "theory", "_selu_generated.py")) and not _os.path.isdir(
        _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "theory")):
    __path__.append(_CHECKOUT)  # noqa: F821 -- a package's __path__
