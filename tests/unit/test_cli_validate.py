"""``sasref validate``: exit codes 0/1/2, human and JSON output, hostile inputs."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from sasref.cli import main
from sasref.fhir.systems import Profile
from sasref.testing_builders import build_appointment, build_ps_bundle


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return str(path)


def text_specialty_slot() -> dict[str, Any]:
    slot: dict[str, Any] = build_ps_bundle(1, 24, slots_per_practitioner=1)["entry"][0]["resource"]
    slot["specialty"] = [{"text": "Médecine générale"}]
    return slot


def test_valid_bundle_exits_0_with_a_readable_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bundle.json", build_ps_bundle(3, 24))
    assert main(["validate", path]) == 0
    out = capsys.readouterr().out
    assert f"{path} [tolerant]: 0 errors, 0 warnings, 1 information" in out
    assert "SEVERITY" in out and "BundleAgregateur" in out


def test_binding_error_exits_1_in_strict_and_0_in_tolerant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "slot.json", text_specialty_slot())
    assert main(["validate", "--strict", path]) == 1
    strict_out = capsys.readouterr().out
    assert "error" in strict_out and "Slot.specialty[0]" in strict_out
    assert main(["validate", path]) == 0
    assert "[tolerated:" in capsys.readouterr().out


def test_json_output_single_file_is_an_operation_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "slot.json", text_specialty_slot())
    assert main(["validate", "--json", "--strict", path]) == 1
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["resourceType"] == "OperationOutcome"
    assert {
        "severity": "error",
        "code": "code-invalid",
        "expression": ["Slot.specialty[0]"],
    }.items() <= outcome["issue"][0].items()


def test_json_output_several_files_is_keyed_by_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "rdv.json", build_appointment())
    bad = write(tmp_path, "bad.json", "{not json")
    assert main(["validate", "--json", good, bad]) == 2
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert set(payload) == {good, bad}
    assert payload[bad]["issue"][0]["severity"] == "fatal"
    assert payload[good]["resourceType"] == "OperationOutcome"
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not JSON", id="malformed-json"),
        pytest.param("", "not JSON", id="empty-file"),
        pytest.param('{"a": 1}', "no resourceType", id="object-without-resourceType"),
        pytest.param("[1, 2]", "not an object", id="json-array"),
        pytest.param('{"resourceType": "Slott"}', "unknown resourceType", id="unknown-type"),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="deep-nesting"),
        pytest.param(
            '{"resourceType": "Slot", "x": 1' + "0" * 5000 + "}",
            "not usable JSON",
            id="huge-integer",
        ),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = write(tmp_path, "input.json", content)
    assert main(["validate", path]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err + captured.out


def test_not_utf8_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"resourceType": "Slot", "comment": "é"}'.encode("latin-1"))
    assert main(["validate", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_fifty_megabytes_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:  # sparse: instant to create
        handle.seek(50 * 1024 * 1024)
        handle.write(b"}")
    assert main(["validate", str(path)]) == 2
    assert "too big" in capsys.readouterr().err


def test_missing_file_and_directory_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_wrong_type_for_profile_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "rdv.json", build_appointment())
    assert main(["validate", "--profile", Profile.BUNDLE_SOS, path]) == 2
    assert "constrains Bundle" in capsys.readouterr().err


def test_unknown_profile_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "rdv.json", build_appointment())
    assert main(["validate", "--profile", "http://example.org/Nope", path]) == 2
    assert "unknown SAS profile" in capsys.readouterr().err


def test_explicit_profile_is_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "rdv.json", build_appointment())
    for flags, code, severity in (([], 0, "warning"), (["--strict"], 1, "error")):
        assert (
            main(["validate", "--json", *flags, "--profile", Profile.APPOINTMENT_SOS, path]) == code
        )
        outcome = json.loads(capsys.readouterr().out)
        assert any(
            i.get("expression") == ["Appointment.meta.profile"] and i["severity"] == severity
            for i in outcome["issue"]
        ), outcome


def test_strict_adds_base_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slot = build_ps_bundle(1, 24, slots_per_practitioner=1)["entry"][0]["resource"]
    slot["unknownElement"] = 1
    path = write(tmp_path, "slot.json", slot)
    assert main(["validate", path]) == 0
    capsys.readouterr()
    assert main(["validate", "--strict", path]) == 1
    assert "unknownElement" in capsys.readouterr().out


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.dumps(build_appointment()).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["validate", "-"]) == 0
    assert "- [tolerant]" in capsys.readouterr().out


def test_several_files_print_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [write(tmp_path, f"f{i}.json", build_appointment()) for i in range(2)]
    assert main(["validate", *paths]) == 0
    assert "2 files: 0 errors, 0 warnings" in capsys.readouterr().out
