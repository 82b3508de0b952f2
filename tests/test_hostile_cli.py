"""Hostile input to the command line (issue 17): every bad input gets one line
``verify.py: error: ...`` naming the problem, exit 2, within seconds, no traceback, no
warning, nothing on stdout.

Each command runs in a forked child (``main()`` in-process there, so no interpreter start is
timed) that is killed after :data:`SECONDS`: an input that used to hang (``Fraction`` of
``1e-999999999`` builds 10**999999999) fails the test instead of hanging it.
"""
import io
import json
import math
import multiprocessing
import sys
import time
import warnings

import numpy as np
import pytest

from snn_verify import cli

#: the most seconds one hostile command may take
SECONDS = 5.0
CLAIM = ["claim", "--quantity", "mean", "--mu", "0", "0", "--omega", "0", "0", "--tau", "1", "1", "--workers", "1"]


def _child(argv, conn):
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            code = cli.main(argv)
        except BaseException as exc:   # a traceback would reach the user: report it
            code = f"raised {type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
    conn.send((code, out.getvalue(), err.getvalue(), [f"{w.category.__name__}: {w.message}" for w in caught], seconds))
    conn.close()


def run_bounded(argv, seconds=SECONDS):
    """``(code, stdout, stderr, warnings, seconds)`` of ``main(argv)`` in a child process with
    every warning recorded; ``None`` if it had not answered after ``seconds`` (killed).  The
    child forks from a fork server that has imported the command line but run nothing (a
    plain fork of this process aborts in libgomp once an earlier test has run OpenMP here)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["snn_verify.cli"])
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(argv, child))
    p.start()
    child.close()
    answer = parent.recv() if parent.poll(seconds) else None
    if answer is None:
        p.kill()
    p.join()
    return answer


def assert_refused(argv, *words):
    """Exit 2 within :data:`SECONDS`, stderr one line ``verify.py: error: ...`` holding every
    word of ``words``, stdout empty, no warning."""
    answer = run_bounded(argv)
    assert answer is not None, f"{argv} did not answer within {SECONDS} s"
    code, out, err, caught, _ = answer
    assert code == 2, (code, err)
    assert out == "" and caught == [], (out, caught)
    assert err.startswith("verify.py: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    return err


HUGE = "1" * 5000
HANGS = [
    (["--lt", "1e-999999999", "--nu", "1", "1"], "exponent out of range"),
    (["--gt", "-1e999999999", "--nu", "1", "1"], "exponent out of range"),
    (["--lt", "1e-99999999999999999999999999999999999999", "--nu", "1", "1"], "exponent out of range"),
    (["--lt", "1", "--nu", "1e-999999999", "1"], "exponent out of range"),
    (["--lt", "1", "--nu", "1", "1e999999999"], "exponent out of range"),
    (["--lt", "1", "--nu", "1", "1", "--alpha", "1e-999999999", "1"], "exponent out of range"),
    (["--lt", "1", "--nu", "1", "1", "--lambda", "1", "1e999999999"], "exponent out of range"),
    (["--lt", "1", "--nu", "1", "1", "--dropout", "1e-999999999"], "exponent out of range"),
    (["--lt", "1", "--nu", "1", "1", "--tolerance", "1e-999999999"], "exponent out of range"),
    (["--lt", HUGE, "--nu", "1", "1"], "too long"),
    (["--lt", "0." + "0" * 1500 + "1", "--nu", "1", "1"], "exponent out of range"),
]


@pytest.mark.parametrize("args,words", HANGS, ids=lambda a: str(a)[:40] if isinstance(a, list) else a)
def test_hang_inputs_exit_2_within_seconds(args, words):
    assert_refused(CLAIM + args, words)


@pytest.mark.parametrize("argv", [["fixed-point", "--omega", "1e-999999999"], ["point", "--mu", "1e999999999"],
                                  ["dropout", "--rate", "1e-999999999"], ["meanfield", "--sb2", "1e-999999999"],
                                  ["grid", "--mu", "-1e-999999999", "1"]])
def test_hang_inputs_of_the_other_commands(argv):
    assert_refused(argv, "exponent out of range")


def test_zero_with_a_huge_exponent_is_zero():
    answer = run_bounded(CLAIM + ["--lt", "1", "--nu", "0e-999999999", "1"])
    assert answer is not None and answer[0] == 2 and "must be > 0" in answer[2]


@pytest.mark.parametrize("argv,flag", [(CLAIM + ["--lt", "1", "--nu", "1e-400", "1"], "--nu"),
                                       (["claim", "--quantity", "mean", "--lt", "1", "--mu", "0", "0", "--omega",
                                         "0", "0", "--nu", "1", "1", "--tau", "1e-400", "1"], "--tau"),
                                       (["point", "--nu", "1e-400"], "--nu"),
                                       (["fixed-point", "--tau", "1e-400"], "--tau"),
                                       (CLAIM + ["--lt", "1", "--nu", "1", "1", "--tolerance", "1e-400"], "--tolerance")])
def test_underflow_is_named_underflow(argv, flag):
    err = assert_refused(argv, "underflows float64", "1e-400", flag)
    assert "must be > 0: " not in err


@pytest.mark.parametrize("argv,flag", [(["montecarlo", "map", "--nu", "1e-400", "1"], "--nu"),
                                       (["montecarlo", "deep", "--start", "0", "1e-400"], "--start")])
def test_monte_carlo_variance_underflow_is_named(argv, flag):
    assert_refused(argv, "underflows float64", flag)


@pytest.mark.parametrize("flag", ["--alpha", "--lambda"])
def test_parameter_interval_underflow_is_named(flag):
    assert_refused(CLAIM + ["--lt", "1", "--nu", "1", "1", flag, "1e-400", "2"], "underflows float64", flag)


@pytest.mark.parametrize("argv", [CLAIM[:-2] + ["--lt", "1", "--nu", "1", "1", "--workers", "1000000"],
                                  ["domain", "mu-nu", "--workers", "-3"]])
def test_worker_count_is_bounded(argv):
    assert_refused(argv, "worker processes must be in [1, ")


@pytest.mark.parametrize("argv", [CLAIM + ["--lt", "1", "--nu", "1e400", "1e400"], CLAIM + ["--lt", "-1e400"],
                                  ["point", "--tau", "1e309"]])
def test_overflow_is_named_overflow(argv):
    assert_refused(argv, "overflows float64")


@pytest.mark.parametrize("rate,words", [("-1e-400", "must be in [0, 1)"), ("0.99999999999999999999", "rounds to 1")])
def test_dropout_rate_decided_exactly(rate, words):
    assert_refused(CLAIM + ["--lt", "1", "--nu", "1", "1", "--dropout", rate], words)


def test_grid_points_beyond_any_run_exit_2():
    assert_refused(["grid", "--points", "1e300"], "too large")


def test_claim_over_a_huge_box_emits_no_warning():
    """mu in [-1e6, 1e6] (with wide omega and nu) made the refutation effort's float kernels
    overflow in numpy scalars and its finite differences overflow in numpy arrays."""
    for quantity in ("mean", "variance_change", "spectral_norm"):
        argv = ["claim", "--quantity", quantity, "--lt", "1", "--mu", "-1e6", "1e6", "--omega", "-1e6", "1e6",
                "--nu", "1e-300", "1e300", "--tau", "0.95", "1.1", "--workers", "1", "--budget-seconds", "2"]
        answer = run_bounded(argv, seconds=60)
        assert answer is not None
        code, _, err, caught, _ = answer
        assert code in (1, 3) and caught == [], (quantity, caught[:3])
        assert "Warning" not in err


# --- inspect --------------------------------------------------------------------------------

def _no_infinity(text):
    def refuse(name):
        raise ValueError(f"{name} in the JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (5, 0)])
def test_inspect_empty_layer_is_named(tmp_path, shape):
    path = tmp_path / "empty.npz"
    np.savez(path, fc1=np.ones((5, 3)) * 0.3, fc2=np.zeros(shape))
    assert_refused(["inspect", str(path)], "layer fc2 has no weights (empty array")


@pytest.mark.parametrize("scale,words", [(1e200, "weights too large"), (1e160, "weights too large"),
                                         (1e-200, "weights too small"), (1e-160, "weights too small")])
def test_inspect_weights_beyond_float64(tmp_path, scale, words):
    path = tmp_path / "w.npz"
    np.savez(path, W1=np.full((4, 3), scale))
    err = assert_refused(["inspect", str(path)], words, "W1")
    assert "nan" not in err and "reversed" not in err


def test_inspect_huge_but_finite_sums_no_warning_no_infinity(tmp_path):
    """Weights 1e100 (tau = 3e200, a double) with biases 1e300: an answer, no warning, and
    JSON without inf or nan; the biased trajectory, which leaves float64, is ``null``."""
    path = tmp_path / "w.npz"
    np.savez(path, W1=np.full((4, 3), 1e100), b1=np.full(4, 1e300))
    answer = run_bounded(["inspect", str(path), "--json", "--budget-boxes", "20"], seconds=60)
    assert answer is not None
    code, out, err, caught, _ = answer
    assert caught == [] and "Warning" not in err, caught[:3]
    r = _no_infinity(out)
    assert code in (1, 3)
    traj = r["network"]["trajectory_with_biases"]
    assert traj["mean"][1] is None and traj["var"][1] is None
    assert all(math.isfinite(x) for x in r["network"]["trajectory"]["mean"])
