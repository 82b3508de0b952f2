r"""The checker's arithmetic: forward-mode AD over plain Arb, and enclosures of wide balls.

:class:`Dual` carries a ball value and its gradient; arithmetic follows the rules of
differentiation, so chain rules come out of the arithmetic.  Where a ball is wide,
products, squares, quotients, ``exp`` and ``sqrt`` are taken from exact endpoints
(:func:`product`, :func:`increasing`: a centred ball product of two wide positive balls
reaches below 0), and ``exp(A) erfc(B)`` is met with the ranges that the decreasing
``erfc`` and ``erfcx`` give (:func:`_exp_erfc_value`), differentiated by

.. math:: \frac{d}{dx}\big(e^{A}\operatorname{erfc}B\big)
          = e^{A}\operatorname{erfc}(B)\,A' - \tfrac{2}{\sqrt\pi}\,e^{D}\,B',\qquad D = A - B^2.

Every choice between two enclosures here (wide or not) is a heuristic between two valid
enclosures; no float decides a bound.  It imports only Arb.
"""
from __future__ import annotations

import functools

from flint import arb, ctx

class Dual:
    """``v + sum_i d_i eps_i``: a ball value and its gradient in (mu, omega, nu, tau).

    Arithmetic follows the rules of differentiation, so the chain rule from (m, s) to the four
    variables, the Jacobian entries' gradients and the spectral norm's gradient all come out
    of the arithmetic.  Plain numbers (int, arb) act as constants.

    >>> x = Dual(arb(3), (arb(1), arb(0), arb(0), arb(0)))
    >>> y = x * x / 2 + 1
    >>> float(y.v.mid()), float(y.d[0].mid())
    (5.5, 3.0)
    """

    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v + o.v, tuple(a + b for a, b in zip(self.d, o.d)))
        return Dual(self.v + o, self.d)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, tuple(-a for a in self.d))

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(product(self.v, o.v, o is self), tuple(self.v * b + o.v * a for a, b in zip(self.d, o.d)))
        return Dual(self.v * o, tuple(a * o for a in self.d))

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Dual):
            q = quotient(self.v, o.v)
            return Dual(q, tuple((a - q * b) / o.v for a, b in zip(self.d, o.d)))
        return Dual(self.v / o, tuple(a / o for a in self.d))

    def __rtruediv__(self, o):
        q = quotient(arb(o), self.v)
        return Dual(q, tuple(-q * a / self.v for a in self.d))


#: a ball whose relative accuracy (Arb's own estimate, in bits) is below this, i.e. whose
#: radius exceeds about 2^-10 (~1e-3) of its midpoint, is multiplied from its endpoints
_WIDE_BITS = 10


def _wide(x):
    return x.rel_accuracy_bits() < _WIDE_BITS


def product(x, y, square=False):
    """``x*y`` of two balls.  A ball product of wide balls overestimates and loses the sign
    (``[1, 3] * [1, 3]`` as balls reaches below 0, so ``s*s`` of a wide ``s`` would
    contain 0): wide factors are multiplied from their exact endpoints, a square as a square."""
    if not (_wide(x) or _wide(y)) or not (x.is_finite() and y.is_finite()):
        return x * y
    lo, hi = x.lower(), x.upper()
    if square:
        out = (lo * lo).union(hi * hi)
        return out.union(arb(0)) if x.contains(0) else out
    return endpoint_product(x, y)


def increasing(f, x):
    """``f`` (increasing) over the ball ``x``: from its exact endpoints where ``x`` is wide
    (Arb's own enclosure of a wide ball is centred, e.g. ``exp`` of one reaches below 0)."""
    if not _wide(x) or not x.is_finite():
        return f(x)
    return f(x.lower()).union(f(x.upper()))


def quotient(x, y):
    """``x/y`` of balls, through the reciprocal's endpoints where ``y`` is wide."""
    if not _wide(y) or not y.is_finite() or y.contains(0):
        return x / y
    return product(x, (1 / y.upper()).union(1 / y.lower()))


def value_of(x):
    return x.v if isinstance(x, Dual) else arb(x)


def grad_of(x, n):
    return x.d if isinstance(x, Dual) else (arb(0),) * n


def exp(x):
    if not isinstance(x, Dual):
        return increasing(arb.exp, arb(x))
    e = increasing(arb.exp, x.v)
    return Dual(e, tuple(e * a for a in x.d))


def sqrt(x):
    """Square root; of a Dual whose value may touch 0 only where it is known to be >= 0."""
    if not isinstance(x, Dual):
        return increasing(arb.sqrt, arb(x).nonnegative_part()) if isinstance(x, arb) else arb(x).sqrt()
    r = increasing(arb.sqrt, x.v.nonnegative_part())
    return Dual(r, tuple(a / (2 * r) for a in x.d))


@functools.lru_cache(maxsize=None)
def _two_over_sqrt_pi(prec):
    return 2 / arb.pi().sqrt()


def _decreasing_range(f, B):
    """The range of a decreasing ``f`` over the ball ``B``: from its exact endpoints."""
    lo, hi = B.lower(), B.upper()
    return f(hi).union(f(lo))


def _exp_erfc_value(A, D, B):
    """``exp(A) erfc(B)`` over balls.  Over a wide ``B`` the plain product of the two factors
    overestimates by orders of magnitude, so it is met with the ranges from monotonicity:
    ``erfc`` and ``erfcx(x) = exp(x^2) erfc(x)`` both decrease, and
    ``exp(A) erfc(B) = exp(D) erfcx(B)`` with ``D = A - B^2``."""
    A, D, B = arb(A), arb(D), arb(B)
    plain = product(exp(A), B.erfc())
    if B.is_exact() or not B.is_finite():
        return plain
    by_erfcx = product(exp(D), _decreasing_range(_erfcx, B))
    if not _wide(B):  # Arb's erfc of a narrow ball is already its range
        return meet(plain, by_erfcx)
    by_erfc = product(exp(A), _decreasing_range(arb.erfc, B))
    return meet(meet(plain, by_erfc), by_erfcx)


def _erfcx(x):
    return (x * x).exp() * x.erfc()


def exp_erfc(A, D, B):
    """``exp(A) erfc(B)`` (:func:`_exp_erfc_value`), differentiated by the rule of the
    module docstring."""
    if not (isinstance(A, Dual) or isinstance(B, Dual)):
        return _exp_erfc_value(A, D, B)
    n = len((A if isinstance(A, Dual) else B).d)
    value = _exp_erfc_value(value_of(A), value_of(D), value_of(B))
    slope = _two_over_sqrt_pi(ctx.prec) * value_of(D).exp()
    return Dual(value, tuple(value * a - slope * b for a, b in zip(grad_of(A, n), grad_of(B, n))))


@functools.lru_cache(maxsize=None)
def _dual_generated(prec):
    from snn_verify.theory.numbers import NumberSystem

    return NumberSystem("arb_dual", exp, sqrt, exp_erfc, arb.pi(), arb(1)).generated()


def generated():
    return _dual_generated(ctx.prec)


def endpoint_product(x, y):
    """The exact range of ``x*y`` over two balls, from the endpoint products."""
    if x > 0 and y > 0:  # both positive: the product increases in each
        return (x.lower() * y.lower()).union(x.upper() * y.upper())
    ends = [a * b for a in (x.lower(), x.upper()) for b in (y.lower(), y.upper())]
    out = ends[0]
    for e in ends[1:]:
        out = out.union(e)
    return out


def meet(a, b):
    """Intersection of two enclosures of one number (balls or Duals, component-wise)."""
    if isinstance(a, Dual):
        return Dual(meet(a.v, b.v), tuple(meet(x, y) for x, y in zip(a.d, b.d)))
    if not a.is_finite():
        return b
    if not b.is_finite():
        return a
    if not a.overlaps(b):
        raise ArithmeticError(f"inconsistent enclosures {a} and {b}")
    return a.intersection(b)


def union(a, b):
    return Dual(a.v.union(b.v), tuple(x.union(y) for x, y in zip(a.d, b.d)))


