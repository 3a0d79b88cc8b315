"""Benchmarks of sasref, run by ``make bench`` (``python -m bench``).

Each ``bench/bench_<topic>.py`` exposes ``run() -> list[dict]`` returning rows with the keys
``benchmark``, ``metric``, ``value``, ``target`` and ``ok``. Speed and memory targets live here,
never as timing asserts in tests.
"""
