"""Sweeps on real Dask (no mocks): a LocalCluster of 2 worker processes runs claim sweeps with
the in-process verdicts; a worker killed by its pid mid-sweep is rescheduled; a stopped sweep
resumes to the same file; a task that raises is an error line and the sweep goes on."""
import json
import os
import signal
import threading

import pytest

from snn_verify import cli
from snn_verify.proofs import sweep
from snn_verify.proofs.rigorous import batch

BOX = {"mu": ["-0.1", "0.1"], "omega": ["-0.1", "0.1"], "nu": ["0.8", "1.5"], "tau": ["0.95", "1.1"]}
#: 20 claims about Theorem 1's box: true and false bounds either side of each extreme
BOUNDS = {"mean": (("<", "0.0677"), ("<", "0.0678"), (">", "-0.0310"), (">", "-0.0311"), ("<", "0.05")),
          "variance": (("<", "1.4815"), ("<", "1.4816"), (">", "0.8037"), (">", "0.8038"), (">", "0.9")),
          "variance_change": (("<", "0.7"), (">", "-0.7"), ("<", "0.0"), (">", "0.0"), ("<", "0.68")),
          "spectral_norm": (("<", "0.8977"), ("<", "0.8976"), ("<", "1"), (">", "0.5"), (">", "0.9"))}


def claim_lines():
    return [json.dumps({"name": f"{q} {rel} {b}", "quantity": q, "relation": rel, "bound": b, "box": BOX})
            for q, pairs in BOUNDS.items() for rel, b in pairs]


def claim_tasks(lines):
    return [sweep.Task(batch.TASK, {"line": line, "budget_seconds": 30.0, "certificates": None},
                       name=json.loads(line)["name"]) for line in lines]


@pytest.fixture(scope="module")
def client():
    c, cluster = sweep.client_for(workers=2)
    yield c
    c.close()
    cluster.close()


def _verdicts(lines):
    return {line["name"]: line["result"]["verdict"] for line in lines}


@pytest.fixture(scope="module")
def in_process():
    """The reference: every claim certified in this process, one after the other."""
    return {json.loads(line)["name"]: batch.certify_line(line, 30.0)["verdict"] for line in claim_lines()}


def test_a_20_claim_sweep_on_2_workers_gives_the_in_process_verdicts(client, in_process, tmp_path):
    out = tmp_path / "results.jsonl"
    result = sweep.run(claim_tasks(claim_lines()), out=str(out), client=client)
    assert len(result.lines) == 20 and not result.errors
    assert _verdicts(result.lines) == in_process
    assert {"CERTIFIED", "REFUTED"} <= set(in_process.values())
    assert len(out.read_text().splitlines()) == 20


def test_a_worker_killed_mid_sweep_is_rescheduled(client):
    tasks = [sweep.Task("snn_verify.proofs.sweep.echo", {"seconds": 1.0, "i": i}, name=str(i)) for i in range(6)]
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    timer = threading.Timer(0.5, os.kill, (victim, signal.SIGKILL))
    timer.start()
    result = sweep.run(tasks, client=client)
    timer.join()
    assert not result.errors
    assert sorted(line["result"]["i"] for line in result.lines) == list(range(6))
    client.wait_for_workers(2, timeout=30)        # the nanny restarts the killed worker
    assert victim not in client.run(os.getpid).values()


def test_a_stopped_sweep_resumes_to_the_same_file(client, tmp_path):
    tasks = claim_tasks(claim_lines()[:8])
    whole = tmp_path / "whole.jsonl"
    sweep.run(tasks, out=str(whole), client=client)
    part = tmp_path / "part.jsonl"
    first = sweep.run(tasks[:3], out=str(part), client=client)
    with open(part, "a") as fh:                    # a line half-written when the run was killed
        fh.write('{"key": "abc", "na')
    seen = []
    resumed = sweep.run(tasks, out=str(part), resume=True, client=client, progress=seen.append)
    assert resumed.skipped == 3 and len(seen) == 5  # no finished task repeated
    assert {line["key"] for line in first.lines}.isdisjoint(line["key"] for line in seen)
    assert sorted(map(_timeless, part.read_text().splitlines())) == sorted(map(_timeless, whole.read_text().splitlines()))


def _timeless(text):
    """A result line without its measured seconds (the one field that differs between runs)."""
    line = json.loads(text)
    line.get("result", {}).pop("seconds", None)
    return json.dumps(line, sort_keys=True)


def test_keys_and_seeds_depend_on_the_task_only():
    a = sweep.Task(batch.TASK, {"line": "x", "budget_seconds": 1.0, "certificates": None})
    b = sweep.Task(batch.TASK, {"certificates": None, "budget_seconds": 1.0, "line": "x"})
    c = sweep.Task(batch.TASK, {"line": "y", "budget_seconds": 1.0, "certificates": None})
    assert a.key == b.key != c.key and sweep.seed_of(a.key) == sweep.seed_of(b.key)


def test_claims_cli_writes_an_error_line_and_exits_1(tmp_path, capsys):
    lines = claim_lines()[:2] + [json.dumps({"name": "reversed", "quantity": "mean", "relation": "<", "bound": "1",
                                             "box": dict(BOX, mu=["0.1", "-0.1"])}), "not json"]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    code = cli.main(["claims", str(path), "--out", str(out), "--workers", "1", "--json"])
    written = [json.loads(x) for x in out.read_text().splitlines()]
    assert code == 1 and len(written) == 4
    errors = {line["name"]: line["error"] for line in written if "error" in line}
    assert "reversed interval" in errors["reversed"] and "not JSON" in errors["line 4"]
    assert sum("result" in line for line in written) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 2 and len(report["results"]) == 4


@pytest.mark.parametrize("argv, message", [(["claims", "nope.jsonl"], "not found"),
                                           (["claims", __file__, "--resume"], "--resume needs --out")])
def test_claims_cli_bad_input_exits_2(argv, message, capsys):
    assert cli.main(argv) == 2 and message in capsys.readouterr().err


def test_bench_sweep_compares_1_and_2_workers_on_the_same_claims():
    """``verify.py bench sweep`` on a small draw: both runs give the same verdicts, and the
    overhead is measured against the in-process calls (no timing is asserted)."""
    from snn_verify.proofs.evidence import bench_sweep

    r = bench_sweep.bench(claims=2, seconds=5.0, tasks=5)
    assert r.same_verdicts and r.seconds_1 > 0 and r.seconds_2 > 0 and r.swept > r.in_process >= 0
    assert "against 1 worker" in r.render()
    # the Evaluator row: one claim's per-box work on the local pool and as Dask tasks, same bounds
    assert r.evaluator["same_bounds"] and r.evaluator["boxes"] > 50 and "Dask/pool x" in r.render()


def test_bench_corners_as_a_sweep_gives_the_sequential_verdicts():
    from snn_verify.proofs.evidence import bench_corners

    seq = bench_corners.run(claims=3, seconds=5.0, seed=4)
    swept = bench_corners.run(claims=3, seconds=5.0, seed=4, sweep_workers=2)
    assert [r["bound"] for r in seq.rows] == [r["bound"] for r in swept.rows]
    assert [r["verdict"] for r in seq.rows] == [r["verdict"] for r in swept.rows]


def test_hostile_claim_lines_become_error_lines(tmp_path, capsys):
    """Found by review: a line nested 200,000 deep, a line that is not UTF-8, a lone
    surrogate in a name, and "alpha": "12" (once read as [1, 2]) are error lines; the run
    goes on and prints no traceback."""
    good = claim_lines()[1]                              # mean < 0.0678: CERTIFIED
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\n".join([good.encode(), b"[" * 200_000, b"\xff\xfe not utf-8",
                                 json.dumps({"name": "a\ud800", "quantity": "mean"}).encode(),
                                 json.dumps(dict(json.loads(good), name="alpha", model={"alpha": "12"})).encode()]))
    code = cli.main(["claims", str(path), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 1 and out.count(": ERROR") == 4 and "CERTIFIED" in out and "Traceback" not in out
    assert "model.alpha: an array expected" in out


def test_a_results_file_edited_in_the_middle_is_refused_and_read_back_lines_are_marked(tmp_path, capsys):
    import os

    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(claim_lines()[1:4:2]) + "\n")     # two CERTIFIED claims
    out = tmp_path / "out.jsonl"
    assert cli.main(["claims", str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["claims", str(path), "--out", str(out), "--resume"]) == 0
    assert "read back from the results file" in capsys.readouterr().out
    first, second = out.read_text().splitlines()
    out.write_text(first[:-3] + "\n" + second + "\n")       # damaged before the last line
    assert cli.main(["claims", str(path), "--out", str(out), "--resume"]) == 2
    assert "line 1 is not a result line" in capsys.readouterr().err
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert cli.main(["claims", str(path), "--out", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err
