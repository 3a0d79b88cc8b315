"""Commands of the mock ecosystem, added to the ``sasref`` command through the ``sasref.commands``
entry-point group (``pyproject.toml``): ``sasref mocks population|editor`` and ``sasref demo``.

Each module exposes ``register(subparsers)`` like :mod:`sasref.commands`; heavy imports stay in
``run`` so ``sasref --help`` stays quick.
"""
