"""Independent reference computations for the tests.

Nothing here uses the generated closed forms: moments come from direct mpmath quadrature
of ``selu(z)`` against the Normal density, derivatives from high-precision central finite
differences of those moments.  The tests compare the project's code against these routes.
"""
import mpmath


def selu_mp(x, lambda_, alpha):
    return lambda_ * x if x > 0 else lambda_ * alpha * (mpmath.exp(x) - 1)


def _normal_split(mu, omega, nu, tau):
    """``(m, s, points)`` at the working precision: z = m + s t, and the quadrature's split
    points in t (the kink -m/s and the density's peak 0)."""
    mu, omega, nu, tau = (mpmath.mpf(v) for v in (mu, omega, nu, tau))
    m, s = mu * omega, mpmath.sqrt(nu * tau)
    return m, s, [-mpmath.inf, *sorted({-m / s, mpmath.mpf(0)}), mpmath.inf]


def moments_by_quadrature(mu, omega, nu, tau, lambda_, alpha, dps=45):
    """``(E[selu(z)], Var[selu(z)])`` by tanh-sinh quadrature at ``dps`` digits.

    The integral over the standard normal variable t (z = m + s t) is split at the kink
    t = -m/s and at the density's peak t = 0 (so neither is far from a node cluster); the
    variance is integrated around the mean (no cancellation).
    """
    with mpmath.workdps(dps):
        lambda_, alpha = mpmath.mpf(lambda_), mpmath.mpf(alpha)
        m, s, points = _normal_split(mu, omega, nu, tau)

        def expect(f):
            return mpmath.quad(lambda t: f(selu_mp(m + s * t, lambda_, alpha)) * mpmath.npdf(t), points)

        mean = expect(lambda y: y)
        var = expect(lambda y: (y - mean) ** 2)
        return +mean, +var


def central_difference(f, x, h):
    """``(f(x + h) - f(x - h)) / (2h)``: error O(h^2 f''')."""
    return (f(x + h) - f(x - h)) / (2 * h)


def jacobian_by_quadrature(mu, omega, nu, tau, lambda_, alpha, dps=45):
    r"""``(mean, var, (j11, j12, j21, j22))`` of g at a point by quadrature, derivatives taken
    under the integral (no closed form, no finite difference): with ``f = selu`` and
    ``z = m + s t``, ``d/dm E[f(z)] = E[f'(z)]`` and, by the heat equation,
    ``d/ds^2 E[h(z)] = E[h''(z)] / 2``, where ``f''`` has the point mass
    ``(lambda - lambda alpha) delta(z)`` at the kink and ``(f^2)'' = 2 f'^2 + 2 f f''`` (the
    point mass meets ``f(0) = 0``).  Then ``J = [[omega dmean/dm, tau dmean/ds2],
    [omega dvar/dm, tau dvar/ds2]]`` with ``var = E[f^2] - mean^2``."""
    with mpmath.workdps(dps):
        lam, alp = mpmath.mpf(lambda_), mpmath.mpf(alpha)
        omega, tau = mpmath.mpf(omega), mpmath.mpf(tau)
        m, s, points = _normal_split(mu, omega, nu, tau)

        def expect(h):
            return mpmath.quad(lambda t: h(m + s * t) * mpmath.npdf(t), points)

        f = lambda z: selu_mp(z, lam, alp)                                       # noqa: E731
        df = lambda z: lam if z > 0 else lam * alp * mpmath.exp(z)               # noqa: E731
        smooth_d2f = lambda z: 0 if z > 0 else lam * alp * mpmath.exp(z)         # noqa: E731
        kink = (lam - lam * alp) * mpmath.npdf(-m / s) / s       # E[point mass at z = 0]
        mean, second = expect(f), expect(lambda z: f(z) ** 2)
        mean_m, mean_s2 = expect(df), (expect(smooth_d2f) + kink) / 2
        second_m = expect(lambda z: 2 * f(z) * df(z))
        second_s2 = expect(lambda z: df(z) ** 2 + f(z) * smooth_d2f(z))
        var_m, var_s2 = second_m - 2 * mean * mean_m, second_s2 - 2 * mean * mean_s2
        return +mean, second - mean ** 2, (omega * mean_m, tau * mean_s2, omega * var_m, tau * var_s2)


def quantity_by_quadrature(quantity, point, lambda_, alpha, dropout=None, dps=45):
    """A claim's quantity at a point (decimal strings) by :func:`jacobian_by_quadrature`, with
    alpha dropout at rate ``dropout`` after the layer (the map of THEORY.md)."""
    with mpmath.workdps(dps):
        mean, var, (j11, j12, j21, j22) = jacobian_by_quadrature(*point, lambda_, alpha, dps)
        if dropout is not None:
            q, ap = 1 - mpmath.mpf(dropout), -mpmath.mpf(lambda_) * mpmath.mpf(alpha)
            a = 1 / mpmath.sqrt(q + ap ** 2 * q * (1 - q))
            c = 2 * a * a * q * (1 - q) * (mean - ap)
            j11, j12, j21, j22 = a * q * j11, a * q * j12, c * j11 + a * a * q * j21, c * j12 + a * a * q * j22
            mean, var = a * q * mean, a * a * (q * var + q * (1 - q) * (mean - ap) ** 2)
        if quantity == "spectral_norm":
            return (mpmath.sqrt((j11 + j22) ** 2 + (j21 - j12) ** 2) + mpmath.sqrt((j11 - j22) ** 2 + (j12 + j21) ** 2)) / 2
        return {"mean": mean, "variance": var, "variance_change": var - mpmath.mpf(point[2])}[quantity]


# --- other activations, written directly in mpmath (the judges of the activation tests) -------

def sigmoid_mp(x):
    return 1 / (1 + mpmath.exp(-x))


def softplus_mp(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 30 else x + mpmath.log1p(mpmath.exp(-x))


def gelu_tanh_mp(x):
    c = mpmath.sqrt(2 / mpmath.pi)
    return x * (1 + mpmath.tanh(c * (x + mpmath.mpf("0.044715") * x ** 3))) / 2


def dgelu_tanh_mp(x):
    c, k = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf("0.044715")
    u = c * (x + k * x ** 3)
    return (1 + mpmath.tanh(u)) / 2 + x * mpmath.sech(u) ** 2 * c * (1 + 3 * k * x ** 2) / 2


def dmish_mp(x):
    return mpmath.tanh(softplus_mp(x)) + x * mpmath.sech(softplus_mp(x)) ** 2 * sigmoid_mp(x)


with mpmath.workdps(60):
    SELU_LAMBDA = mpmath.mpf("1.050700987355480493419334985294951210206")
    SELU_ALPHA = mpmath.mpf("1.673263242354377284817042991671743157640")

#: independent definitions (value, derivative) of the registry's activations, written from
#: their formulas (selu with alpha01, lambda01; elu and celu at alpha = 1; leaky slope 0.01)
ACTIVATIONS_MP = {
    "selu": (lambda x: SELU_LAMBDA * x if x > 0 else SELU_LAMBDA * SELU_ALPHA * mpmath.expm1(x),
             lambda x: SELU_LAMBDA if x > 0 else SELU_LAMBDA * SELU_ALPHA * mpmath.exp(x)),
    "elu": (lambda x: x if x > 0 else mpmath.expm1(x), lambda x: 1 if x > 0 else mpmath.exp(x)),
    "celu": (lambda x: x if x > 0 else mpmath.expm1(x), lambda x: 1 if x > 0 else mpmath.exp(x)),
    "relu": (lambda x: max(x, 0), lambda x: 1 if x > 0 else 0),
    "leaky_relu": (lambda x: x if x > 0 else mpmath.mpf("0.01") * x, lambda x: 1 if x > 0 else mpmath.mpf("0.01")),
    "gelu": (lambda x: x * mpmath.erfc(-x / mpmath.sqrt(2)) / 2,
             lambda x: mpmath.erfc(-x / mpmath.sqrt(2)) / 2 + x * mpmath.npdf(x)),
    "gelu_tanh": (gelu_tanh_mp, dgelu_tanh_mp),
    "silu": (lambda x: x * sigmoid_mp(x), lambda x: sigmoid_mp(x) * (1 + x * (1 - sigmoid_mp(x)))),
    "mish": (lambda x: x * mpmath.tanh(softplus_mp(x)), dmish_mp),
    "softplus": (softplus_mp, sigmoid_mp),
    "tanh": (mpmath.tanh, lambda x: mpmath.sech(x) ** 2),
    "sigmoid": (sigmoid_mp, lambda x: sigmoid_mp(x) * (1 - sigmoid_mp(x))),
}
