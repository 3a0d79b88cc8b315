"""The fake SAS ecosystem: editors, ProSanté Connect, LRM and Hub Santé.

Depends on :mod:`sasref`; :mod:`sasref` never imports it (``tests/unit/test_layers.py``). Its
commands join the ``sasref`` command through an entry point (:mod:`mocks.commands`), and the
in-process fake network tests and notebooks use is :mod:`mocks.testing`.
"""
