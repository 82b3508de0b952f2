"""Training loops: plain SGD on the softmax cross-entropy, several nets at once.

:func:`fit` trains ``k`` copies of one architecture side by side (``jax.vmap``), each with
its own random key (initialisation, mini-batches, dropout), learning rate and dropout
``(q, a, b)``; the steps run inside one compiled ``jax.lax.scan``.  Each step draws a
mini-batch of ``batch`` distinct rows, computes the mean cross-entropy
``-mean log softmax(f(x))[y]`` in training mode (BatchNorm on the batch's statistics,
dropout on) and moves the weights by ``-lr * gradient`` (``optax.sgd``, no momentum).
The loss recorded for a step is that mini-batch's loss before the update.
"""
from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
import optax

#: collections that training updates besides the parameters
STATE = ("batch_stats",)
#: row counts are padded up to a multiple of this, so that folds of slightly different
#: sizes share one compiled function
ROW_BUCKET = 64


def _pad(a, rows):
    """``a`` with zero rows appended up to ``rows``."""
    a = np.asarray(a)
    return np.concatenate([a, np.zeros((rows - len(a), *a.shape[1:]), a.dtype)]) if rows > len(a) else a


def _bucket(n):
    return -(-n // ROW_BUCKET) * ROW_BUCKET


def _cross_entropy(logits, y):
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _init_one(model, features):
    def one(key):
        return model.init({"params": key}, jnp.zeros((1, features), jnp.float32))
    return one


def _run_one(model, steps, batch):
    def one(variables, key, lr, drop, x, y, n):
        tx = optax.sgd(lr)
        params = variables["params"]
        state = {k: v for k, v in variables.items() if k in STATE}

        def loss_fn(params, state, xb, yb, k):
            logits, new = model.apply({"params": params, **state}, xb, train=True, drop=drop,
                                      rngs={"dropout": k}, mutable=list(STATE))
            return _cross_entropy(logits, yb), new

        def step(carry, k):
            params, state, opt = carry
            k_batch, k_drop = jax.random.split(k)
            # ``batch`` distinct rows among the first n (the rest is padding): the smallest keys
            score = jnp.where(jnp.arange(x.shape[0]) < n, jax.random.uniform(k_batch, (x.shape[0],)), 2.0)
            idx = jax.lax.top_k(-score, batch)[1]
            (loss, new), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, x[idx], y[idx], k_drop)
            updates, opt = tx.update(grads, opt, params)
            return (optax.apply_updates(params, updates), {**state, **new}, opt), loss

        (params, state, _), losses = jax.lax.scan(step, (params, state, tx.init(params)), jax.random.split(key, steps))
        return {"params": params, **state}, losses
    return one


#: vmapped over the copies: variables or init key, run key, lr, drop; shared x, y, n
_AXES = (0, 0, 0, 0, None, None, None)


@lru_cache(maxsize=None)
def _init_fn(model, features):
    return jax.jit(jax.vmap(_init_one(model, features)))


@lru_cache(maxsize=None)
def _run_fn(model, steps, batch):
    return jax.jit(jax.vmap(_run_one(model, steps, batch), in_axes=_AXES))


@lru_cache(maxsize=None)
def _fit_fn(model, features, steps, batch):
    init_one, run_one = _init_one(model, features), _run_one(model, steps, batch)
    return jax.jit(jax.vmap(lambda key, *rest: run_one(init_one(key), *rest), in_axes=_AXES))


def keys(seeds):
    """One jax PRNG key per integer seed, stacked."""
    return jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])


def init(model, seeds, features):
    """Freshly initialised variables of ``len(seeds)`` copies of ``model`` (stacked)."""
    return _init_fn(model, int(features))(keys(seeds))


def _call(fn, first, seeds, x, y, lr, drop):
    k = len(seeds)
    lr = jnp.broadcast_to(jnp.asarray(lr, jnp.float32), (k,))
    drop = tuple(jnp.broadcast_to(jnp.asarray(v, jnp.float32), (k,)) for v in drop)
    rows = _bucket(len(x))
    variables, losses = fn(first, keys(seeds), lr, drop, jnp.asarray(_pad(x, rows)), jnp.asarray(_pad(y, rows)),
                           len(x))
    return variables, np.asarray(losses)


def run(model, variables, seeds, x, y, steps, batch, lr, drop=(1.0, 1.0, 0.0)):
    """Continue training the stacked ``variables`` for ``steps`` SGD steps.

    ``seeds`` (one per copy) drive mini-batches and dropout; ``lr`` and each of ``drop``'s
    three entries are a number or one value per copy.  Returns ``(variables, losses)`` with
    losses a numpy array (copies, steps).
    """
    return _call(_run_fn(model, int(steps), min(int(batch), len(x))), variables, seeds, x, y, lr, drop)


def fit(model, seeds, x, y, steps, batch, lr, drop=(1.0, 1.0, 0.0)):
    """Initialise (key ``seed``) and train (key ``seed + 1``) one copy per seed, in one
    compiled call; otherwise as :func:`run`."""
    fn = _fit_fn(model, int(x.shape[1]), int(steps), min(int(batch), len(x)))
    return _call(fn, keys(seeds), [s + 1 for s in seeds], x, y, lr, drop)


@lru_cache(maxsize=None)
def _predict_fn(model):
    return jax.jit(jax.vmap(lambda v, x: model.apply(v, x, train=False), in_axes=(0, None)))


def accuracy(model, variables, x, y):
    """Each copy's fraction of rows of ``x`` classified as ``y`` (inference mode)."""
    logits = np.asarray(_predict_fn(model)(variables, jnp.asarray(_pad(x, _bucket(len(x))))))[:, :len(x)]
    return (logits.argmax(-1) == np.asarray(y)[None]).mean(-1)


def unstack(variables, i):
    """Copy ``i`` of stacked variables."""
    return jax.tree_util.tree_map(lambda a: a[i], variables)


def intermediates(model, variables, x, train=False):
    """Per hidden layer, the pre-activations and activations of one (unstacked) net on ``x``:
    ``(pre, act)``, two lists of numpy arrays (rows, width).  ``train=True`` uses BatchNorm's
    batch statistics."""
    _, inter = model.apply(variables, jnp.asarray(x), train=train, mutable=["intermediates", *STATE])
    i = inter["intermediates"]
    return [np.asarray(a) for a in i["pre"]], [np.asarray(a) for a in i["act"]]
