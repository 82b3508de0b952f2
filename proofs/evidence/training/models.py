"""The feed-forward nets compared in the paper, as flax (linen) modules.

A net is ``depth`` hidden layers of ``width`` units and a linear output layer.  Hidden layer
``i``'s dense map is the submodule ``hidden_<i>`` (its kernel is (fan-in, width); column j
holds unit j's incoming weights, whose sum and sum of squares are the paper's omega and tau).

Methods (``METHODS``), all with zero biases at the start:

- ``snn``: SELU, LeCun-normal weights w ~ Normal(0, 1/n), alpha dropout, no normalisation;
- ``relu``: ReLU with MSRA (He) weights w ~ Normal(0, 2/n), dropout;
- ``batchnorm``: ReLU, He weights, BatchNorm before every activation;
- ``layernorm``: the same with LayerNorm;
- ``weightnorm``: ReLU, He weights, each dense map weight-normalised (w = g v / ||v||);
- ``highway``: a ReLU input layer, then layers y = H(x) T(x) + x (1 - T(x)),
  H = relu(W_H x), T = sigmoid(W_T x + b_T) with the gate bias b_T = HIGHWAY_BIAS;
- ``resnet``: a ReLU input layer, then blocks y = x + W_2 relu(W_1 x) (W_1 He, W_2 LeCun).

Dropout is given at call time as ``(q, a, b)``: keep probability q and the affine map
``a x + b`` applied after dropping (alpha dropout: dropped units set to
alpha' = -lambda01 alpha01, a and b from :func:`snn_verify.theory.dropout.affine_correction`;
standard inverted dropout: dropped units 0, a = 1/q, b = 0).  Passing them as arrays lets one
compiled training step serve every dropout rate of a grid.

Every hidden layer records (``sow``) its normalised pre-activation (``pre``, the input to the
nonlinearity) and its output (``act``) in the ``intermediates`` collection.
"""
from __future__ import annotations

from functools import lru_cache

import flax.linen as nn
import jax
import jax.numpy as jnp

from snn_verify.errors import InputError

METHODS = ("snn", "relu", "batchnorm", "layernorm", "weightnorm", "highway", "resnet")
#: Figure 1's two nets
FIGURE1_METHODS = ("snn", "batchnorm")
#: the highway gate's starting bias (Srivastava et al. use -1 to -4)
HIGHWAY_BIAS = -2.0

LECUN = nn.initializers.variance_scaling(1.0, "fan_in", "normal")
HE = nn.initializers.variance_scaling(2.0, "fan_in", "normal")


@lru_cache(maxsize=None)
def alpha_prime():
    """alpha' = -lambda01 * alpha01, the value a dropped SELU unit takes."""
    from snn_verify.theory.parameters import alpha01, lambda01

    return -float(alpha01() * lambda01())


def dropout_affine(method, rate):
    """``(q, a, b)`` for dropout ``rate`` = 1 - q: alpha dropout for ``snn``, inverted
    standard dropout otherwise.

    >>> q, a, b = dropout_affine("snn", 0.05)
    >>> q, round(a, 6), round(b, 6)
    (0.95, 0.954844, 0.083936)
    >>> dropout_affine("relu", 0.5)
    (0.5, 2.0, 0.0)
    """
    from snn_verify.theory.dropout import affine_correction

    q = 1.0 - rate
    if method == "snn":
        a, b = affine_correction(q, alpha_prime())
        return q, float(a), float(b)
    return q, 1.0 / q, 0.0


def _dropout(x, drop, rng, fill):
    """Keep each unit with probability q, else set it to ``fill``; then a x + b."""
    q, a, b = drop
    keep = jax.random.bernoulli(rng, q, x.shape)
    return a * jnp.where(keep, x, fill) + b


class Net(nn.Module):
    """A ``method`` net: ``depth`` hidden layers of ``width`` units, ``classes`` outputs."""

    method: str
    depth: int
    width: int
    classes: int

    def _layer(self, i, x, train):
        m = self.method
        init = LECUN if m == "snn" else HE
        if m == "weightnorm":
            return nn.WeightNorm(nn.Dense(self.width, kernel_init=init, name=f"hidden_{i}"))(x)
        pre = nn.Dense(self.width, kernel_init=init, use_bias=m != "batchnorm", name=f"hidden_{i}")(x)
        if m == "batchnorm":
            pre = nn.BatchNorm(use_running_average=not train, momentum=0.9, name=f"bn_{i}")(pre)
        elif m == "layernorm":
            pre = nn.LayerNorm(name=f"ln_{i}")(pre)
        return pre

    @nn.compact
    def __call__(self, x, train=False, drop=None):
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; known: {', '.join(METHODS)}")
        fill = alpha_prime() if self.method == "snn" else 0.0
        act = jax.nn.selu if self.method == "snn" else jax.nn.relu
        for i in range(self.depth):
            if self.method in ("highway", "resnet") and i > 0:
                x = self._residual(i, x)
                pre = x
            else:
                pre = self._layer(i, x, train)
                x = act(pre)
            self.sow("intermediates", "pre", pre)
            self.sow("intermediates", "act", x)
            if train and drop is not None:
                x = _dropout(x, drop, self.make_rng("dropout"), fill)
        return nn.Dense(self.classes, kernel_init=LECUN if self.method == "snn" else HE, name="output")(x)

    def _residual(self, i, x):
        if self.method == "highway":
            h = jax.nn.relu(nn.Dense(self.width, kernel_init=HE, name=f"hidden_{i}")(x))
            t = jax.nn.sigmoid(nn.Dense(self.width, kernel_init=LECUN,
                                        bias_init=nn.initializers.constant(HIGHWAY_BIAS), name=f"gate_{i}")(x))
            return h * t + x * (1 - t)
        h = jax.nn.relu(nn.Dense(self.width, kernel_init=HE, name=f"hidden_{i}")(x))
        return x + nn.Dense(self.width, kernel_init=LECUN, name=f"out_{i}")(h)


def hidden_kernels(params, depth):
    """The (fan-in, width) kernels of the hidden layers, in order."""
    return [params[f"hidden_{i}"]["kernel"] for i in range(depth)]
