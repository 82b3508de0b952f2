r"""Symbolic derivation of the SELU moment map (sympy).

This module is the mathematics of the paper's Section 3 done by a computer algebra system,
top to bottom, the way the authors' Mathematica notebook reads:

1. **Integrals.**  The net input is ``z ~ Normal(m, s^2)`` with ``m = mu*omega`` and
   ``s^2 = nu*tau``.  SELU is ``lambda_*z`` on ``z > 0`` and ``lambda_*alpha*(exp(z) - 1)`` on
   ``z <= 0``, so every moment is a sum of half-line Gaussian integrals

   .. math::

      M_k = \int_0^\infty z^k \,\phi_{m,s}(z)\,dz, \qquad
      N_j = \int_{-\infty}^0 e^{jz} \,\phi_{m,s}(z)\,dz .

   sympy evaluates each one (:func:`half_line_integrals`).

2. **Moments.**  ``mean = lambda_*(M_1 + alpha*(N_1 - N_0))`` and
   ``second = lambda_^2*(M_2 + alpha^2*(N_2 - 2 N_1 + N_0))`` (the two pieces of SELU never
   overlap, so there is no cross term); ``variance = second - mean^2``
   (:func:`selu_moments`).

3. **Canonical form.**  Each integral is rewritten as a sum of terms
   ``c * ExpErfc(A, B) = c * exp(A) * erfc(B)`` and ``c * exp(A)``, with ``erfc`` taken on
   the tail of the integral's own half-line (``erfc(-m/(sqrt(2) s))`` for ``z > 0``).  A
   numeric backend evaluates ``exp(A)*erfc(B)`` as ``exp(A - B^2)*erfcx(B)`` when ``B >= 0``
   (``A - B^2`` simplified symbolically, here always ``-m^2/(2 s^2)``), so nothing overflows.

4. **Derivatives.**  First and second partial derivatives of ``mean`` and ``second`` with
   respect to ``m`` and ``s^2``; the chain rule ``d/dmu = omega d/dm``,
   ``d/domega = mu d/dm``, ``d/dnu = tau d/ds2``, ``d/dtau = nu d/ds2`` gives every partial
   in (mu, omega, nu, tau) (:func:`moment_derivatives`).

5. **Code.**  :func:`generate_module` prints the expressions, with common subexpressions
   shared, as one Python module (``theory/_selu_generated.py``) whose functions are built
   over a namespace of ``exp``, ``sqrt``, ``exp_erfc``: math + numba for float64 on CPU or
   CUDA, mpmath for arbitrary precision, Arb for intervals.  Both numeric paths therefore run
   the very same expressions.  Regenerate with ``python -m snn_verify.theory.symbolic``; the test-suite
   re-derives everything and checks the committed module against it.

Example
-------
>>> ints = half_line_integrals()
>>> ints["N0"]
ExpErfc(0, sqrt(2)*m/(2*s))/2
"""
from __future__ import annotations

import functools
import os

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .quantities import D1_OUTPUTS, D2_OUTPUTS, MOMENT_OUTPUTS

# --- symbols (names from the paper) -------------------------------------------------------
mu, omega = sp.symbols("mu omega", real=True)
nu, tau = sp.symbols("nu tau", positive=True)
lambda_, alpha = sp.symbols("lambda_ alpha", positive=True)
#: mean of the net input z, m = mu*omega
m = sp.Symbol("m", real=True)
#: standard deviation of the net input z, s = sqrt(nu*tau)
s = sp.Symbol("s", positive=True)
z = sp.Symbol("z", real=True)

#: Normal(m, s^2) density of the net input.
GAUSSIAN = sp.exp(-((z - m) ** 2) / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)


class ExpErfc(sp.Function):
    """``ExpErfc(A, B) = exp(A) * erfc(B)``, kept as one node so it can be evaluated stably.

    Unlike sympy's ``erfc`` it never re-writes ``erfc(-x)`` as ``2 - erfc(x)``, so the
    canonical form chosen in this module survives.  Derivatives:
    ``d/dA = ExpErfc(A, B)`` and ``d/dB = -2/sqrt(pi) * exp(A - B^2)``.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        A, B = self.args
        if argindex == 1:
            return self
        return -2 / sp.sqrt(sp.pi) * sp.exp(sp.simplify(A - B**2))

    def _eval_rewrite_as_erfc(self, A, B, **kwargs):
        return sp.exp(A) * sp.erfc(B)

    def _eval_evalf(self, prec):
        return (sp.exp(self.args[0]) * sp.erfc(self.args[1]))._eval_evalf(prec)


def exponent_gap(A, B):
    """``A - B^2`` simplified: the exponent of the erfcx form of ``exp(A)*erfc(B)``."""
    return sp.simplify(sp.expand(A - B**2))


def collect_terms(expr):
    """Expand ``expr`` and merge each term's exponentials into its ``ExpErfc`` factor.

    The result is a sum of ``c*ExpErfc(A, B)`` and ``c*exp(A)`` with ``c`` free of ``exp``
    and ``erfc``; this is the canonical form the code generator expects.
    """
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, special, exponent = sp.S.One, [], sp.S.Zero
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, ExpErfc):
                special.append(factor)
                exponent += factor.args[0]
            elif isinstance(factor, sp.exp):
                exponent += factor.args[0]
            elif isinstance(factor, sp.Pow) and isinstance(factor.base, sp.exp):
                exponent += factor.base.args[0] * factor.exp
            else:
                coeff *= factor
        if len(special) > 1:
            raise ValueError(f"term with two erfc factors: {term}")
        exponent = sp.simplify(exponent)
        if special:
            out += coeff * ExpErfc(exponent, sp.simplify(special[0].args[1]))
        else:
            out += coeff * sp.exp(exponent)
    return out


def _canonical(raw, positive_half):
    expr = sp.simplify(raw).rewrite(sp.erfc)
    expr = expr.replace(lambda e: isinstance(e, sp.erfc), lambda e: ExpErfc(0, e.args[0]))
    if positive_half:
        # the natural tail of z > 0 is P(z > 0) = erfc(-m/(sqrt(2) s))/2
        expr = expr.replace(
            lambda e: isinstance(e, ExpErfc) and e.args[0] == 0,
            lambda e: 2 - ExpErfc(0, -e.args[1]),
        )
    return collect_terms(expr)


def integral_over_positive_half(f):
    r"""``\int_0^\infty f(z) phi_{m,s}(z) dz`` in canonical form."""
    return _canonical(sp.integrate(f * GAUSSIAN, (z, 0, sp.oo)), positive_half=True)


def integral_over_negative_half(f):
    r"""``\int_{-\infty}^0 f(z) phi_{m,s}(z) dz`` in canonical form."""
    return _canonical(sp.integrate(f * GAUSSIAN, (z, -sp.oo, 0)), positive_half=False)


@functools.lru_cache(maxsize=None)
def half_line_integrals():
    """The half-line integrals SELU's moments are made of, derived by sympy.

    Keys: ``P1 = P(z>0)``, ``M1 = E[z; z>0]``, ``M2 = E[z^2; z>0]`` (positive half) and
    ``N0 = P(z<=0)``, ``K1 = E[z; z<=0]``, ``K2 = E[z^2; z<=0]``, ``N1 = E[exp(z); z<=0]``,
    ``N2 = E[exp(2z); z<=0]`` (negative half).
    """
    pos, neg = integral_over_positive_half, integral_over_negative_half
    return {
        "P1": pos(sp.S.One), "M1": pos(z), "M2": pos(z**2),
        "N0": neg(sp.S.One), "K1": neg(z), "K2": neg(z**2),
        "N1": neg(sp.exp(z)), "N2": neg(sp.exp(2 * z)),
    }


#: SELU on each half-line, (expression, half) pairs: the definition the moments integrate.
SELU_PIECES = ((lambda_ * z, "positive"), (lambda_ * alpha * (sp.exp(z) - 1), "negative"))


@functools.lru_cache(maxsize=None)
def selu_moments():
    """``{"mean", "second", "variance"}`` of ``selu(z)``, z ~ Normal(m, s^2), in m and s.

    Derived piece by piece from :data:`SELU_PIECES`:
    ``mean = int selu(z) phi(z) dz``, ``second = int selu(z)^2 phi(z) dz``,
    ``variance = second - mean^2``.  This is the reference form; the numeric code uses the
    equal but cancellation-free :func:`variance_forms`.
    """
    mean = sp.S.Zero
    second = sp.S.Zero
    for piece, half in SELU_PIECES:
        integrate = integral_over_positive_half if half == "positive" else integral_over_negative_half
        mean += integrate(sp.expand(piece))
        second += integrate(sp.expand(piece**2))
    mean, second = collect_terms(mean), collect_terms(second)
    return {"mean": mean, "second": second, "variance": second - mean**2}


#: the half-line integrals as undefined functions of (m, s): composite formulas are built
#: and differentiated over these, so their cancellation-free structure is kept
BLOCKS = {name: sp.Function(name)(m, s) for name in ("P1", "M1", "M2", "N0", "K1", "K2", "N1", "N2")}


def variance_forms():
    r"""Two cancellation-free forms of ``nu~``, equal to ``second - mean^2`` everywhere.

    Write ``selu(z)/lambda_ = U + alpha (W - 1)`` with ``U = max(z, 0)`` and
    ``W = exp(min(z, 0))``.  Since ``U (W - 1) = 0``, ``Cov(U, W) = E[U] E[1 - W]`` and

    .. math::

       \tilde\nu / \lambda^2 = \mathrm{Var}(U) + \alpha^2 \mathrm{Var}(W)
                              + 2\alpha\,E[U]\,E[1 - W],

    three non-negative terms.  For ``m < 0`` ("mneg"): ``Var(U) = M2 - M1^2`` and
    ``Var(W) = (N2 + P1) - (N1 + P1)^2``.  For ``m >= 0`` ("mpos") the same variances are
    taken around the bulk: ``Var(U) = s^2 - (K2 - K1^2) + 2 M1 K1`` (from
    ``z = U + min(z, 0)``) and ``Var(W) = E[(1-W)^2] - E[1-W]^2``.  Expressions are over
    :data:`BLOCKS`; ``E[1 - W] = N0 - N1``.
    """
    b = BLOCKS
    cross = 2 * alpha * b["M1"] * (b["N0"] - b["N1"])
    var_u_neg = b["M2"] - b["M1"] ** 2
    var_w_neg = (b["N2"] + b["P1"]) - (b["N1"] + b["P1"]) ** 2
    var_u_pos = s**2 - (b["K2"] - b["K1"] ** 2) + 2 * b["M1"] * b["K1"]
    var_w_pos = (b["N0"] - 2 * b["N1"] + b["N2"]) - (b["N0"] - b["N1"]) ** 2
    return {
        "mneg": lambda_**2 * (var_u_neg + alpha**2 * var_w_neg + cross),
        "mpos": lambda_**2 * (var_u_pos + alpha**2 * var_w_pos + cross),
    }


def mean_form():
    """``mu~ = lambda_ (M1 + alpha (N1 - N0))`` over :data:`BLOCKS`."""
    b = BLOCKS
    return lambda_ * (b["M1"] + alpha * (b["N1"] - b["N0"]))


def realize(expr):
    """Substitute the derived integrals (and their canonical derivatives) for :data:`BLOCKS`."""
    ints = half_line_integrals()
    funcs = {f.func: name for name, f in BLOCKS.items()}

    def derivative(d):
        return collect_terms(sp.diff(ints[funcs[d.expr.func]], *d.variable_count))

    expr = expr.replace(
        lambda e: isinstance(e, sp.Derivative) and e.expr.func in funcs, derivative
    )
    return expr.replace(lambda e: e.func in funcs and e.args == (m, s), lambda e: ints[funcs[e.func]])


def d_ds2(expr):
    """Derivative with respect to ``s^2 = nu*tau``: ``d/ds2 = 1/(2 s) d/ds``."""
    return sp.diff(expr, s) / (2 * s)


def with_derivatives(expr, order):
    """``{"": f, "_m": f_m, "_s2": f_s2[, "_mm", "_ms2", "_s2s2"]}`` in m and ``s^2``."""
    out = {"": expr, "_m": sp.diff(expr, m), "_s2": d_ds2(expr)}
    if order >= 2:
        out["_mm"] = sp.diff(out["_m"], m)
        out["_ms2"] = sp.diff(out["_m"], s) / (2 * s)
        out["_s2s2"] = d_ds2(out["_s2"])
    return out


@functools.lru_cache(maxsize=None)
def selu_gradient_factor():
    """``E[selu'(z)^2] = lambda_^2 (P(z>0) + alpha^2 E[exp(2z); z<=0])`` (mean-field chi_1/tau)."""
    b = BLOCKS
    return realize(lambda_**2 * (b["P1"] + alpha**2 * b["N2"]))


@functools.lru_cache(maxsize=None)
def fixed_point_01_closed_form():
    """alpha01 and lambda01 in closed form: g(0, 1) = (0, 1) at omega = 0, tau = 1.

    At m = 0, s = 1 the mean condition is linear in alpha and the second-moment condition
    then fixes lambda_^2.  Returns sympy expressions in pi, e, erfc(1/sqrt(2)), erfc(sqrt(2)).
    """
    mom = selu_moments()
    at01 = {m: 0, s: 1}
    mean = mom["mean"].subs(at01).rewrite(sp.erfc)
    second = mom["second"].subs(at01).rewrite(sp.erfc)
    (a01,) = sp.solve(sp.Eq(mean, 0), alpha)
    a01 = sp.simplify(a01)
    l01 = sp.simplify(1 / sp.sqrt(sp.simplify(second.subs(alpha, a01) / lambda_**2)))
    return a01, l01


# --- code generation ----------------------------------------------------------------------

GENERATED_PATH = os.path.join(os.path.dirname(__file__), "_selu_generated.py")

_D1, _D2 = D1_OUTPUTS, D2_OUTPUTS

#: generated function -> (arguments, outputs); "_mneg"/"_mpos" use the variance form for
#: m < 0 / m >= 0 (:func:`variance_forms`), both valid everywhere
GENERATED_FUNCTIONS = {
    "blocks": (("m", "s"), tuple(BLOCKS)),
    "gradient_factor": (("m", "s", "lambda_", "alpha"), ("gradient_factor",)),
}
for _form in ("mneg", "mpos"):
    GENERATED_FUNCTIONS[f"moments_{_form}"] = (("m", "s", "lambda_", "alpha"), MOMENT_OUTPUTS)
    GENERATED_FUNCTIONS[f"moments_d1_{_form}"] = (("m", "s", "lambda_", "alpha"), _D1)
    GENERATED_FUNCTIONS[f"moments_d2_{_form}"] = (("m", "s", "lambda_", "alpha"), _D2)


@functools.lru_cache(maxsize=None)
def generated_expressions(form):
    """``{output: expression}`` of the ``moments_d2_<form>`` outputs, realized in m and s."""
    table = {}
    for name, expr in (("mean", mean_form()), ("var", variance_forms()[form])):
        for suffix, d in with_derivatives(expr, order=2).items():
            table[name + suffix] = realize(d)
    return table


class _Printer(PythonCodePrinter):
    """Prints bare names (``exp``, ``sqrt``, ``exp_erfc``, ``PI``) resolved by the namespace.

    Rationals print as ``(ONE*p/q)`` so that an arbitrary-precision namespace keeps them
    exact; ``ExpErfc(A, B)`` prints as ``exp_erfc(A, A - B^2, B)``.
    """

    def _print_ExpErfc(self, e):  # pragma: no cover - replaced by _ExpErfcGap before cse
        raise ValueError("ExpErfc must be lowered with _lower_exp_erfc before printing")

    def _print__ExpErfcGap(self, e):
        return "exp_erfc(" + ", ".join(self._print(a) for a in e.args) + ")"

    def _print_exp(self, e):
        return f"exp({self._print(e.args[0])})"

    def _print_Pow(self, e, rational=False):
        if e.exp == sp.S.Half:
            return f"sqrt({self._print(e.base)})"
        if e.exp == -sp.S.Half:
            return f"(ONE/sqrt({self._print(e.base)}))"
        if e.exp.is_Integer and e.exp > 0:
            return "(" + "*".join([self.parenthesize(e.base, 1000)] * int(e.exp)) + ")"
        if e.exp.is_Integer and e.exp < 0:
            return "(ONE/(" + "*".join([self.parenthesize(e.base, 1000)] * int(-e.exp)) + "))"
        raise ValueError(f"unexpected power {e}")

    def _print_Rational(self, e):
        return f"(ONE*{e.p}/{e.q})"

    def _print_Integer(self, e):
        return str(e.p)

    def _print_Pi(self, e):
        return "PI"


class _ExpErfcGap(sp.Function):
    """``_ExpErfcGap(A, A - B^2, B)``: ExpErfc with its erfcx exponent, as printed."""

    nargs = 3


def _lower_exp_erfc(expr):
    """Replace ``ExpErfc(A, B)`` by ``_ExpErfcGap(A, A - B^2, B)``, the gap simplified.

    Done before common-subexpression elimination, so that the gap is simplified on the
    whole expressions (it is ``-m^2/(2 s^2)`` for every term here) and never computed
    numerically as a difference of two large numbers.
    """
    return expr.replace(
        lambda e: isinstance(e, ExpErfc),
        lambda e: _ExpErfcGap(e.args[0], exponent_gap(*e.args), e.args[1]),
    )


def _expressions(name):
    if name == "blocks":
        ints = half_line_integrals()
        return {k: ints[k] for k in BLOCKS}
    if name == "gradient_factor":
        return {"gradient_factor": selu_gradient_factor()}
    return generated_expressions(name.rsplit("_", 1)[1])


def generate_module():
    """Source text of ``theory/_selu_generated.py`` (deterministic for a sympy version)."""
    printer = _Printer()
    lines = [
        '"""GENERATED by ``python -m snn_verify.theory.symbolic`` from the sympy derivation: do not edit.',
        "",
        f"sympy {sp.__version__}.  ``build`` returns the SELU moment functions over a numeric",
        "namespace: ``exp``, ``sqrt``, ``exp_erfc(A, A - B^2, B) = exp(A)*erfc(B)``, the constants",
        "``PI`` and ``ONE`` of that number type, and ``jit`` (a decorator: numba.njit,",
        "numba.cuda.jit(device=True), or the identity).  Arguments: ``m = mu*omega``,",
        "``s = sqrt(nu*tau) > 0``, ``lambda_``, ``alpha``.  Outputs are listed per function.",
        '"""',
        "",
        "",
        "def build(exp, sqrt, exp_erfc, PI, ONE, jit):",
        '    """Return ``{name: function}`` for the generated SELU moment functions."""',
    ]
    for name, (args, outputs) in GENERATED_FUNCTIONS.items():
        table = _expressions(name)
        exprs = [_lower_exp_erfc(table[o]) for o in outputs]
        replacements, reduced = sp.cse(
            exprs, symbols=sp.numbered_symbols("x"), optimizations="basic", order="canonical"
        )
        lines += ["", "    @jit", f"    def {name}({', '.join(args)}):"]
        lines.append(f'        """Returns ({", ".join(outputs)})."""')
        for sym, sub in replacements:
            lines.append(f"        {sym} = {printer.doprint(sub)}")
        for out, expr in zip(outputs, reduced):
            lines.append(f"        {out} = {printer.doprint(expr)}")
        lines.append(f"        return ({', '.join(outputs)},)" if len(outputs) == 1 else f"        return {', '.join(outputs)}")
    lines += ["", "    return {" + ", ".join(f'"{n}": {n}' for n in GENERATED_FUNCTIONS) + "}", ""]
    return "\n".join(lines)


def write_generated_module(path=GENERATED_PATH):
    """(Re)write the generated module from a fresh derivation."""
    text = generate_module()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print("wrote", write_generated_module())
