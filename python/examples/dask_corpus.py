"""Compress a corpus with Dask: the package's functions mapped over files on any cluster.

``dask.distributed`` schedules one task per file; each task loads its file, runs
``sparsewave.compress`` (the GIL is released while it works) and writes the output atomically
with ``sparsewave.save`` — the same samples and file as ``sparsewave compress`` would write.
Here the cluster is a ``LocalCluster``; in production, pass the ``Client`` of any cluster
(dask-jobqueue on Slurm, dask-kubernetes, …).

    python python/examples/dask_corpus.py CORPUS_DIR OUT_DIR [--workers 2] [--keep 4%] [--bits 16]

``bits`` is the output sample format; the command line writes the input's own, so give the
corpus's (16 for CD-quality WAV) to get the files ``sparsewave compress`` writes, byte for byte.
"""

import argparse
from pathlib import Path
from typing import Any, Dict, List

import sparsewave as sw


def compress_file(src: str, dst: str, bits: Any, **params: Any) -> Dict[str, Any]:
    """One task, on a worker: ``sparsewave compress SRC -o DST --bits BITS`` with ``params``
    (the command line's names as keywords). Returns the report."""
    x, sr = sw.load(src)
    y, report = sw.compress(x, sr, **params)
    report["clipped_samples"] = sw.save(dst, y, sr, bits=bits)
    report["output"] = dst
    return report


def run_corpus(
    client, files: List[Path], out_dir: Path, bits: Any = 16, **params: Any
) -> List[Dict[str, Any]]:
    """Map :func:`compress_file` over ``files`` on ``client``'s cluster; outputs keep their
    names in ``out_dir``. Returns the reports in the order of ``files``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    futures = [
        client.submit(compress_file, str(f), str(out_dir / f.name), bits, pure=False, **params)
        for f in files
    ]
    return client.gather(futures)


def main() -> None:
    from dask.distributed import Client, LocalCluster

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", default="4%")
    ap.add_argument("--bits", default="16")
    a = ap.parse_args()
    files = sorted(a.corpus.glob("*.wav"))
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            bits = int(a.bits) if a.bits.isdigit() else a.bits
            reports = run_corpus(client, files, a.out, bits=bits, keep=a.keep)
    for f, r in zip(files, reports):
        print(f"{f.name}: SNR {r['metrics']['snr_db']:.2f} dB")


if __name__ == "__main__":
    main()
