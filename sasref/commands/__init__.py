"""Subcommands of ``sasref``; each module exposes ``register(subparsers)``.

A command sets ``run=`` on its parser (``parser.set_defaults(run=...)``): a function taking the
parsed ``argparse.Namespace`` and returning the exit code.
"""
