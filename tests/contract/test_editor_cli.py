"""``sasref mocks editor`` command line (the server itself is exercised in-process elsewhere)."""

from __future__ import annotations

import argparse

import pytest

from mocks.commands import mocks_editor


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sasref mocks")
    mocks_editor.register(parser.add_subparsers(dest="mocks_command"))
    return parser


def test_options_and_defaults() -> None:
    args = _parser().parse_args(["editor", "--port", "8081"])
    assert (args.port, args.host, args.seed, args.name, args.editors) == (
        8081, "127.0.0.1", 0, None, 40,
    )  # fmt: skip
    assert args.run is mocks_editor.run
    with pytest.raises(SystemExit):
        _parser().parse_args(["editor"])  # --port is required


def test_unknown_editor_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(
        ["editor", "--port", "8081", "--editors", "3", "--practitioners", "30", "--name", "nope"]
    )
    assert args.run(args) == 2
    assert "no editor 'nope'" in capsys.readouterr().err


def test_bad_port_is_a_usage_error() -> None:
    args = _parser().parse_args(["editor", "--port", "70000"])
    assert args.run(args) == 2
