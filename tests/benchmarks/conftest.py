"""The benchmarks are scripts, not tests: pytest collects nothing in this folder."""

collect_ignore_glob = ["*.py"]
