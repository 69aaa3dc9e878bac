"""Shared fixtures: the bundled clip, the CLI binary, the repository's test data."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sparsewave as sw

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "crates" / "sparsewave" / "tests" / "data"
CLIP = DATA / "folk_4s.wav"


@pytest.fixture(scope="session")
def clip():
    """The bundled 4 s mono clip: ``(x, sr)`` with ``x`` of shape ``(1, n)``."""
    return sw.load(str(CLIP))


@pytest.fixture(scope="session")
def cli():
    """Runs the ``sparsewave`` binary (``$SPARSEWAVE_CLI`` or ``target/release/sparsewave``,
    built by ``cargo build --release -p sparsewave-cli``) and returns its ``--json`` output."""
    binary = Path(os.environ.get("SPARSEWAVE_CLI", REPO / "target" / "release" / "sparsewave"))
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: run `cargo build --release -p sparsewave-cli` first")

    def run(*args):
        done = subprocess.run(
            [str(binary), *map(str, args), "--json"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def assert_reports_equal(cli_report, py_report):
    """The CLI's ``--json`` and the Python report agree on every key the job computes (not on
    the file fields the CLI adds, nor on the wall time); numbers to 1e-12 relative."""
    skip = {"input", "output", "seconds", "clipped_samples", "clean"}
    cli_params = {k: v for k, v in cli_report["params"].items() if k != "mono"}
    assert cli_params == py_report["params"]
    for key, value in cli_report.items():
        if key in skip or key == "params":
            continue
        assert key in py_report, key
        assert_close(value, py_report[key], key)


def assert_close(a, b, where):
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b)):
            assert_close(u, v, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=0, err_msg=where)
    else:
        assert a == b, where
