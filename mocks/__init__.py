"""The fake SAS ecosystem: editors, ProSanté Connect, LRM and Hub Santé.

Depends on :mod:`sasref`; :mod:`sasref` never imports it (except ``sasref.testing`` and the
``sasref demo``/``sasref mocks`` commands, which import it lazily).
"""
