"""Whose fault an error is (issue 22, part 4): the user's bad input is one line
``verify.py: error: ...`` and exit status 2; anything else that escapes a command is ours, an
internal error: one line ``verify.py: internal error: TYPE: message (a bug in snn-verify; ...)``,
exit status 70, and the traceback only with ``--debug`` or ``SNN_VERIFY_DEBUG=1``.
"""
import json
import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

from snn_verify import cli
from snn_verify.errors import EXIT_INTERNAL, InputError

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: a claim line that certifies quickly (the example of :mod:`snn_verify.proofs.rigorous.batch`)
LINE = ('{"name": "m", "quantity": "mean", "relation": "<", "bound": "0.1", '
        '"box": {"mu": [0, 0.1], "omega": [0, 0.1], "nu": [1, 1.2], "tau": [1, 1]}}')


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch):
    monkeypatch.delenv("SNN_VERIFY_DEBUG", raising=False)


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_bad_input(answer, *words):
    """Exit 2, one line ``verify.py: error: ...`` holding ``words``, no traceback, no stdout."""
    code, out, err = answer
    assert code == 2, (code, err)
    assert err.startswith("verify.py: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert out == ""
    for word in words:
        assert word in err, (word, err)


def assert_internal(answer, kind, message, traceback=False):
    """Exit 70, the last line of stderr ``verify.py: internal error: KIND: message (...)``,
    with the traceback before it only when asked for, nothing on stdout."""
    code, out, err = answer
    assert code == EXIT_INTERNAL == 70, (code, err)
    assert out == ""
    last = err.rstrip("\n").splitlines()[-1]
    assert last.startswith(f"verify.py: internal error: {kind}: {message}"), last
    assert "a bug in snn-verify" in last and "--debug" in last and "SNN_VERIFY_DEBUG=1" in last
    assert "verify.py: error:" not in err                 # never reported as the user's input
    if traceback:
        assert err.startswith("Traceback (most recent call last):"), err[:200]
        assert "_planted" in err                           # the frame that raised
    else:
        assert err.count("\n") == 1 and "Traceback" not in err, err


# --- (a) the user's bad input: exit 2 -------------------------------------------------------

def test_reversed_interval(capsys):
    assert_bad_input(run(capsys, "claim", "--quantity", "mean", "--lt", "1", "--mu", "0.1", "0", "--omega", "0", "0",
                         "--nu", "1", "1", "--tau", "1", "1"), "reversed interval", "--mu")


def test_unknown_activation(capsys):
    assert_bad_input(run(capsys, "activation", "softsign"), "unknown activation 'softsign'", "known: ")


def test_activation_without_constants_is_a_question_without_answer(capsys):
    assert_bad_input(run(capsys, "activation", "celu", "--point", "0", "0", "1", "1"),
                     "celu: no self-normalising constants")


def test_params_without_a_solution(capsys):
    assert_bad_input(run(capsys, "params", "--mean", "5", "--var", "0.01"), "no SELU parameters", "mean=5")


def test_not_a_network(tmp_path, capsys):
    text = tmp_path / "notes.npz"
    text.write_text("these are not weights\n")
    assert_bad_input(run(capsys, "inspect", text), "not an array archive", str(text))
    cube = tmp_path / "cube.npz"
    np.savez(cube, W1=np.ones((2, 2, 2)))
    assert_bad_input(run(capsys, "inspect", cube), "W1", "not 2-D")


def test_data_file_that_does_not_fit_the_network(tmp_path, capsys):
    weights, data = tmp_path / "w.npz", tmp_path / "x.csv"
    np.savez(weights, W1=np.full((4, 3), 0.5))
    np.savetxt(data, np.arange(10.0).reshape(5, 2), delimiter=",")
    assert_bad_input(run(capsys, "tube", weights, "--data", data), "2 features, the network takes 3")


def test_damaged_line_of_a_results_file(tmp_path, capsys):
    """A results file (``--out``, ``--resume``) damaged before its last line: the run stops
    before any work, exit 2."""
    claims, out = tmp_path / "claims.jsonl", tmp_path / "out.jsonl"
    claims.write_text(LINE + "\n")
    out.write_text('{"key": "not a result line"\n{"also": "not one"}\n')
    before = out.read_text()
    assert_bad_input(run(capsys, "claims", claims, "--out", out, "--resume"), "line 1 is not a result line")
    assert out.read_text() == before                      # nothing written, nothing cut


def test_malformed_claim_line_is_an_error_line_not_an_internal_error(tmp_path, capsys):
    """A claims file's lines are independent tasks: a malformed one becomes an ERROR line naming
    the field (the other claims go on; exit 1, as for a refuted claim), never an internal error."""
    claims = tmp_path / "claims.jsonl"
    bad = json.loads(LINE)
    bad["box"]["mu"] = ["0.1", "0"]
    claims.write_text(json.dumps(bad) + "\n")
    code, out, err = run(capsys, "claims", claims, "--workers", "1")
    assert code == 1 and "ERROR Malformed: box.mu: reversed interval" in out, (code, out)
    assert "internal error" not in out + err and "Traceback" not in out + err


def test_malformed_and_rejected_certificates_keep_their_statuses(tmp_path, capsys):
    """The re-checker's own paths: a malformed certificate exits 2, a rejected one 1."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 1}')
    code, out, err = run(capsys, "recheck", bad)
    assert code == 2 and "malformed certificate" in out + err and "internal error" not in out + err
    lines = tmp_path / "c.jsonl"
    lines.write_text(LINE + "\n")
    certs = tmp_path / "certs"
    assert run(capsys, "claims", lines, "--workers", "1", "--certificates", certs)[0] == 0
    (cert,) = certs.iterdir()
    doc = json.loads(cert.read_text())
    doc["claim"]["bound"] = "0.01"                          # a claim the leaves do not prove
    cert.write_text(json.dumps(doc))
    code, out, err = run(capsys, "recheck", cert)
    assert code == 1 and "REJECTED" in out and "internal error" not in err


# --- (b) a bug of ours: exit 70 -------------------------------------------------------------

def _plant(monkeypatch, exc):
    """Make the engine deep under ``verify.py params`` raise ``exc`` (the candidates of the
    fixed-point solver, below the precision machinery)."""
    from snn_verify.theory import parameters

    def _planted(*args, **kwargs):
        raise exc

    monkeypatch.setattr(parameters, "_candidates", _planted)


PARAMS = ("params", "--mean", "0.1", "--var", "1.1", "--digits", "15")


@pytest.mark.parametrize("exc,kind,message", [
    (ValueError("math domain error in a planted bug"), "ValueError", "math domain error in a planted bug"),
    (ZeroDivisionError("division by zero"), "ZeroDivisionError", "division by zero"),
    (KeyError("omega"), "KeyError", "'omega'"),
])
def test_an_engine_bug_is_an_internal_error(monkeypatch, capsys, exc, kind, message):
    _plant(monkeypatch, exc)
    assert_internal(run(capsys, *PARAMS), kind, message)


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_flag_prints_the_traceback(monkeypatch, capsys, where):
    _plant(monkeypatch, ValueError("planted"))
    argv = ("--debug",) + PARAMS if where == "before" else PARAMS + ("--debug",)
    assert_internal(run(capsys, *argv), "ValueError", "planted", traceback=True)


def test_debug_environment_variable_prints_the_traceback(monkeypatch, capsys):
    _plant(monkeypatch, ArithmeticError("planted"))
    monkeypatch.setenv("SNN_VERIFY_DEBUG", "1")
    assert_internal(run(capsys, *PARAMS), "ArithmeticError", "planted", traceback=True)
    monkeypatch.setenv("SNN_VERIFY_DEBUG", "0")
    assert_internal(run(capsys, *PARAMS), "ArithmeticError", "planted")


def test_a_multiline_message_stays_on_one_line(monkeypatch, capsys):
    _plant(monkeypatch, RuntimeError("first line\nsecond line"))
    assert_internal(run(capsys, *PARAMS), "RuntimeError", "first line second line")


def test_a_result_that_cannot_render_is_an_internal_error(monkeypatch, capsys):
    from snn_verify.theory import parameters

    class Broken:
        exit_code = 0

        def render(self):
            raise TypeError("render() of a planted result")

        def to_json(self):
            raise IndexError("to_json() of a planted result")

    monkeypatch.setattr(parameters, "parameters", lambda *a, **k: Broken())
    assert_internal(run(capsys, "params"), "TypeError", "render() of a planted result")
    assert_internal(run(capsys, "params", "--json"), "IndexError", "to_json() of a planted result")


# --- (c) an InputError from library code is the user's ------------------------------------------

def test_input_error_from_deep_inside_the_library_exits_2(monkeypatch, capsys):
    _plant(monkeypatch, InputError("this input has no answer"))
    assert_bad_input(run(capsys, *PARAMS), "this input has no answer")


def test_the_library_errors_about_input_are_input_errors():
    """Each class the library raises for the user's input is an InputError, hence a ValueError
    (callers that catch ValueError keep working); each survives pickling, which is how a worker
    process's exception reaches the parent (multiprocessing pools), with its type."""
    from snn_verify.argtypes import UsageError
    from snn_verify.proofs.evidence.backends import BackendUnavailable
    from snn_verify.proofs.rigorous.activation_theorem1 import NoConstants
    from snn_verify.theory.parameters import NoFixedPointError
    from snn_verify.theory.selu_map import DomainError

    for cls in (UsageError, BackendUnavailable, NoConstants, NoFixedPointError, DomainError):
        assert issubclass(cls, InputError) and issubclass(cls, ValueError), cls
        back = pickle.loads(pickle.dumps(cls("a message")))
        assert type(back) is cls and str(back) == "a message"
    assert issubclass(NoConstants, ArithmeticError)          # as it was before


def test_library_validation_raises_input_error():
    from snn_verify.proofs.claims import Box
    from snn_verify.theory import activation_registry, activations, quantities
    from snn_verify.theory.dropout import affine_correction
    from snn_verify.theory.parameters import NoFixedPointError, solve_parameters

    for call in (lambda: Box((1, 0), (0, 0), (1, 1), (1, 1)), lambda: activations.get("softsign"),
                 lambda: activation_registry.get("softsign"), lambda: quantities.code("curvature"),
                 lambda: affine_correction(2.0, -1.7), lambda: solve_parameters(0, -1)):
        with pytest.raises(InputError):
            call()
    with pytest.raises(NoFixedPointError):
        solve_parameters(5, 0.01, digits=15)


def test_exception_types_cross_process_boundaries(tmp_path):
    """A worker pool (:class:`~snn_verify.proofs.rigorous.certify.Evaluator`, forked in a
    fresh interpreter) re-raises a worker's exception in the parent with its own type, an
    InputError subclass as such and a plain ValueError as a plain one; a sweep task
    (:func:`snn_verify.proofs.sweep.call`, what a Dask worker runs) names the type and flags
    an InputError, which a suite (``Session.values``) re-raises as one (exit 2, as in one
    process), a bug as a plain ``TaskFailed`` (exit 70)."""
    script = tmp_path / "pool.py"
    script.write_text(
        "from snn_verify.proofs.rigorous import certify\n"
        "from snn_verify.errors import InputError\n"
        "from snn_verify.theory.parameters import NoFixedPointError\n"
        "def boom(kind):\n"
        "    raise NoFixedPointError('no fixed point here') if kind else ValueError('a bug')\n"
        "certify.METHODS['boom'] = boom\n"
        "for kind in (1, 0):\n"
        "    try:\n"
        "        with certify.Evaluator(2) as ev:\n"
        "            ev.map([('boom', kind), ('boom', kind)])\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__, isinstance(exc, InputError))\n")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split("\n")[:2] == ["NoFixedPointError True", "ValueError False"], r.stdout
    from snn_verify.proofs import sweep

    task = sweep.Task("snn_verify.theory.parameters.solve_parameters", {"mean": 5, "var": 0.01, "digits": 15})
    line = sweep.call(task.to_json())
    assert line["error"].startswith("NoFixedPointError: no SELU parameters") and line["input_error"] is True
    bug = sweep.call(sweep.Task("snn_verify.theory.parameters.solve_parameters", {"mean": "x"}).to_json())
    assert "error" in bug and "input_error" not in bug
    # a suite (Session.values) re-raises a task's InputError as one, a bug as a plain TaskFailed
    for outcome, input_error in ((line, True), (bug, False)):
        session = sweep.Session()
        lines = {task.key: json.loads(json.dumps({"key": task.key, "name": "t", **outcome}))}   # as sent back
        session.results = lambda tasks: lines
        with pytest.raises(sweep.TaskFailed) as caught:
            session.values([task])
        assert isinstance(caught.value, InputError) is input_error


# --- (d) the same from a fresh interpreter: python verify.py -------------------------------------

#: a ``sitecustomize`` that plants a bug under ``verify.py params`` when SNN_TEST_PLANT is set
PLANT = """\
import os
if os.environ.get("SNN_TEST_PLANT"):
    from snn_verify.theory import parameters

    def _planted(*args, **kwargs):
        raise ValueError("planted " + os.environ["SNN_TEST_PLANT"])

    parameters._candidates = _planted
"""


def _verify(argv, tmp_path, **env):
    (tmp_path / "sitecustomize.py").write_text(PLANT)
    environ = {k: v for k, v in os.environ.items() if k not in ("SNN_VERIFY_DEBUG", "SNN_TEST_PLANT")}
    paths = [str(tmp_path), str(ROOT)] + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    environ["PYTHONPATH"] = os.pathsep.join(paths)
    environ.update(env)
    r = subprocess.run([sys.executable, "verify.py", *argv], cwd=ROOT, env=environ, capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout, r.stderr


def test_verify_py_bad_input_and_internal_error(tmp_path):
    assert_bad_input(_verify(["params", "--mean", "5", "--var", "0.01"], tmp_path), "no SELU parameters")
    assert_internal(_verify(list(PARAMS), tmp_path, SNN_TEST_PLANT="bug"), "ValueError", "planted bug")
    assert_internal(_verify(list(PARAMS), tmp_path, SNN_TEST_PLANT="bug", SNN_VERIFY_DEBUG="1"), "ValueError",
                    "planted bug", traceback=True)
