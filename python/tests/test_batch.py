"""Corpora: ``sparsewave.batch`` (the command line's batch runner, sharded) and the Dask example
(``python/examples/dask_corpus.py``) against the ``sparsewave`` binary, file for file."""

import importlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from dask.distributed import Client, LocalCluster

import sparsewave as sw
from conftest import CLIP, REPO

BINARY = Path(os.environ.get("SPARSEWAVE_CLI", REPO / "target" / "release" / "sparsewave"))


def make_corpus(folder: Path, count: int = 6) -> list:
    """``count`` half-second 16-bit slices of the bundled clip, each from another offset."""
    x, sr = sw.load(str(CLIP))
    folder.mkdir(parents=True)
    files = []
    for i in range(count):
        start = i * sr // 2
        path = folder / f"clip{i:02d}.wav"
        sw.save(str(path), x[:, start : start + sr // 2], sr, bits=16)
        files.append(path)
    return files


def write_manifest(path: Path, files: list, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        {"command": "compress", "input": str(f), "output": str(out / f.name), "method": "dwt",
         "keep": "4%"}
        for f in files
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_shards_of_a_manifest_equal_the_command_line_run(tmp_path):
    files = make_corpus(tmp_path / "corpus")
    write_manifest(tmp_path / "py.jsonl", files, tmp_path / "py")
    write_manifest(tmp_path / "cli.jsonl", files, tmp_path / "cli")

    first = sw.batch(tmp_path / "py.jsonl", shard=(0, 2), jobs=2)
    second = sw.batch(tmp_path / "py.jsonl", shard="1/2")
    assert (first["done"], second["done"]) == (3, 3)
    assert first["failed"] == second["failed"] == 0
    done = subprocess.run(
        [str(BINARY), "batch", str(tmp_path / "cli.jsonl"), "--json"], capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["done"] == 6
    for f in files:
        assert (tmp_path / "py" / f.name).read_bytes() == (tmp_path / "cli" / f.name).read_bytes()

    # The shards' results together are the manifest, each job once.
    jobs = []
    for summary in (first, second):
        lines = Path(summary["results"]).read_text().splitlines()
        jobs += [json.loads(line)["job"] for line in lines]
    assert sorted(jobs) == list(range(6))

    # Idempotent: a re-run skips every job of its shard.
    again = sw.batch(tmp_path / "py.jsonl", shard=(0, 2))
    assert (again["done"], again["skipped"]) == (0, 3)


def test_bad_manifests_and_shards_raise_value_errors(tmp_path):
    files = make_corpus(tmp_path / "corpus", count=1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"command": "compress", "input": str(files[0]),
                               "output": str(tmp_path / "o.wav"), "no-such-flag": 1}) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        sw.batch(bad)
    with pytest.raises(ValueError):
        sw.batch(bad, shard="3/2")
    with pytest.raises(OSError):
        sw.batch(tmp_path / "missing.jsonl")


EXAMPLES = REPO / "python" / "examples"


def test_the_dask_example_writes_the_files_the_command_line_writes(tmp_path, monkeypatch):
    # The example is a script, not part of the package: the workers (new processes) import it
    # from the same folder as this process.
    monkeypatch.setenv("PYTHONPATH", str(EXAMPLES))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    example = importlib.import_module("dask_corpus")
    files = make_corpus(tmp_path / "corpus")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        reports = example.run_corpus(client, files, tmp_path / "dask", bits=16, method="pgbz",
                                     keep="4%")
    for f, report in zip(files, reports):
        out = tmp_path / "cli" / f.name
        out.parent.mkdir(exist_ok=True)
        done = subprocess.run(
            [str(BINARY), "compress", str(f), "-o", str(out), "--method", "pgbz", "--keep", "4%",
             "--json"],
            capture_output=True, text=True,
        )
        assert done.returncode == 0, done.stderr
        cli_report = json.loads(done.stdout)
        assert (tmp_path / "dask" / f.name).read_bytes() == out.read_bytes()
        assert report["metrics"]["snr_db"] == pytest.approx(cli_report["metrics"]["snr_db"],
                                                            rel=1e-12)
