"""``sasref check`` on the command line, run on in-process mock editors (the client injected in
:func:`sasref.commands.check.execute`): exit codes 0/1/2, one-line errors, every report format
parses (JSON, JUnit XML through ``xml.etree``, HTML with the verdicts)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from mocks.editor.sample import RPPS_A, RPPS_B, SIRET_SOS, sample_shard
from mocks.testing import MockNetwork
from sasref.cli import build_parser, main
from sasref.clock import PARIS, FixedClock
from sasref.commands import check

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
ROOT = "https://editeur-01.test"
BASE = f"{ROOT}/fhir"


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock, seed=5) as network:
        yield network


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["check", *argv])


async def _execute(net: MockNetwork, *argv: str) -> int:
    args = _args(*argv)
    config = check.config_from_args(args)  # then in process: no TLS, a fixed clock, no timing
    config = dataclasses.replace(config, tls=None, clock=FixedClock(NOW), time_limit=60.0)
    return await check.execute(args, net.client, config)


IDS = ("--rpps", f"{RPPS_A},{RPPS_B}", "--siret", SIRET_SOS)


async def test_exit_0_a_readable_table_and_no_write(
    net: MockNetwork, capsys: pytest.CaptureFixture[str]
) -> None:
    methods: list[str] = []

    async def record(request: httpx.Request) -> None:
        methods.append(request.method)

    net.client.event_hooks["request"].append(record)
    assert await _execute(net, BASE, *IDS, "--use-case", "all") == 0
    out = capsys.readouterr().out
    assert "INT_R01" in out and "ps.total" in out and "— PASS" in out
    assert "accounts" in out and "--accounts" in out  # INT_R02 skipped, saying why
    assert len(methods) > 40 and set(methods) == {"GET"}


async def test_exit_1_names_the_failing_check_in_every_format(
    net: MockNetwork, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await net.client.put(f"{ROOT}/admin/behaviour", json={"quirks": {"wrong_total": True}})
    junit, html = tmp_path / "check.xml", tmp_path / "check.html"
    code = await _execute(net, BASE, *IDS, "--json", "--junit", str(junit), "--html", str(html))
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    failing = {r["id"] for r in report["results"] if r["verdict"] == "fail"}
    assert {"ps.total", "cpts.total", "sos.total"} <= failing
    root = ET.parse(junit).getroot()
    failed_cases = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert failed_cases == failing
    page = html.read_text(encoding="utf-8")
    assert "NON CONFORME" in page and 'id="ps.total"' in page and "échec" in page


async def test_exit_2_when_the_server_cannot_be_reached(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with MockNetwork([]) as empty:
        args = _args("https://absent.test/fhir")
        config = dataclasses.replace(check.config_from_args(args), tls=None)
        assert await check.execute(args, empty.client, config) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sasref check: cannot reach https://absent.test/fhir")
    assert "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ftp://editeur.test/fhir"], "is not an http(s) URL"),
        (["https://e.test/fhir", "--rpps", "12"], "--rpps: '12' is not an IDNPS"),
        (["https://e.test/fhir", "--siret", "abc"], "--siret: 'abc' is not an IDNST"),
        (["https://e.test/fhir", "--use-case", "rdv"], "--use-case 'rdv'"),
        (["https://e.test/fhir", "--key", "k.pem"], "--key needs --cert"),
        (["https://e.test/fhir", "--cert", "/nonexistent.pem"], "cannot read the file"),
        (["https://e.test/fhir", "--timeout", "0"], "--timeout must be positive"),
        (["https://e.test/fhir", "--rpps", ",".join(f"8{i:011d}" for i in range(26))],
         "at most 25"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sasref check: ") and message in err and "\n" not in err


def test_options_parse() -> None:
    options = ["--accounts", "--strict", "--timeout", "3", "--max-response-time", "0.5"]
    args = _args(BASE, "--use-case", "ps,sos", "--rpps", RPPS_A, "--rpps", RPPS_B[1:], *options)
    config = check.config_from_args(args)
    assert config.use_cases == ("ps", "sos")
    assert config.rpps == (RPPS_A, RPPS_B)  # prefixed
    assert (config.accounts, config.strict, config.timeout, config.time_limit) == (
        True, True, 3.0, 0.5,
    )  # fmt: skip
    assert check.config_from_args(_args(BASE, "--use-case", "all")).use_cases == ()
