r"""The trusted base: the little that a CERTIFIED verdict *and* its re-check both rely on.

Everything else of :mod:`snn_verify.proofs.rigorous` (the engine's tight enclosures, the
branch and bound, Krawczyk) is checked by :mod:`snn_verify.proofs.rigorous.recheck`, which
imports only this module (plus :mod:`snn_verify.theory` and the claims data model).

1. **Arb** (python-flint ball arithmetic, outward rounding): :data:`PREC` and
   :func:`at_working_precision` set its working precision.
2. **Exact decimals**: a box end or bound written ``"0.1"`` is one tenth
   (:func:`exact`, :func:`decimal_ball`); a float interval becomes a ball containing it
   (:func:`interval_ball`).
3. **The generated expressions** (:mod:`snn_verify.theory._selu_generated`, derived by sympy
   from the definition of SELU) built over *plain* Arb as a
   :class:`snn_verify.theory.numbers.NumberSystem` (:func:`arb_system`): ``exp_erfc(A, D, B)``
   is literally ``exp(A) * erfc(B)``.  Arb's exponent range is unbounded, so this product
   neither overflows nor underflows; it is only loose over wide balls, which the re-check
   avoids by evaluating on small pieces.
4. **alpha01 and lambda01** as Arb balls from their closed forms (:func:`parameters`): with
   the half-line integrals of the generated ``blocks`` at ``m = 0, s = 1``,

   .. math:: \alpha_{01} = -\frac{M_1}{N_1 - N_0},\qquad
             \lambda_{01} = \big(M_2 + \alpha_{01}^2 (N_2 - 2 N_1 + N_0)\big)^{-1/2}.

5. **Digests**: SHA-256 of a certificate's body and of the generated expressions' source.

Example
-------
>>> with ctx.workprec(PREC):
...     lambda_, alpha = parameters()
...     print(lambda_.str(20), alpha.str(20))
[1.0507009873554804934 +/- 1.94e-20] [1.6732632423543772848 +/- 1.71e-20]
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from fractions import Fraction

from flint import arb, ctx

from snn_verify.theory.numbers import NumberSystem

#: working precision of the engine and the checker, in bits (about 24 digits)
PREC = 80


def at_working_precision(fn):
    """Run ``fn`` with python-flint's precision set to :data:`PREC` bits."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with ctx.workprec(PREC):
            return fn(*args, **kwargs)

    return wrapper


# --- exact numbers ----------------------------------------------------------------------------

#: the largest decimal exponent, and the longest decimal text, that :func:`exact` builds
MAX_EXPONENT, MAX_DECIMAL_CHARS = 1000, 2000
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)\s*\Z")


def exact(x):
    """The exact rational value of a decimal string (``"0.1"`` is 1/10) or of a float/int.
    A text longer than :data:`MAX_DECIMAL_CHARS` or with a decimal exponent beyond
    :data:`MAX_EXPONENT` raises ``ValueError`` before any number is built
    (``Fraction("1e-999999999")`` would build ``10**999999999``).

    >>> exact("0.1"), exact(0.5)
    (Fraction(1, 10), Fraction(1, 2))
    >>> exact("1e-999999999")
    Traceback (most recent call last):
    ...
    ValueError: decimal exponent out of range [-1000, 1000]: '1e-999999999'
    """
    if not isinstance(x, str):
        return Fraction(x)
    if len(x) > MAX_DECIMAL_CHARS:
        raise ValueError(f"decimal longer than {MAX_DECIMAL_CHARS} characters")
    match = _EXPONENT.search(x)
    if match and abs(int(match.group(1))) > MAX_EXPONENT:
        raise ValueError(f"decimal exponent out of range [-{MAX_EXPONENT}, {MAX_EXPONENT}]: {x.strip()[:40]!r}")
    return Fraction(x.strip())


def decimal_ball(text):
    """A ball containing the decimal number written in ``text`` (``"0.1"`` is one tenth)."""
    return arb(str(text))


def interval_ball(lo, hi):
    """A ball containing the closed interval ``[lo, hi]`` of two floats (exact when lo == hi)."""
    return arb(lo) if lo == hi else arb(lo).union(arb(hi))


# --- the generated expressions over plain Arb -------------------------------------------------

def arb_exp(x):
    """``exp`` of a ball (Arb's outward-rounded enclosure)."""
    return arb(x).exp()


def arb_sqrt(x):
    """``sqrt`` of a ball (Arb's outward-rounded enclosure)."""
    return arb(x).sqrt()


def plain_exp_erfc(A, D, B):
    """``exp(A) * erfc(B)`` in plain Arb (``D = A - B^2`` is not needed)."""
    return arb(A).exp() * arb(B).erfc()


@functools.lru_cache(maxsize=None)
def _arb_system(prec):
    return NumberSystem("arb", arb_exp, arb_sqrt, plain_exp_erfc, arb.pi(), arb(1))


def arb_system():
    """The plain-Arb :class:`NumberSystem` at the current precision (``PI`` is a ball of it)."""
    return _arb_system(ctx.prec)


@functools.lru_cache(maxsize=None)
def _generated_at(prec):
    return _arb_system(prec).generated()


def generated():
    """The generated functions over plain Arb at the current precision (cached)."""
    return _generated_at(ctx.prec)


@functools.lru_cache(maxsize=None)
def _parameters_at(prec):
    _, M1, M2, N0, _, _, N1, N2 = _generated_at(prec)["blocks"](arb(0), arb(1))
    alpha = -M1 / (N1 - N0)
    lambda_ = 1 / (M2 + alpha * alpha * (N2 - 2 * N1 + N0)).sqrt()
    return lambda_, alpha


def parameters():
    """Balls ``(lambda_, alpha)`` containing the exact lambda01 and alpha01 (module docstring)."""
    return _parameters_at(ctx.prec)


def model_parameters(model):
    """Balls ``(lambda_, alpha, q)`` of a :class:`snn_verify.proofs.claims.Model`: the
    intervals it gives (decimal ends, exact) or alpha01, lambda01; ``q = 1 - rate`` of its
    alpha dropout, or ``None`` without dropout."""
    lambda_, alpha = parameters()
    if model.lambda_:
        lambda_ = decimal_ball(model.lambda_[0]).union(decimal_ball(model.lambda_[1]))
    if model.alpha:
        alpha = decimal_ball(model.alpha[0]).union(decimal_ball(model.alpha[1]))
    q = 1 - decimal_ball(model.dropout) if model.dropout else None
    return lambda_, alpha, q


# --- digests ------------------------------------------------------------------------------------

def digest(body):
    """SHA-256 of a JSON-able dict, keys sorted, no whitespace."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def generated_digest():
    """SHA-256 of the generated expressions' source file."""
    from snn_verify.theory import _selu_generated

    with open(_selu_generated.__file__, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
