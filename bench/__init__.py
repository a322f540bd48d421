"""Benchmarks of TCB Links against the tools users would otherwise use (``make bench``).

``python -m bench`` runs them all and writes ``docs/BENCHMARKS.md`` and ``docs/bench/``;
see ``bench/__main__.py`` for subsets, ``--quick`` and how to add a benchmark.
"""
