"""Benchmarks at the size of a national chain: `python -m bench.generate`, `python -m bench.run`."""
