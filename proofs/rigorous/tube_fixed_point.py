r"""The fixed point of a square layer's vector mean-field map, certified by Krawczyk (issue 19,
item 3): the paper's Banach argument, for these weights.

A square layer ``W`` (n x n, bias ``b``) applied again and again maps the per-unit moments
``x = (mu, nu)`` in ``R^{2n}`` by ``G`` (:mod:`snn_verify.proofs.rigorous.tube`'s map).  Its
Jacobian is

.. math:: J = \begin{pmatrix} D(\partial_m\mu') W & D(\partial_{s^2}\mu') W^{\circ 2}\\
                              D(\partial_m\nu') W & D(\partial_{s^2}\nu') W^{\circ 2}\end{pmatrix}

(``D`` diagonal per unit, ``W^{o2}`` the squares).  From a float64 Newton solution ``x~`` of
``x = G(x)``, the box ``X = x~ + [-r, r]^{2n}`` and ``Y ~ (I - J(x~))^{-1}`` (float64), the
Krawczyk operator

.. math:: K(X) = \tilde x - Y(\tilde x - G(\tilde x)) + (I - Y(I - J(X)))(X - \tilde x)

is enclosed in Arb (``G(x~)`` by the kernel's layer step, ``J(X)`` from the generated
partials over each unit's (m, s^2) range).  ``K(X)`` inside the interior of ``X`` proves that
``G`` has exactly one fixed point in ``X`` (Krawczyk's theorem): CERTIFIED.  Whether iterating
the layer converges to it is a question of the spectral radius of ``J`` there.  Where a real
eigenvalue of modulus above 1 exists, it is certified by Krawczyk on the eigenpair
(:func:`unstable_eigenvalue`, for every matrix of the interval Jacobian ``J(X)``, so for
``J`` at the fixed point): the fixed point is then certified NOT attracting.  Where the
float64 spectral radius is below 1, ``||V^-1 J(X) V||_inf`` (``V`` the float64 eigenvectors,
the inverse bounded rigorously, complex balls: :func:`spectral_radius_bound`) below 1
certifies it locally attracting.  Otherwise the float64 spectral radius is reported as
evidence (for LeCun weights it sits just below or above 1: the
per-unit mean dynamics ``mu' ~ E[selu'] W mu`` has ``E[selu'(Z)] ~ 0.985`` and the
circular law puts ``W``'s eigenvalues in the unit disc).

Example
-------
>>> import numpy as np
>>> w = np.full((4, 4), 0.5) * np.array([1, -1, 1, -1])          # omega = 0, tau = 1 per row
>>> r = fixed_point(w)
>>> r["verdict"], abs(r["pooled"]["mean"][0]) < 1e-8, abs(r["pooled"]["variance"][0] - 1) < 1e-8
('CERTIFIED', True, True)
"""
from __future__ import annotations

import time

import numpy as np
from flint import acb, acb_mat, arb, arb_mat

from snn_verify.theory.numbers import get
from snn_verify.theory.parameters import ALPHA01, LAMBDA01

from . import trusted
from .recheck import tube as kernel


def _float_map(w, b, mu, nu):
    """``G(x)`` and ``J(x)`` in float64."""
    gen = get("numpy").generated()
    m = w @ mu + (b if b is not None else 0.0)
    s = np.sqrt((w * w) @ nu)
    neg = m < 0
    out = np.empty((6, len(m)))
    for form, sel in (("mneg", neg), ("mpos", ~neg)):
        if sel.any():
            res = gen[f"moments_d1_{form}"](m[sel], s[sel], LAMBDA01, ALPHA01)
            out[:, sel] = np.array(res)
    mean, var, fm, fs, vm, vs = out
    w2 = w * w
    jac = np.block([[fm[:, None] * w, fs[:, None] * w2], [vm[:, None] * w, vs[:, None] * w2]])
    return np.concatenate([mean, var]), jac


def _newton(w, b, iterations=60):
    """Newton's method for ``x = G(x)`` from ``(mu, nu) = (0, 1)`` (damped where a step would
    make a variance negative)."""
    n = w.shape[0]
    x = np.concatenate([np.zeros(n), np.ones(n)])
    for _ in range(iterations):
        g, jac = _float_map(w, b, x[:n], x[n:])
        dx = np.linalg.solve(np.eye(2 * n) - jac, g - x)
        step = 1.0
        while np.any(x[n:] + step * dx[n:] <= 0) and step > 1e-6:
            step /= 2
        x = x + step * dx
        if np.max(np.abs(dx)) < 1e-15 * (1 + np.max(np.abs(x))):
            break
    return x


def unstable_eigenvalue(jac, jac_float, radii=(1e-9, 1e-7, 1e-5, 1e-3)):
    """A real eigenvalue of modulus > 1 of every matrix in the interval matrix ``jac`` (Arb,
    ``m x m``), certified by Krawczyk on the eigenpair ``(v, lam)`` with ``v_i = 1``: the
    ball of ``lam``, or ``None``.  Tried on the float64 real eigenvalue of largest modulus
    beyond 1 of ``jac_float``, with boxes of the ``radii`` in turn.  Such an eigenvalue at a fixed point makes it unstable
    (iterating the map does not converge to it from all nearby points)."""
    ev, vecs = np.linalg.eig(jac_float)
    real = [k for k in np.argsort(-np.abs(ev)) if abs(ev[k].imag) < 1e-12 and abs(ev[k].real) > 1]
    if not real:
        return None
    k = real[0]
    lam, v = float(ev[k].real), np.real(vecs[:, k])
    i = int(np.argmax(np.abs(v)))
    v = v / v[i]
    m = len(v)
    # float Jacobian of F(v, lam) = (J v - lam v, v_i - 1) at the guess, and its inverse
    dfl = np.zeros((m + 1, m + 1))
    dfl[:m, :m] = jac_float - lam * np.eye(m)
    dfl[:m, m] = -v
    dfl[m, i] = 1.0
    y = arb_mat(np.linalg.inv(dfl).tolist())
    for radius in radii:
        out = _eigen_krawczyk(jac, y, v, lam, i, radius)
        if out is not None:
            return out
    return None


def _eigen_krawczyk(jac, y, v, lam, i, radius):
    m = len(v)
    r = arb(0).union(arb(radius)).union(arb(-radius))
    zt = [arb(float(x)) for x in v] + [arb(lam)]
    z = [x + r for x in zt]
    lam_box, v_box = z[m], z[:m]
    v_col = arb_mat([[x] for x in zt[:m]])
    fz = (jac * v_col).tolist()
    f_t = arb_mat([[fz[j][0] - zt[m] * zt[j]] for j in range(m)] + [[zt[i] - 1]])
    jl = jac.tolist()
    rows = [[jl[a][b] - (lam_box if a == b else 0) for b in range(m)] + [-v_box[a]] for a in range(m)]
    rows.append([arb(1) if b == i else arb(0) for b in range(m)] + [arb(0)])
    df = arb_mat(rows)
    ident = arb_mat([[arb(1) if a == b else arb(0) for b in range(m + 1)] for a in range(m + 1)])
    zt_col = arb_mat([[x] for x in zt])
    k_op = zt_col - y * f_t + (ident - y * df) * arb_mat([[r]] * (m + 1))
    if all(z[a].lower() < k_op[a, 0] and k_op[a, 0] < z[a].upper() for a in range(m + 1)):
        lam_ball = k_op[m, 0]
        if lam_ball.abs_lower() > 1:
            return lam_ball
    return None


def _norm_inf(mat):
    """An upper bound (Arb) of the max row sum of |entries| of an Arb/acb matrix."""
    best = arb(0)
    for row in mat.tolist():
        total = arb(0)
        for x in row:
            total += x.abs_upper()
        best = best.union(total)
    return arb(best.upper())


def spectral_radius_bound(jac, jac_float):
    """An upper bound (Arb) of the spectral radius of every matrix in the interval matrix
    ``jac``: with ``V`` the float64 eigenvectors of ``jac_float`` and ``P ~ V^-1``,
    ``rho(J) <= ||V^-1 J V||_inf <= ||P J V||_inf + d ||P||_inf ||J V||_inf / (1 - d)``,
    ``d = ||I - P V||_inf < 1`` (complex balls).  ``None`` when ``d`` is not below 1."""
    _, vecs = np.linalg.eig(jac_float)
    p = np.linalg.inv(vecs)
    m = vecs.shape[0]
    q = acb_mat([[acb(complex(x)) for x in row] for row in vecs.tolist()])
    pa = acb_mat([[acb(complex(x)) for x in row] for row in p.tolist()])
    jq = acb_mat(jac) * q
    ident = acb_mat([[acb(1) if a == b else acb(0) for b in range(m)] for a in range(m)])
    d = _norm_inf(ident - pa * q)
    if not d < 1:
        return None
    return _norm_inf(pa * jq) + d * _norm_inf(pa) * _norm_inf(jq) / (1 - d)


def _rows_scaled(d, mat_rows):
    return [[dk * v for v in row] for dk, row in zip(d, mat_rows)]


@trusted.at_working_precision
def fixed_point(w, b=None, radius=1e-9):
    """A dict: ``verdict`` (CERTIFIED: one fixed point of the layer's vector map in the box
    ``X``; UNDECIDED: Krawczyk's test failed), ``radius`` of ``X``, the ``pooled`` moments
    there (enclosures), ``spectral_radius`` of ``J`` at ``x~`` (float64, evidence),
    ``seconds``."""
    t0 = time.perf_counter()
    kernel.reset_budget()
    w = np.asarray(w, dtype=np.float64)
    n = w.shape[0]
    if w.shape != (n, n):
        raise ValueError(f"a square layer is needed, got {w.shape}")
    b = None if b is None else np.asarray(b, dtype=np.float64)
    x = _newton(w, b)
    _, jac_f = _float_map(w, b, x[:n], x[n:])
    rho = float(np.max(np.abs(np.linalg.eigvals(jac_f))))
    y = np.linalg.inv(np.eye(2 * n) - jac_f)
    mats = kernel.matrices(w)
    a, sq = mats
    xt = [arb(float(v)) for v in x]
    mu_t, nu_t = kernel.layer_step(mats, b, xt[:n], xt[n:])
    g_t = arb_mat([[v] for v in mu_t + nu_t])
    r = arb(0).union(arb(radius)).union(arb(-radius))
    box = [v + r for v in xt]
    # J over X: the generated partials over each unit's (m, s^2) range
    m = a * arb_mat([[v] for v in box[:n]])
    s2 = sq * arb_mat([[v] for v in box[n:]])
    d = [[], [], [], []]
    for k in range(n):
        mk = m[k, 0] + (arb(float(b[k])) if b is not None else 0)
        if not s2[k, 0] > 0:
            raise ArithmeticError("s^2 not certified > 0")
        _, _, fm, fs, vm, vs = kernel._closed("moments_d1", mk, s2[k, 0].sqrt())
        for lst, v in zip(d, (fm, fs, vm, vs)):
            lst.append(v)
    wr, sr = a.tolist(), sq.tolist()
    top = [p + q for p, q in zip(_rows_scaled(d[0], wr), _rows_scaled(d[1], sr))]
    bottom = [p + q for p, q in zip(_rows_scaled(d[2], wr), _rows_scaled(d[3], sr))]
    jac = arb_mat(top + bottom)
    ident = arb_mat([[arb(1) if i == j else arb(0) for j in range(2 * n)] for i in range(2 * n)])
    ya = arb_mat(y.tolist())
    xt_col = arb_mat([[v] for v in xt])
    k_op = xt_col - ya * (xt_col - g_t) + (ident - ya * (ident - jac)) * arb_mat([[r]] * (2 * n))
    inside = all(box[i].lower() < k_op[i, 0] and k_op[i, 0] < box[i].upper() for i in range(2 * n))
    # the fixed point is in K(X) intersected with X: pooled moments from K(X)
    kx = [k_op[i, 0] for i in range(2 * n)]
    pm, pv = kernel.pooled(kx[:n], [kernel.nonneg(v) for v in kx[n:]])
    excess = max(float((k_op[i, 0] - xt[i]).abs_upper()) for i in range(2 * n))
    unstable = unstable_eigenvalue(jac, jac_f) if inside and rho > 1 else None
    bound = spectral_radius_bound(jac, jac_f) if inside and rho < 1 else None
    if bound is not None and bound < 1:
        attracting = (f"locally attracting (certified): the spectral radius of J at the fixed point is at most "
                      f"{float(bound.upper()):.6f} < 1 (||V^-1 J(X) V||_inf, Arb); ~ {rho:.6f} (float64)")
    elif unstable is not None:
        attracting = (f"NOT attracting (certified): J at the fixed point has the real eigenvalue "
                      f"{unstable.str(10)}, of modulus > 1 (Krawczyk on the eigenpair, for every matrix of J(X)); "
                      f"spectral radius ~ {rho:.6f} (float64)")
    else:
        attracting = ("spectral radius of J at the fixed point ~ %.6f (float64 eigenvalues, evidence): %s"
                      % (rho, "below 1, locally attracting" if rho < 1 else "not below 1: iterating the layer "
                         "does not converge to it along some directions"))
    return {"verdict": "CERTIFIED" if inside else "UNDECIDED", "units": n, "radius": radius,
            "unstable_eigenvalue": None if unstable is None else [float(unstable.lower()), float(unstable.upper())],
            "spectral_radius_bound": None if bound is None else float(bound.upper()),
            "krawczyk_radius": excess, "spectral_radius": rho,
            "pooled": {"mean": [float(pm.lower()), float(pm.upper())],
                       "variance": [float(pv.lower()), float(pv.upper())]},
            "note": ("exactly one fixed point of the layer's vector map in X = x~ +- r (Krawczyk)" if inside else
                     "Krawczyk's K(X) is not inside X"),
            "attracting": attracting,
            "seconds": time.perf_counter() - t0}
