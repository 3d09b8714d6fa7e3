"""borderkit benchmarks: each ``bench_*.py`` module has a ``main()`` that prints a table.

Every figure is a ratio against a common baseline measured in the same run, so
the numbers compare across machines. Run them all with ``make bench``
(``python -m bench``) or one with ``python -m bench measure``.
"""
