"""Independent reference computations for the tests.

Nothing here uses the generated closed forms: moments come from direct mpmath quadrature
of ``selu(z)`` against the Normal density, derivatives from high-precision central finite
differences of those moments.  The tests compare the project's code against these routes.
"""
import mpmath


def selu_mp(x, lambda_, alpha):
    return lambda_ * x if x > 0 else lambda_ * alpha * (mpmath.exp(x) - 1)


def moments_by_quadrature(mu, omega, nu, tau, lambda_, alpha, dps=45):
    """``(E[selu(z)], Var[selu(z)])`` by tanh-sinh quadrature at ``dps`` digits.

    The integral over the standard normal variable t (z = m + s t) is split at the kink
    t = -m/s and at the density's peak t = 0 (so neither is far from a node cluster); the
    variance is integrated around the mean (no cancellation).
    """
    with mpmath.workdps(dps):
        mu, omega, nu, tau = (mpmath.mpf(v) for v in (mu, omega, nu, tau))
        lambda_, alpha = mpmath.mpf(lambda_), mpmath.mpf(alpha)
        m, s = mu * omega, mpmath.sqrt(nu * tau)
        points = [-mpmath.inf, *sorted({-m / s, mpmath.mpf(0)}), mpmath.inf]

        def expect(f):
            return mpmath.quad(lambda t: f(selu_mp(m + s * t, lambda_, alpha)) * mpmath.npdf(t), points)

        mean = expect(lambda y: y)
        var = expect(lambda y: (y - mean) ** 2)
        return +mean, +var


def central_difference(f, x, h):
    """``(f(x + h) - f(x - h)) / (2h)``: error O(h^2 f''')."""
    return (f(x + h) - f(x - h)) / (2 * h)
