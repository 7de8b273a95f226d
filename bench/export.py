"""Issue 12: the admin's schedule export at 2M rows, under gunicorn: time, rows, worker memory.

    python -m bench.export            # prints the figures, writes bench/results/export.json

One gunicorn sync worker (`bench.serve`, built like wsgi.py) on 127.0.0.1; the admin signs in
through the real form, opens the schedule list once (the worker's baseline RSS is read after
that), then downloads `/admin/schedule/export/csv/` (all 2M rows) while a thread samples the
worker's RSS every 50 ms. Growth = highest RSS during the export - baseline.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import BENCH_URL
from .run import http_sign_in, rss_mb, wait_for, worker_pids


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


RESULTS = Path(__file__).resolve().parent / "results" / "export.json"


class RssSampler(threading.Thread):
    """The highest RSS of process `pid` seen until stop()."""

    def __init__(self, pid, every=0.05):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0.0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid) or 0.0)
            except OSError:  # the worker is gone
                return
            time.sleep(self.every)

    def stop(self):
        self._done.set()
        self.join()
        return self.peak


def download(opener, url, chunk=256 * 1024):
    """Bytes and CSV lines of the response at `url`, read as it streams."""
    size = lines = 0
    with opener.open(url, timeout=3600) as response:
        assert response.status == 200, response.status
        while True:
            data = response.read(chunk)
            if not data:
                break
            size += len(data)
            before, lines = lines, lines + data.count(b"\n")  # \r\n may straddle reads
            if lines // 100_000 != before // 100_000:
                print(f"  {lines:,} lines", file=sys.stderr, flush=True)
    return size, lines


def measure(path, port):
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "3600",
            "--log-level",
            "warning",
            "bench.serve:app",
        ],
        env=dict(os.environ, BENCH_DATABASE_URL=BENCH_URL),
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        wait_for(base)
        opener, _cookie = http_sign_in(base)  # also opens the schedule list once
        (worker,) = worker_pids(server.pid)
        baseline, cpu_before = rss_mb(worker), cpu_seconds(worker)
        sampler = RssSampler(worker)
        sampler.start()
        started = time.perf_counter()
        size, lines = download(opener, base + path)
        seconds = time.perf_counter() - started
        worker_cpu = cpu_seconds(worker) - cpu_before
        peak = sampler.stop()
        return {
            "url": path,
            "rows": lines - 1,
            "megabytes": round(size / 2**20, 1),
            "seconds": round(seconds, 1),
            "rows_per_second": round((lines - 1) / seconds),
            "worker_cpu_seconds": round(worker_cpu, 1),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "worker_rss_baseline_mb": baseline,
            "worker_rss_peak_mb": peak,
            "worker_rss_growth_mb": round(peak - baseline, 1),
            "worker_rss_after_mb": rss_mb(worker),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/admin/schedule/export/csv/")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    result = measure(args.path, args.port)
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
