"""The paper's theorems as data: one :class:`Claim` per inequality to be checked.

A claim is "quantity Q over box B is < or > bound".  Quantities (functions of
``(mu, omega, nu, tau)`` at lambda01, alpha01):

- ``mean``: mu~;  ``variance``: nu~;  ``variance_change``: nu~ - nu;
- ``spectral_norm``: the largest singular value of d(mu~, nu~)/d(mu, nu).

Boxes list closed intervals in the order (mu, omega, nu, tau).  ``published`` is the
extreme value the paper reports for the quantity over the box, where it reports one.
This module is the data model only (it imports no theorem): the claims themselves live in
:mod:`snn_verify.proofs.theorems`; both the interval engine (certification) and the dense
grids (evidence) read them from there.  The quantities are :mod:`snn_verify.theory.quantities`'
certifiable ones.

Example
-------
>>> Claim("demo", "-", "variance", Box((0, 0), (0, 0), (1, 1), (1, 1)), ">", 0.5).extremum
'min'
"""
from __future__ import annotations

from dataclasses import dataclass, field

from snn_verify.errors import InputError
from snn_verify.theory.quantities import CLAIM_QUANTITIES as QUANTITIES

VARIABLES = ("mu", "omega", "nu", "tau")

#: The coordinates a claim's branch and bound runs in.  Every quantity depends on the box
#: only through ``m = mu*omega`` and ``s^2 = nu*tau``, and besides through nu
#: (``variance_change``) or omega and tau (the Jacobian's entries).  The image of a box
#: under ``(mu, omega) -> mu*omega`` is exactly the interval between the least and the largest
#: corner product (a bilinear map on a connected box), and the same holds for ``nu*tau``,
#: so the extreme of ``mean`` or ``variance`` over the box is the extreme over the rectangle
#: ``m x s2``: a ridge ``mu*omega = m*`` of maximisers becomes one point.
REDUCED = {"mean": ("m", "s2"), "variance": ("m", "s2"), "variance_change": ("m", "nu", "tau"),
           "spectral_norm": VARIABLES}


def search_coordinates(quantity):
    """The coordinates (:data:`REDUCED`) of a quantity name or :func:`spec` string.

    >>> search_coordinates("variance|dropout=0.1"), search_coordinates("spectral_norm")
    (('m', 's2'), ('mu', 'omega', 'nu', 'tau'))
    """
    return REDUCED[quantity.split("|")[0]]


@dataclass(frozen=True)
class Box:
    """A closed box in (mu, omega, nu, tau)."""

    mu: tuple
    omega: tuple
    nu: tuple
    tau: tuple

    def __post_init__(self):
        for name in VARIABLES:
            lo, hi = getattr(self, name)
            if not lo <= hi:
                raise InputError(f"{name}: reversed interval [{lo}, {hi}]")
        if self.nu[0] <= 0 or self.tau[0] <= 0:
            raise InputError("nu and tau must be > 0 on the whole box")

    def intervals(self):
        """``[(lo, hi)] * 4`` in the order of :data:`VARIABLES`."""
        return [tuple(getattr(self, n)) for n in VARIABLES]

    def as_dict(self):
        return {n: list(getattr(self, n)) for n in VARIABLES}


@dataclass(frozen=True)
class Model:
    """What the quantities are taken of, beyond the paper's g at (lambda01, alpha01).

    ``dropout``: the rate ``1 - q`` of alpha dropout after the layer (decimal text; ``""``
    none), so the map is g_q (:func:`dropout_map`); ``alpha``, ``lambda_``: closed intervals
    (pairs of decimal texts; ``()`` for alpha01, lambda01) over which the claim must hold
    for every parameter value.  ``activation``: the unit, a name of
    :mod:`snn_verify.theory.activation_registry` scaled by its certified self-normalising
    constants (:mod:`snn_verify.proofs.rigorous.activations`); ``"selu"`` (the default) is the
    paper's g, the only one with dropout and parameter intervals."""

    dropout: str = ""
    alpha: tuple = ()
    lambda_: tuple = ()
    activation: str = "selu"

    def __post_init__(self):
        if self.dropout and not 0 <= float(self.dropout) < 1:
            raise InputError(f"dropout rate must be in [0, 1) (got {self.dropout!r})")
        for name in ("alpha", "lambda_"):
            iv = getattr(self, name)
            if iv and not (len(iv) == 2 and 0 < float(iv[0]) <= float(iv[1])):
                raise InputError(f"{name.rstrip('_')}: an interval 0 < LO <= HI expected (got {iv!r})")
        if self.activation != "selu":
            from snn_verify.theory.activation_registry import get

            object.__setattr__(self, "activation", get(self.activation).name)   # InputError if unknown
            if self.dropout or self.alpha or self.lambda_:
                raise InputError(f"dropout, alpha and lambda intervals are SELU's only (activation {self.activation!r})")

    @property
    def default(self):
        return not (self.dropout or self.alpha or self.lambda_) and self.activation == "selu"

    def as_dict(self):
        """The non-default fields (``dropout``, ``alpha``, ``lambda``) as JSON."""
        out = {"dropout": self.dropout} if self.dropout else {}
        out.update({k: list(v) for k, v in (("alpha", self.alpha), ("lambda", self.lambda_)) if v})
        if self.activation != "selu":
            out["activation"] = self.activation
        return out

    @classmethod
    def from_dict(cls, d):
        return cls(d.get("dropout", ""), tuple(d.get("alpha", ())), tuple(d.get("lambda", ())),
                   d.get("activation", "selu"))


DEFAULT_MODEL = Model()


def spec(quantity, model=DEFAULT_MODEL):
    """A quantity and its model as one picklable string (what the engines pass around):
    ``"variance"`` or e.g. ``"variance|dropout=0.1|alpha=1.6,1.7"``.

    >>> spec("mean", Model(dropout="0.1")), parse_spec("mean|dropout=0.1")
    ('mean|dropout=0.1', ('mean', Model(dropout='0.1', alpha=(), lambda_=(), activation='selu')))
    """
    parts = [quantity] + [f"{k}={v if isinstance(v, str) else ','.join(v)}" for k, v in model.as_dict().items()]
    return "|".join(parts)


def parse_spec(text):
    """``(quantity, Model)`` of a :func:`spec` string."""
    quantity, *fields = text.split("|")
    d = {}
    for f in fields:
        key, _, value = f.partition("=")
        d[key] = value if key in ("dropout", "activation") else tuple(value.split(","))
    return quantity, Model.from_dict(d)


def dropout_scale(q, alpha_prime, sqrt):
    r"""The alpha-dropout scale for the fixed point (0, 1): ``a = (q + alpha'^2 q (1-q))^(-1/2)``
    (the shift is ``b = -a (1-q) alpha'``), in any arithmetic (``sqrt`` of it)."""
    return 1 / sqrt(q + alpha_prime * alpha_prime * q * (1 - q))


def dropout_map(mean, var, q, alpha_prime, a):
    r"""Alpha dropout after the layer: from g's ``(mean, var)`` to g_q's,

    .. math:: \tilde\mu_q = a (q \tilde\mu + (1-q)\alpha') + b = a q \tilde\mu,\qquad
              \tilde\nu_q = a^2 (q \tilde\nu + q (1-q) (\tilde\mu - \alpha')^2)

    with ``a`` from :func:`dropout_scale`.  Any arithmetic (floats, balls, AD numbers).

    >>> a = dropout_scale(0.9, -1.7580993408473766, lambda x: x ** 0.5)
    >>> m, v = dropout_map(0.0, 1.0, 0.9, -1.7580993408473766, a)
    >>> round(m, 15), round(v, 15)
    (0.0, 1.0)
    """
    d = mean - alpha_prime
    return a * q * mean, a * a * (q * var + q * (1 - q) * d * d)


def dropout_jacobian(entries, mean, q, alpha_prime, a):
    r"""The entries of g_q's Jacobian from g's ``J = [[j11, j12], [j21, j22]]`` (row order):
    ``J_q = [[a q, 0], [2 a^2 q (1-q) (mu~ - alpha'), a^2 q]] J``."""
    j11, j12, j21, j22 = entries
    c = 2 * a * a * q * (1 - q) * (mean - alpha_prime)
    return a * q * j11, a * q * j12, c * j11 + a * a * q * j21, c * j12 + a * a * q * j22


def parameter_corners(model):
    """The models pinned at each corner of the parameter intervals (both ends of alpha's and
    of lambda's; the model itself when it has none): where a claim that is false for some
    parameter values is refuted.

    >>> [m.alpha for m in parameter_corners(Model(alpha=("1.6", "1.7")))]
    [('1.6', '1.6'), ('1.7', '1.7')]
    """
    alphas = [(a, a) for a in dict.fromkeys(model.alpha)] or [()]
    lambdas = [(v, v) for v in dict.fromkeys(model.lambda_)] or [()]
    return [Model(dropout=model.dropout, alpha=a, lambda_=v) for v in lambdas for a in alphas]


def pinned(model, parameters):
    """The model pinned at ``parameters`` (``{"lambda": text, "alpha": text}``, ``"lambda01"``
    / ``"alpha01"`` for the constants), or ``None`` if a value lies outside its interval."""
    from fractions import Fraction

    out = {}
    for key, name in (("alpha", "alpha"), ("lambda", "lambda_")):
        value, interval = parameters.get(key), getattr(model, name)
        if value in (None, f"{key}01"):
            if interval:
                return None
            out[name] = ()
            continue
        if not interval or not Fraction(interval[0]) <= Fraction(value) <= Fraction(interval[1]):
            return None
        out[name] = (value, value)
    return Model(dropout=model.dropout, **out)


def reference_parameters(model):
    """The concrete ``(lambda_, alpha)`` decimal texts at which a counterexample of a claim
    with parameter intervals is evaluated (the lower ends; ``None`` for lambda01, alpha01)."""
    return (model.lambda_[0] if model.lambda_ else None), (model.alpha[0] if model.alpha else None)


def quantity_mp(quantity, point, model=DEFAULT_MODEL, digits=50):
    """The claim's quantity at a point (decimal strings) by mpmath to ``digits`` digits, the
    reference that confirms a counterexample (at :func:`reference_parameters`).  Returned
    inside ``mpmath.workdps(digits + 20)``-sized precision."""
    import mpmath

    from snn_verify.theory.jacobian import point_mp

    lambda_, alpha = reference_parameters(model)
    p = point_mp(*point, lambda_=lambda_, alpha=alpha, digits=digits)
    with mpmath.workdps(digits + 20):
        mean, var = p["mean"], p["variance"]
        (j11, j12), (j21, j22) = p["jacobian"]
        if model.dropout:
            from snn_verify.theory.parameters import alpha01, lambda01

            lam = mpmath.mpf(lambda_) if lambda_ else lambda01(digits + 20)
            alp = mpmath.mpf(alpha) if alpha else alpha01(digits + 20)
            q, alpha_prime = 1 - mpmath.mpf(model.dropout), -lam * alp
            a = dropout_scale(q, alpha_prime, mpmath.sqrt)
            j11, j12, j21, j22 = dropout_jacobian((j11, j12, j21, j22), mean, q, alpha_prime, a)
            mean, var = dropout_map(mean, var, q, alpha_prime, a)
        if quantity == "spectral_norm":
            return (mpmath.sqrt((j11 + j22) ** 2 + (j21 - j12) ** 2) + mpmath.sqrt((j11 - j22) ** 2 + (j12 + j21) ** 2)) / 2
        return {"mean": mean, "variance": var, "variance_change": var - mpmath.mpf(point[2])}[quantity]


@dataclass(frozen=True)
class Claim:
    """``quantity`` over ``box`` is ``relation`` (``"<"`` or ``">"``) ``bound``."""

    name: str
    theorem: str
    quantity: str
    box: Box
    relation: str
    bound: float
    published: float | None = None
    statement: str = ""
    tags: tuple = field(default_factory=tuple)
    model: Model = DEFAULT_MODEL

    def __post_init__(self):
        if self.quantity not in QUANTITIES:
            raise InputError(f"unknown quantity {self.quantity!r}")
        if self.relation not in ("<", ">"):
            raise InputError(f"relation must be '<' or '>' (got {self.relation!r})")

    @property
    def extremum(self):
        """Which extreme decides the claim: ``"max"`` for ``<``, ``"min"`` for ``>``."""
        return "max" if self.relation == "<" else "min"
