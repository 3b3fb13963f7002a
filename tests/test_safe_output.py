"""Data is never markup and never a terminal command: what a file holds is shown escaped in
every view (table, batch, explain, error lines), and a stream that cannot encode a symbol
or a file name gets ASCII or an escape instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from screen.cli import app
from screen.render.safe import degrade, shown
from tests.conftest import EXAMPLES

runner = CliRunner()
ELIGIBLE = (EXAMPLES / "eligible.yaml").read_text()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def _record(folder: Path, name: str, patient_id: str, extra: str = "") -> Path:
    """The eligible example with another patient_id (YAML double-quoted escapes allowed)."""
    path = folder / name
    text = ELIGIBLE.replace("patient_id: JP-0001", f'patient_id: "{patient_id}"', 1) + extra
    path.write_text(text, encoding="utf-8")
    return path


# --- class 5: rich markup in data -------------------------------------------------------

MARKUP = ["JP-1[/bold]", "[/]", "[link=https://evil.example]JP-1[/link]", "[bold red]JP[/]"]


@pytest.mark.parametrize("patient_id", MARKUP)
def test_markup_in_a_patient_id_is_shown_as_written_in_every_view(
    tmp_path: Path, patient_id: str
) -> None:
    record = _record(tmp_path, "p.yaml", patient_id)
    for args in (
        ["check", str(record)],
        ["check", str(record), str(EXAMPLES / "eligible.yaml")],
        ["explain", str(record), "--all"],
    ):
        code, out, _ = _invoke(*args)
        assert code == 0, args
        assert patient_id in out, args


def test_markup_in_a_file_name_and_a_key_is_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    record = _record(Path(), "[!]x.yaml", "JP-1", extra='"[/x]": 1\n')
    out_file = tmp_path / "report.txt"
    code, out, _ = _invoke("check", str(record), str(EXAMPLES / "eligible.yaml"))
    assert code == 3
    assert "[!]x.yaml" in out and "[/x]" in out
    code, _, _ = _invoke("explain", str(record), "--output", str(out_file))
    assert code == 3 and "[/x]" in out_file.read_text()


def test_markup_in_a_criteria_title_is_data(tmp_path: Path) -> None:
    source = (Path(__file__).parents[1] / "criteria" / "precious.yaml").read_text()
    title = "Confirmed invasive breast cancer"
    assert title in source
    criteria = tmp_path / "c.yaml"
    criteria.write_text(source.replace(title, "'[/]Confirmed [link=x]invasive[/link]'", 1))
    for args in (
        ["criteria", "--criteria", str(criteria)],
        ["check", str(EXAMPLES / "eligible.yaml"), "--criteria", str(criteria)],
        ["explain", str(EXAMPLES / "eligible.yaml"), "--all", "--criteria", str(criteria)],
    ):
        code, out, _ = _invoke(*args)
        assert code == 0, args
        assert "[/]Confirmed [link=x]invasive" in out.replace("\n", " ").replace("│", ""), args


# --- class 12: control characters, escapes, bidi ----------------------------------------

HOSTILE = {
    "\\e[2J\\e]8;;https://evil\\aJP": "\\x1b[2J\\x1b]8;;https://evil\\x07JP",
    "JP-\\u202e1000": "JP-\\u202e1000",
    "JP-\\x9b31m": "JP-\\x9b31m",
    "JP-\\0-1": "JP-\\x00-1",
    "JP-\\u2066x\\u200f": "JP-\\u2066x\\u200f",
}


@pytest.mark.parametrize(("written", "escaped"), list(HOSTILE.items()))
def test_control_and_bidi_characters_are_shown_escaped_in_every_view(
    tmp_path: Path, written: str, escaped: str
) -> None:
    record = _record(tmp_path, "p.yaml", written)
    bad = _record(tmp_path, "bad.yaml", written, extra=f'"{written}": 1\n')
    for args in (
        ["check", str(record)],
        ["check", str(record), str(bad)],
        ["explain", str(record)],
        ["check", str(bad)],
    ):
        _, out, err = _invoke(*args)
        for stream in (out, err):
            assert not any(shown(ch) != ch for ch in stream.replace("\n", "")), args
        assert escaped in out, args
    _, _, err = _invoke("criteria", "--check", str(bad))
    assert not any(shown(ch) != ch for ch in err.replace("\n", ""))


def test_error_lines_on_stderr_escape_what_came_from_the_file(tmp_path: Path) -> None:
    criteria = tmp_path / "c\x1b[31m.yaml"
    criteria.write_text('x: "\\e[31m"\n')
    code, _, err = _invoke("criteria", "--check", str(criteria))
    assert code == 3
    assert "\x1b" not in err and "c\\x1b[31m.yaml" in err


@given(st.text())
def test_shown_leaves_no_control_format_or_surrogate_character(value: str) -> None:
    import unicodedata

    out = shown(value)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in out)
    if value.isprintable():
        assert out == value


def test_shown_keeps_newlines_of_protocol_text_and_japanese_spaces() -> None:
    assert shown("a\nb\u3000c", lines=True) == "a\nb\u3000c"
    assert shown("a\nb") == "a\\x0ab"


# --- class 7: file names that are not UTF-8; streams that cannot encode a symbol --------


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "screen", *args],
        capture_output=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=60,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="bytes file names")
def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    name = folder + b"/p\xff\xfe.yaml"
    with open(name, "wb") as handle:
        handle.write(ELIGIBLE.encode())
    listing = [os.fsdecode(name), str(EXAMPLES / "eligible.yaml")]
    for fmt in ("table", "json", "csv", "jsonl"):
        result = _cli("check", *listing, "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
        assert b"p\\xff\\xfe.yaml" in result.stdout.replace(b"\\\\", b"\\"), fmt
    single = _cli("check", os.fsdecode(name))
    assert single.returncode == 0 and b"p\\xff\\xfe.yaml" in single.stdout
    report = json.loads(_cli("check", os.fsdecode(name), "-f", "json").stdout)
    assert report["source"].endswith("p\\xff\\xfe.yaml")


@pytest.mark.parametrize("encoding", ["ascii", "cp932", "latin-1"])
def test_a_stream_that_cannot_encode_the_symbols_gets_ascii(tmp_path: Path, encoding: str) -> None:
    record = _record(tmp_path, "p.yaml", "患者-1")
    env = {"PYTHONIOENCODING": encoding}
    for args in (
        ["check", str(EXAMPLES / "ineligible-anthracycline.yaml")],
        ["explain", str(EXAMPLES / "ineligible-anthracycline.yaml")],
        ["check", str(record), str(EXAMPLES / "eligible.yaml")],
        ["check", str(record)],
    ):
        result = _cli(*args, env=env)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert result.stderr == b""
        out = result.stdout.decode(encoding)
        assert "✔" not in out and "✘" not in out
    table = _cli("check", str(EXAMPLES / "ineligible-anthracycline.yaml"), env=env)
    assert "x fail" in table.stdout.decode(encoding)
    # machine formats are UTF-8 whatever the locale: a JSON report keeps the name whole
    report = _cli("check", str(record), "-f", "json", env=env)
    assert report.returncode == 0 and json.loads(report.stdout)["patient_id"] == "患者-1"


def test_degrade_keeps_what_the_encoding_can_carry() -> None:
    assert degrade("✔ pass 患者", "ascii") == "v pass \\u60a3\\u8005"
    assert degrade("✔ pass", "utf-8") == "✔ pass"
    assert yaml.safe_load(degrade("a: 1", "ascii")) == {"a": 1}
