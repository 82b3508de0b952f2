"""CUDA kernels in numba's simulator against the CPU backend, on tiny sizes.

Run by ``tests/test_cuda_sim.py`` in a subprocess with ``NUMBA_ENABLE_CUDASIM=1`` (the
simulator must be chosen before numba.cuda is imported, and the rest of the suite keeps the
real CPU numba).  ``python tests/cuda_sim_checks.py`` runs every ``check_*`` and prints one
line per check; the exit status is the number of failures.  Nothing is imported at module
level, so collecting this file in a normal test run does not touch numba.cuda.
"""
import os
import sys
import time
import traceback

#: float32 products summed in another order, plus float64 (simulator) vs float32 (CPU)
#: Box-Muller: agreement to a few float32 ulps of the operands' scale
F32_TOL = 2e-5


def _backends():
    from snn_verify.proofs.evidence.backends import get_backend

    return get_backend("cpu"), get_backend("cuda")


def _close(a, b, tol=F32_TOL, what=""):
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    err = np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b)))
    assert err <= tol, f"{what}: max relative difference {err:.3g} > {tol}"


def check_grid_reduction():
    """The moments path (mean, nu~ - nu) and the Jacobian path (spectral norm) on a 2 x 3 x 3 x 2
    grid: 6 blocks of 128 threads, each reducing its cell's 6 points by the shared-memory tree.
    mu = 0 is on the grid, where nothing depends on omega: ties, which go to the first index on
    both backends."""
    from snn_verify.proofs.evidence.grid import grid_extrema

    box = [(-0.1, 0.0), (-0.1, 0.1), (0.8, 1.5), (0.95, 1.1)]
    for q in ("mean", "variance_change", "spectral_norm"):
        cpu = grid_extrema(q, box, shape=(2, 3, 3, 2), backend="cpu")
        gpu = grid_extrema(q, box, shape=(2, 3, 3, 2), backend="cuda")
        for key in ("min", "max"):
            c, g = getattr(cpu, key), getattr(gpu, key)
            assert abs(c - g) <= 1e-13 * max(1.0, abs(c)), (q, key, c, g)
        assert cpu.argmin == gpu.argmin and cpu.argmax == gpu.argmax, q
        assert gpu.nonfinite == 0


def check_matmul():
    """Forward and transposed hashed-weight products, odd sizes spanning two tiles on every axis."""
    import numpy as np

    from snn_verify.proofs.evidence.backends.device import derive_key

    cpu, gpu = _backends()
    key = derive_key(7, 1, 3)
    n_in, n_out, n_b = 37, 33, 67  # two tiles along every axis (TILE_R = TILE_K = 32, TILE_B = 64)
    x = np.random.default_rng(0).standard_normal((n_in, n_b)).astype(np.float32)
    d = np.random.default_rng(1).standard_normal((n_out, n_b)).astype(np.float32)
    sc_cpu = cpu.weight_scales(key, n_out, n_in, 0.2, 1.1, exact=True)
    sc_gpu = gpu.weight_scales(key, n_out, n_in, 0.2, 1.1, exact=True)  # row sums by the CUDA kernel
    for a, b in zip(sc_gpu, sc_cpu):
        _close(gpu.to_host(a), b, what="scales")
    out_c = cpu.matmul(x, key, sc_cpu, cpu.zeros((n_out, n_b)))
    out_g = gpu.to_host(gpu.matmul(gpu.to_device(x), key, sc_gpu, gpu.zeros((n_out, n_b))))
    _close(out_g, out_c, what="forward")
    back_c = cpu.matmul(d, key, sc_cpu, cpu.zeros((n_in, n_b)), transpose=True)
    back_g = gpu.to_host(gpu.matmul(gpu.to_device(d), key, sc_gpu, gpu.zeros((n_in, n_b)), transpose=True))
    _close(back_g, back_c, what="transposed")
    # the stored path's weight matrix: the same hashed weights from the CUDA fill kernel
    _close(gpu.to_host(gpu.weight_matrix(key, sc_gpu, n_out, n_in)), cpu.weight_matrix(key, sc_cpu, n_out, n_in),
           what="fill_weights")
    # without CuPy (here: the simulator) a CUDA layer keeps the hashed path
    assert gpu.layer_path(n_out, n_in) == "hashed" and not gpu.blas_available


def check_elementwise():
    """Draws (three distributions), activations, gradients, dropout, batch norm, highway."""
    from snn_verify.proofs.evidence.backends.device import DISTRIBUTIONS, derive_key

    cpu, gpu = _backends()
    shape = (6, 7)
    key = derive_key(3, 2, 1)
    for dist in DISTRIBUTIONS:
        a = cpu.draw(cpu.zeros(shape), key, dist, 0.3, 1.5)
        b = gpu.to_host(gpu.draw(gpu.zeros(shape), key, dist, 0.3, 1.5))
        _close(b, a, what=dist)
    z = cpu.draw(cpu.zeros(shape), key, "normal", 0.0, 2.0)
    g = cpu.draw(cpu.zeros(shape), derive_key(3, 5, 1), "normal", 0.0, 1.0)
    zg, gg = gpu.to_device(z), gpu.to_device(g)
    for act in ("selu", "tanh", "relu"):
        _close(gpu.to_host(gpu.activation(act, zg, gpu.zeros(shape), bias=0.5)),
               cpu.activation(act, z, cpu.zeros(shape), bias=0.5), what=act)
        _close(gpu.to_host(gpu.activation_grad(act, zg, gg, gpu.zeros(shape))),
               cpu.activation_grad(act, z, g, cpu.zeros(shape)), what=f"{act}'")
    args = (key, 0.7, -1.75, 1.2, 0.1)
    _close(gpu.to_host(gpu.dropout(zg, *args, gpu.zeros(shape))), cpu.dropout(z, *args, cpu.zeros(shape)),
           what="dropout")
    _close(gpu.to_host(gpu.batchnorm(zg, gpu.zeros(shape))), cpu.batchnorm(z, cpu.zeros(shape)),
           what="batchnorm")
    t = cpu.activation("sigmoid", g, cpu.zeros(shape))
    _close(gpu.to_host(gpu.highway(zg, gpu.to_device(t), gg, gpu.zeros(shape))),
           cpu.highway(z, t, g, cpu.zeros(shape)), what="highway")


def check_experiments():
    """The Monte Carlo experiments end to end at width 6 (deep, zoo with highway, gradients)."""
    from snn_verify.proofs.evidence import montecarlo as mc

    kw = dict(depth=2, width=6, samples=4, seed=5)
    deep = [mc.deep(starts=((0.2, 1.5),), rate=0.2, backend=b, **kw) for b in ("cpu", "cuda")]
    for rc, rg in zip(*(d.runs for d in deep)):
        _close(rg.empirical, rc.empirical, 1e-4, f"deep {rc.dropout}")
    zoo = [mc.zoo(("selu",), ("lecun",), highway_bias=-2.0, batchnorm=True, backend=b, **kw) for b in ("cpu", "cuda")]
    _close(zoo[1].runs["selu/lecun"].var, zoo[0].runs["selu/lecun"].var, 1e-4, "zoo")
    grads = [mc.gradients((("selu", "lecun"),), backend=b, **kw) for b in ("cpu", "cuda")]
    _close(grads[1].runs["selu/lecun"].grad_sq, grads[0].runs["selu/lecun"].grad_sq, 1e-4, "gradients")


def main():
    import warnings

    assert os.environ.get("NUMBA_ENABLE_CUDASIM") == "1", "run with NUMBA_ENABLE_CUDASIM=1"
    # the simulator runs the 64-bit hash as numpy uint64 scalars, whose wrap-around warns
    warnings.filterwarnings("ignore", message="overflow encountered", category=RuntimeWarning)
    failures = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("check_") and (len(sys.argv) < 2 or name in sys.argv[1:]):
            t0 = time.perf_counter()
            try:
                fn()
                print(f"PASS {name} ({time.perf_counter() - t0:.1f} s)", flush=True)
            except Exception:  # noqa: BLE001 -- report every check
                failures += 1
                print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
    return failures


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
