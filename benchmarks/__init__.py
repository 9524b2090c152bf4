"""Benchmarks: ours against reference tools, measured in the same run."""
