r"""Alpha dropout: the affine correction that keeps a fixed point under dropout.

With keep probability ``q``, a dropped unit is set to ``alpha' = -lambda*alpha`` (SELU's
negative saturation value) instead of 0:  ``x' = d x + (1 - d) alpha'``, ``d ~ Bernoulli(q)``.
If ``x`` has mean ``mu*`` and variance ``nu*``,

.. math::

   E[x'] = q\mu^* + (1-q)\alpha', \qquad
   \mathrm{Var}[x'] = q\nu^* + q(1-q)(\mu^* - \alpha')^2,

so ``a x' + b`` restores mean and variance exactly when

.. math::

   a = \sqrt{\frac{\nu^*}{q\,(\nu^* + (1-q)(\alpha' - \mu^*)^2)}}, \qquad
   b = \mu^* - a\,(q\mu^* + (1-q)\alpha').

At ``(mu*, nu*) = (0, 1)`` this is the paper's ``a = (q + alpha'^2 q (1-q))^{-1/2}``,
``b = -a (1-q) alpha'``.

Example
-------
>>> a, b = affine_correction(0.95, -1.7580993408473766)
>>> round(a, 6), round(b, 6)
(0.954844, 0.083936)
"""
from __future__ import annotations

from dataclasses import dataclass

from .parameters import solve_parameters
from .precision import evaluate, to_decimal
from snn_verify.errors import InputError


def affine_correction(q, alpha_prime, mean=0.0, var=1.0):
    """``(a, b)`` for keep probability ``q`` in (0, 1] (works for float and mpf)."""
    if not 0 < q <= 1:
        raise InputError(f"keep probability q must be in (0, 1] (got {q})")
    if not var > 0:
        raise InputError(f"var must be > 0 (got {var})")
    a = (var / (q * (var + (1 - q) * (alpha_prime - mean) ** 2))) ** 0.5
    b = mean - a * (q * mean + (1 - q) * alpha_prime)
    return a, b


def dropped_moments(q, alpha_prime, a, b, mean=0.0, var=1.0):
    """Mean and variance of ``a (d x + (1-d) alpha') + b`` by the law of total variance.

    An independent route to the same moments: condition on ``d``.  Given d = 1 the output
    is ``a x + b`` (mean ``a mean + b``, variance ``a^2 var``); given d = 0 it is the
    constant ``a alpha' + b``.
    """
    kept_mean, dropped = a * mean + b, a * alpha_prime + b
    out_mean = q * kept_mean + (1 - q) * dropped
    within = q * a * a * var
    between = q * (kept_mean - out_mean) ** 2 + (1 - q) * (dropped - out_mean) ** 2
    return out_mean, within + between


def alpha_dropout(rate, mean=0, var=1, omega=0, tau=1, digits=50):
    """Alpha-dropout constants for dropout ``rate = 1 - q`` at fixed point ``(mean, var)``.

    ``alpha'`` is ``-lambda*alpha`` of the SELU whose fixed point at ``(omega, tau)`` is
    ``(mean, var)`` (:func:`snn_verify.theory.parameters.solve_parameters`).  Returns a dict of mpf:
    ``a``, ``b``, ``alpha_prime``, ``q``, ``alpha``, ``lambda``.
    """
    rate_f = float(rate)
    if not 0 <= rate_f < 1:
        raise InputError(f"dropout rate must be in [0, 1) (got {rate})")
    alpha, lambda_ = solve_parameters(mean, var, omega, tau, digits=digits + 5)

    def here(rate_, mean_, var_):
        q = 1 - rate_
        alpha_prime = -lambda_ * alpha
        a, b = affine_correction(q, alpha_prime, mean_, var_)
        return [a, b, alpha_prime, q]

    a, b, alpha_prime, q = evaluate(here, [rate, mean, var], digits=digits)
    return {"a": a, "b": b, "alpha_prime": alpha_prime, "q": q, "alpha": alpha, "lambda": lambda_}


@dataclass(frozen=True)
class AlphaDropout:
    """Alpha-dropout constants as decimal strings (:func:`alpha_dropout_constants`)."""

    a: str
    b: str
    alpha_prime: str
    q: str
    alpha: str
    lambda_: str
    rate: str
    fixed_point: dict
    exit_code = 0

    def to_json(self):
        return {"a": self.a, "b": self.b, "alpha_prime": self.alpha_prime, "q": self.q, "alpha": self.alpha,
                "lambda": self.lambda_, "rate": self.rate, "fixed_point": dict(self.fixed_point)}

    def render(self):
        values = self.to_json()
        return "\n".join(f"{k:11s} = {values[k]}" for k in ("a", "b", "alpha_prime", "alpha", "lambda"))


def alpha_dropout_constants(rate, mean=0, var=1, omega=0, tau=1, digits=50):
    """:func:`alpha_dropout` as an :class:`AlphaDropout` of decimal strings.

    >>> alpha_dropout_constants("0.05", digits=6).a
    '0.954844'
    """
    r = alpha_dropout(rate, mean, var, omega, tau, digits=digits)
    text = {k: to_decimal(v, digits) for k, v in r.items()}
    return AlphaDropout(a=text["a"], b=text["b"], alpha_prime=text["alpha_prime"], q=text["q"],
                        alpha=text["alpha"], lambda_=text["lambda"], rate=rate,
                        fixed_point={"mean": mean, "var": var})
