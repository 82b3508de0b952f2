"""The sweep layer applied to the other sweeps (issue 21), on real Dask (no mocks): a tiny
run in-process and the same run through a 2-worker LocalCluster (``--scheduler`` its
address) give identical results -- ``theorems --extended`` (with the domain searches and the
certificates), ``montecarlo map`` and ``zoo``, ``train uci`` -- and a resumed sweep repeats
no finished task."""
import json
import os

import pytest

from snn_verify import cli
from snn_verify.proofs import sweep


@pytest.fixture(scope="module")
def address():
    client, cluster = sweep.client_for(workers=2)
    yield cluster.scheduler_address
    client.close()
    cluster.close()


def _timeless(obj):
    """The JSON without its measured seconds (the one thing that differs between runs)."""
    if isinstance(obj, dict):
        return {k: _timeless(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_timeless(v) for v in obj]
    return obj


def _run(capsys, argv):
    code = cli.main(argv + ["--json"])
    return code, json.loads(capsys.readouterr().out)


def test_theorems_extended_on_2_workers_equals_the_in_process_run(address, tmp_path, capsys):
    """Every claim (paper, dropout, float32, the rate scan, the domain searches' steps and
    certificates) a task: the same JSON as ``--workers 1`` in one process (the boxes too),
    and the same certificate files; ``--resume`` then computes nothing and prints the same."""
    here, there, out = tmp_path / "here", tmp_path / "there", tmp_path / "ext.jsonl"
    code, ref = _run(capsys, ["theorems", "--extended", "--workers", "1", "--certificates", str(here)])
    code2, swept = _run(capsys, ["theorems", "--extended", "--scheduler", address, "--out", str(out),
                                 "--certificates", str(there)])
    assert code == code2 == 0
    assert _timeless(swept) == _timeless(json.loads(json.dumps(ref).replace(str(here), str(there))))
    assert sorted(os.listdir(here)) == sorted(os.listdir(there)) and len(os.listdir(here)) > 30
    n = len(out.read_text().splitlines())
    code3, resumed = _run(capsys, ["theorems", "--extended", "--scheduler", address, "--out", str(out), "--resume",
                                   "--certificates", str(there)])
    assert code3 == 0 and _timeless(resumed) == _timeless(swept) and len(out.read_text().splitlines()) == n
    assert cli.main(["theorems", "--resume"]) == 2 and "--resume needs --out" in capsys.readouterr().err


def test_domain_text_is_the_same_on_a_sweep(address, capsys):
    assert cli.main(["domain", "mu-nu", "--workers", "1"]) == 0
    here = capsys.readouterr().out
    assert cli.main(["domain", "mu-nu", "--scheduler", address]) == 0
    assert capsys.readouterr().out == here and "largest mu-nu box" in here


MAP = ["montecarlo", "map", "--grid", "3", "--width", "32", "--samples", "64", "--device", "cpu", "--seed", "3"]


def test_montecarlo_map_and_zoo_on_2_workers_equal_the_in_process_runs(address, capsys):
    zoo = ["montecarlo", "zoo", "--depth", "3", "--width", "32", "--samples", "32", "--activations", "selu,relu",
           "--inits", "lecun,he", "--device", "cpu", "--highway-bias", "-1", "--histograms"]
    for argv in (MAP, zoo):
        code, ref = _run(capsys, argv)
        code2, swept = _run(capsys, argv + ["--scheduler", address])
        assert code == code2 == 0 and _timeless(swept) == _timeless(ref)


def test_a_resumed_map_sweep_repeats_no_finished_task(address, tmp_path, capsys):
    from snn_verify.proofs.evidence.montecarlo import swept

    whole, part = tmp_path / "whole.jsonl", tmp_path / "part.jsonl"
    kw = dict(grid=3, width=32, samples=64, backend="cpu", seed=3)
    with sweep.Session(out=str(whole), scheduler=address) as s:
        ref = swept.map_grid(s, **kw)
    lines = whole.read_text().splitlines()
    failed = {k: v for k, v in json.loads(lines[4]).items() if k != "result"}
    failed["error"] = "KilledWorker: the worker died twice"
    # a sweep stopped after 4 of 9 cells, a fifth recorded as an error (a suite runs it again)
    part.write_text("\n".join(lines[:4] + [json.dumps(failed)]) + "\n")
    seen = []
    with sweep.Session(out=str(part), resume=True, scheduler=address, progress=seen.append) as s:
        again = swept.map_grid(s, **kw)
    assert s.skipped == 4 and s.computed == 5 and len(seen) == 5
    assert {json.loads(x)["key"] for x in lines[:4]}.isdisjoint(line["key"] for line in seen)
    assert sweep.finished(str(part)) == sweep.finished(str(whole))
    assert _timeless(again.to_json()) == _timeless(ref.to_json())


def test_train_uci_on_2_workers_equals_the_in_process_run(address, tmp_path, capsys):
    """JAX inside Dask worker processes (spawned, one thread each): the same accuracies and
    the same hyperparameters chosen, on a tiny grid (a 60-row CSV, 2 folds, 2 methods, 5
    steps: 4 tasks)."""
    pytest.importorskip("jax")
    pytest.importorskip("flax")
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    rows = [",".join(f"{v:.4f}" for v in r) + f",{'ab'[int(r[0] + r[1] > 0)]}" for r in x]
    (tmp_path / "tiny.csv").write_text("\n".join(rows) + "\n")
    argv = ["train", "uci", "--quick", "--steps", "5", "--folds", "2", "--methods", "snn,relu",
            "--data", str(tmp_path / "tiny.csv")]
    code, ref = _run(capsys, argv)
    code2, swept = _run(capsys, argv + ["--scheduler", address])
    assert code == code2 == 0 and _timeless(swept) == _timeless(ref)
    assert list(ref["accuracy"]) == ["tiny"] and len(ref["chosen"]["tiny"]["snn"]) == 2
