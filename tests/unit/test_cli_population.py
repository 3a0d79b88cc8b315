"""``sasref mocks population`` (issue 3 §4)."""

from __future__ import annotations

import json

import pytest

from sasref.cli import main
from sasref.fhir.identifiers import is_rpps

ARGS = ["mocks", "population", "--seed", "4", "--editors", "5", "--practitioners", "120"]
AT = ["--at", "2026-11-23T09:00:00+01:00"]


def _json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    assert main([*ARGS, *AT, "--json", *extra]) == 0
    data: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return data


def test_json_lists_editors_with_their_ids(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys)
    assert data["counts"]["editors"] == 5 and data["counts"]["practitioners"] == 120
    assert [e["baseUrl"] for e in data["editors"]] == [
        f"https://editeur-0{i}.test/fhir" for i in range(1, 6)
    ]
    served = [pid for e in data["editors"] for pid in e["practitioners"]]
    assert served and all(pid[0] in "80" for pid in served)
    assert all(is_rpps(pid[1:]) for pid in served if pid[0] == "8")
    by_id = {p["id"]: p for p in data["practitioners"]}
    for e in data["editors"]:
        assert all(by_id[pid]["editor"] == e["name"] for pid in e["practitioners"])
    assert all(p["places"] for p in data["practitioners"])
    assert data["sos"] and all(s["siret"].startswith("3") for s in data["sos"])
    assert data["cpts"] and all(c["finess"].startswith("1") for c in data["cpts"])
    assert "slots" not in data
    assert data["window"] == {
        "start": "2026-11-23T09:00:00.000+01:00",
        "end": "2026-11-26T09:00:00.000+01:00",
    }


def test_json_is_deterministic_and_seed_dependent(capsys: pytest.CaptureFixture[str]) -> None:
    first = _json(capsys, "--with-slots")
    assert first["slots"] and first["counts"]["slots"] == len(first["slots"])
    assert _json(capsys, "--with-slots") == first
    assert (
        main(
            [
                "mocks",
                "population",
                "--seed",
                "5",
                "--editors",
                "5",
                "--practitioners",
                "120",
                *AT,
                "--json",
            ]
        )
        == 0
    )
    other = json.loads(capsys.readouterr().out)
    assert other["practitioners"] != first["practitioners"]


def test_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, *AT, "--with-slots"]) == 0
    out = capsys.readouterr().out
    assert "Mock population seed=4: 5 editors, 120 practitioners" in out
    assert "editeur-05" in out and "https://editeur-05.test/fhir" in out
    assert "SM54" in out and "Médecine générale" in out
    assert "SOS Médecins" in out and "CPTS " in out
    assert "Free slots in the window:" in out
    assert "Slot window: 2026-11-23T09:00+01:00" in out


def test_system_clock_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "mocks",
                "population",
                "--seed",
                "1",
                "--editors",
                "2",
                "--practitioners",
                "10",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["counts"]["practitioners"] == 10


@pytest.mark.parametrize(
    "extra",
    [["--at", "not-a-date"], ["--editors", "0"], ["--days", "0"], ["--practitioners", "-1"]],
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    assert main([*ARGS, *extra]) == 2
    assert "sasref mocks population:" in capsys.readouterr().err


def test_seed_is_required() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["mocks", "population"])
    assert exc.value.code == 2


def test_mocks_without_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mocks"]) == 2
    assert "population" in capsys.readouterr().out
