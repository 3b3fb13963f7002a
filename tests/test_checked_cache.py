"""The checked-criteria cache: used only when nothing it was made from has changed, and
never trusted when it is corrupt, stale, foreign or not ours (issue 15, start-up)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screen import checked_cache
from screen.cli import app
from screen.errors import InputError
from screen.load import bundled_criteria_path, load_criteria

ROOT = Path(__file__).resolve().parents[1]
ELIGIBLE = ROOT / "examples" / "patients" / "eligible.yaml"
runner = CliRunner()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCREEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("SCREEN_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def own_set(tmp_path: Path) -> Path:
    """The PRECIOUS set with its dictionary beside it (not the bundled one), to change."""
    folder = tmp_path / "trial"
    folder.mkdir()
    shutil.copy(ROOT / "criteria" / "dictionaries" / "core.yaml", folder / "core.yaml")
    text = bundled_criteria_path().read_text(encoding="utf-8")
    assert "dictionaries: [core]" in text
    (folder / "precious.yaml").write_text(
        text.replace("dictionaries: [core]", "dictionaries: [./core.yaml]"), encoding="utf-8"
    )
    return folder / "precious.yaml"


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("criteria-*.pickle"))


def _screened(*extra: str) -> dict[str, object]:
    result = runner.invoke(app, ["check", str(ELIGIBLE), "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def _no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the criteria file's rules would fail from now on: only the cache can serve."""

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the criteria were read again")

    monkeypatch.setattr("screen.load.read_model", refused)


def test_a_second_run_is_served_from_the_cache_and_screens_the_same(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _screened()
    assert len(_files(cache)) == 1
    _no_reading(monkeypatch)
    assert _screened() == first


def test_the_cache_changes_no_result(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _screened()
    warm = _screened()
    monkeypatch.setenv("SCREEN_NO_CACHE", "1")
    assert cold == warm == _screened()


def test_turned_off_it_writes_nothing_and_reads_nothing(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREEN_NO_CACHE", "1")
    load_criteria()
    assert not cache.exists()
    monkeypatch.delenv("SCREEN_NO_CACHE")
    load_criteria()
    monkeypatch.setenv("SCREEN_NO_CACHE", "1")
    _no_reading(monkeypatch)
    with pytest.raises(AssertionError, match="read again"):
        load_criteria()


def test_a_corrupt_cache_file_is_ignored_and_replaced(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _screened()
    (kept,) = _files(cache)
    for damage in (b"", b"not a pickle", kept.read_bytes()[:-40], pickle.dumps({"key": 1})):
        kept.write_bytes(damage)
        assert _screened() == expected
        assert kept.read_bytes() != damage  # rewritten whole
    _no_reading(monkeypatch)
    assert _screened() == expected


def test_a_changed_dictionary_makes_the_cache_stale(cache: Path, own_set: Path) -> None:
    load_criteria(own_set)
    dictionary = own_set.parent / "core.yaml"
    dictionary.write_text(dictionary.read_text(encoding="utf-8") + "\nnot: [valid\n")
    with pytest.raises(InputError) as raised:
        load_criteria(own_set)
    assert any("core.yaml" in problem.file for problem in raised.value.problems)


def test_a_changed_criteria_file_is_checked_anew(cache: Path, own_set: Path) -> None:
    load_criteria(own_set)
    text = own_set.read_text(encoding="utf-8")
    own_set.write_text(text.replace("type: inclusion", "type: inclusive", 1), encoding="utf-8")
    with pytest.raises(InputError):
        load_criteria(own_set)


def test_a_cache_made_by_another_version_is_not_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_criteria()
    monkeypatch.setattr("screen.__version__", "0.0.0-other")
    _no_reading(monkeypatch)
    with pytest.raises(AssertionError, match="read again"):
        load_criteria()


class _Planted:
    """A pickle that would run a command when loaded by an unrestricted unpickler."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_runs_no_code(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _screened()
    (kept,) = _files(cache)
    marker = tmp_path / "ran"
    kept.write_bytes(pickle.dumps(_Planted(marker)))
    assert _screened() == expected
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_file_others_can_write_is_not_trusted(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_criteria()
    (kept,) = _files(cache)
    kept.chmod(0o666)
    _no_reading(monkeypatch)
    with pytest.raises(AssertionError, match="read again"):
        load_criteria()


def test_an_unwritable_cache_folder_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SCREEN_CACHE_DIR", str(blocked / "cache"))
    assert load_criteria().rules.criteria_set.id == load_criteria().rules.criteria_set.id


def test_criteria_check_always_checks_anew(
    cache: Path, own_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_criteria(own_set)
    _no_reading(monkeypatch)
    result = runner.invoke(app, ["criteria", "--check", str(own_set)])
    assert result.exit_code != 0  # read_model refused: --check did not take the cache


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREEN_CACHE_DIR", "/somewhere/else")
    monkeypatch.delenv("SCREEN_NO_CACHE", raising=False)
    assert checked_cache.cache_dir() == Path("/somewhere/else")
    monkeypatch.setenv("SCREEN_CACHE_DIR", "")
    assert checked_cache.cache_dir() is None
    monkeypatch.delenv("SCREEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    if os.name == "posix" and os.uname().sysname != "Darwin":
        assert checked_cache.cache_dir() == Path("/xdg/screen")


def test_only_the_newest_checks_are_kept(
    cache: Path, own_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checked_cache, "KEPT", 2)
    text = own_set.read_text(encoding="utf-8")
    for edit in range(4):  # four versions of the set: four checks made, two kept
        own_set.write_text(text + f"\n# edit {edit}\n", encoding="utf-8")
        load_criteria(own_set)
    assert len(_files(cache)) == 2
    _no_reading(monkeypatch)
    load_criteria(own_set)  # the newest is among them


def _linked_set(folder: Path, vocabulary: Path) -> Path:
    """The PRECIOUS set in `folder`, its drug vocabulary a link to `vocabulary`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = bundled_criteria_path().read_text(encoding="utf-8")
    (folder / "trial.yaml").write_text(
        text.replace("vocabularies: [drugs]", "vocabularies: [./drugs.yaml]"), encoding="utf-8"
    )
    (folder / "drugs.yaml").symlink_to(vocabulary)
    return folder / "trial.yaml"


def _vocabularies(tmp_path: Path) -> tuple[Path, Path]:
    """The bundled drug vocabulary, and a copy that no longer knows Xeloda."""
    bundled = ROOT / "criteria" / "vocabularies" / "drugs.yaml"
    whole, cut = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    shutil.copy(bundled, whole)
    text = bundled.read_text(encoding="utf-8")
    assert "        - Xeloda\n" in text
    cut.write_text(text.replace("        - Xeloda\n", "", 1), encoding="utf-8")
    return whole, cut


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_a_vocabulary_link_moved_to_another_file_is_checked_anew(
    cache: Path, tmp_path: Path
) -> None:
    whole, cut = _vocabularies(tmp_path)
    trial = _linked_set(tmp_path / "trial", whole)
    args = ["check", str(ELIGIBLE), "--criteria", str(trial), "--format", "json"]
    assert json.loads(runner.invoke(app, args).stdout)["verdict"] == "eligible"
    (trial.parent / "drugs.yaml").unlink()
    (trial.parent / "drugs.yaml").symlink_to(cut)  # Xeloda unknown now: IN3 cannot be read
    assert json.loads(runner.invoke(app, args).stdout)["verdict"] == "incomplete"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_one_criteria_file_reached_by_two_paths_reads_what_each_uses(
    cache: Path, tmp_path: Path
) -> None:
    whole, _ = _vocabularies(tmp_path)
    real = _linked_set(tmp_path / "real", whole)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "trial.yaml").symlink_to(real)
    (tmp_path / "a" / "drugs.yaml").symlink_to(whole)
    (tmp_path / "b" / "drugs.yaml").write_text("vocabulary: [not valid\n", encoding="utf-8")
    load_criteria(tmp_path / "a" / "trial.yaml")
    with pytest.raises(InputError) as raised:
        load_criteria(tmp_path / "b" / "trial.yaml")
    assert any("drugs.yaml" in problem.file for problem in raised.value.problems)


def test_a_dangling_link_among_the_programs_files_costs_no_run(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "cli.py").write_text("")
    (package / ".#cli.py").symlink_to(tmp_path / "nowhere")  # an editor's lock link
    monkeypatch.setattr(checked_cache, "__file__", str(package / "checked_cache.py"))
    assert checked_cache._code_fingerprint().count(".py:") == 1
    assert _screened()["verdict"] == "eligible"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_planted_in_the_cache_does_not_hang_a_run(cache: Path) -> None:
    load_criteria()
    (kept,) = _files(cache)
    kept.unlink()
    os.mkfifo(kept)
    command = [sys.executable, "-m", "screen", "check", str(ELIGIBLE), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "eligible"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_folder_others_can_write_is_not_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_criteria()
    cache.chmod(0o777)
    _no_reading(monkeypatch)
    with pytest.raises(AssertionError, match="read again"):
        load_criteria()


def test_a_relative_cache_folder_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREEN_CACHE_DIR", "cache-here")
    monkeypatch.delenv("SCREEN_NO_CACHE", raising=False)
    assert checked_cache.cache_dir() is None
