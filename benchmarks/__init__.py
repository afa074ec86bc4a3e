"""Benchmarks of the performance table: run them all with `python -m benchmarks`."""
