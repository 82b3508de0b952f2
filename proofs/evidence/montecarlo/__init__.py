r"""Monte-Carlo propagation through random networks: the empirical side of the moment map.

Every experiment runs on a backend from :func:`snn_verify.proofs.evidence.backends.get_backend` (numba CPU or
CUDA) with float32 arithmetic and counter-based random numbers keyed by (seed, stream, layer,
row, column).  A layer whose weight matrix fits in memory generates it once with that hash
and multiplies with BLAS (numpy; cuBLAS through CuPy on a GPU); wider layers regenerate
every weight inside the product kernel and store none (:class:`Layer`, ``path`` in every
result: ``stored`` or ``hashed``; both give the same weights, the sums agree to float32
rounding).  Each experiment is written once against the backend's array namespace ``xp``
(numpy or CuPy) and its kernels; statistics are reduced in float64 where the arrays live,
and only the few numbers go to the host.  Results are small frozen dataclasses (:mod:`.results`: ``to_json()``,
``render()``) defined beside the function that makes each, for ``figures/`` and the command
line; **evidence, not proof**.  Every result has ``seconds`` (wall time, including numba compilation on first use),
``backend`` (which device ran it) and ``evidence`` (the label).  All sizes are parameters, so
a figure's ``--quick`` version can run in seconds.

Statistics of a layer
---------------------
A layer's output ``y`` has ``U units x B samples`` entries, a crossed design: the units of
one sample share its input vector, the samples seen by one unit share its weights.
:func:`pooled_moments` uses the per-sample (column) means ``Y_b`` and the per-unit (row)
means ``R_u``, and the two-way ("pigeonhole", Owen 2007) standard error, which counts both
sources of variation (conservatively, the residual twice):

.. math::

   \hat\mu = \bar y, \quad \mathrm{se}(\hat\mu)^2 = s^2_Y/B + s^2_R/U, \quad
   \hat\nu = \overline{y^2} - \bar y^2 + \mathrm{se}(\hat\mu)^2,

and the same for ``\hat\nu`` applied to ``y^2 - 2\bar y\,y`` (the delta method);
``se(mu)^2`` removes the bias of ``\bar y^2``.  So a z-score ``(empirical - analytic)/se``
compares with g the *expected* map over both inputs and weights: with random (``lecun``)
weights or non-Normal inputs each unit has its own small bias, and the spread of those
biases is part of the error bar.

Weights (``init``)
------------------
``normalized``: every row exactly has ``sum_j w_j = omega`` and ``sum_j w_j^2 = tau`` (the
paper's normalised weights); ``lecun``: iid Normal with those sums in expectation
(Normal(0, 1/n) for omega = 0, tau = 1); ``he``: Normal(0, 2/n); ``xavier``: Normal(0,
2/(n_in + n_out)) (the same as lecun for square layers); ``small``: Normal(0, 0.01^2).

One module per experiment, the analytic map beside its sampler (neural-tangents' habit):
:mod:`.one_layer` (a: the one-layer map on a grid over Omega), :mod:`.deep` (b: deep
trajectories), :mod:`.zoo` (c: activations x initialisations, highway nets),
:mod:`.gradients` (d: the backward pass against chi_1), :mod:`.finite_width` (e: the gap to g
against width), :mod:`.net_input` (the CLT behind g at small fan-in); the building blocks
(layers, pooled moments, z-scores, dropout constants, argument checks) in :mod:`.blocks`.

Example
-------
>>> r = one_layer(0.0, 1.0, width=64, rows=64, samples=256, backend="cpu")
>>> bool(max(abs(r.z[0]), abs(r.z[1])) < 5)
True
"""
from __future__ import annotations

from .blocks import (ALPHA_PRIME, DEEP_STARTS, DROPOUT_MODES, EVIDENCE, FINITE_WIDTHS, GRADIENT_CONFIGS, INITS,
                     INPUTS, SMALL_STD, ZOO_ACTIVATIONS, ZOO_INITS, Layer, chi1_quad, dropout_constants,
                     dropout_moments, get_activation, get_backend, init_moments, path_of, pooled_moments, z_scores)
from .deep import DeepResult, DeepRun, analytic_trajectory, deep
from .finite_width import WidthResult, finite_width
from .gradients import GradientRun, GradientsResult, gradients, parse_configs
from .net_input import NetInputResult, NetInputRun, net_input_check
from .one_layer import MapPoint, MapResult, map_grid, one_layer
from .zoo import ZooResult, ZooRun, zoo

__all__ = ["ALPHA_PRIME", "DEEP_STARTS", "DROPOUT_MODES", "EVIDENCE", "FINITE_WIDTHS", "GRADIENT_CONFIGS", "INITS",
           "INPUTS", "SMALL_STD", "ZOO_ACTIVATIONS", "ZOO_INITS", "DeepResult", "DeepRun", "GradientRun",
           "GradientsResult", "Layer", "MapPoint", "MapResult", "NetInputResult", "NetInputRun", "WidthResult",
           "ZooResult", "ZooRun", "analytic_trajectory", "chi1_quad", "deep", "dropout_constants", "dropout_moments",
           "finite_width", "get_activation", "get_backend", "gradients", "init_moments", "map_grid",
           "net_input_check", "one_layer", "parse_configs", "path_of", "pooled_moments", "z_scores", "zoo"]
