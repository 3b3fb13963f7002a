"""The printable HTML report, checked in a real browser (headless Chromium from the system
packages; skipped when it is not installed, installed by .ci/run): it loads without console
errors, screenshots and prints, its pictures match the data, and data never becomes markup.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from screen.cli import app
from tests.conftest import EXAMPLES

BROWSER = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
runner = CliRunner()
SCREENSHOT = Path(__file__).parent.parent / "docs" / "html-report.png"


def browse(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a local page; no network is needed (the page has no assets)."""
    assert BROWSER is not None
    return subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            *flags,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class Shapes(HTMLParser):
    """Every SVG rect and every element name of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[dict[str, str]] = []
        self.svgs: list[dict[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "rect":
            self.rects.append(found)
        elif tag == "svg":
            self.svgs.append(found)


def shapes(dom: str) -> Shapes:
    parser = Shapes()
    parser.feed(dom)
    return parser


def render(tmp_path: Path, *args: str) -> Path:
    page = tmp_path / "report.html"
    result = runner.invoke(app, [*args, "--format", "html", "--output", str(page)])
    assert result.exit_code in (0, 1, 3), result.output
    return page


def test_the_page_is_self_contained_and_escapes_everything_from_data(tmp_path: Path) -> None:
    record = yaml.safe_load((EXAMPLES / "eligible.yaml").read_text())
    record["patient_id"] = '<img src=x onerror="alert(1)">&'
    bad = tmp_path / "<b>odd&.yaml"
    bad.write_text(yaml.safe_dump(record, sort_keys=False))
    for args in (["check", str(bad)], ["check", str(bad), str(EXAMPLES)], ["explain", str(bad)]):
        text = render(tmp_path, *args).read_text()
        assert "<img" not in text and "<b>odd" not in text
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in text
        assert "&lt;b&gt;odd&amp;.yaml" in text
        assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(\s*["']?http""", text)


def test_a_batch_page_lists_every_patient_linked_to_its_section(tmp_path: Path) -> None:
    text = render(tmp_path, "check", str(EXAMPLES)).read_text()
    links = re.findall(r'<a href="#(p-[0-9a-f]{12})">', text)
    sections = re.findall(r'<section class="patient" id="(p-[0-9a-f]{12})">', text)
    assert len(links) == len(list(EXAMPLES.glob("*.yaml"))) and links == sections
    reports = json.loads(runner.invoke(app, ["check", str(EXAMPLES), "-f", "json"]).stdout)
    for verdict in ("eligible", "ineligible", "incomplete"):
        count = sum(r["verdict"] == verdict for r in reports)
        assert f'data-verdict="{verdict}">{count} {verdict}<' in text


@needs_browser
def test_one_patient_renders_prints_and_its_timeline_matches_the_window(tmp_path: Path) -> None:
    source = EXAMPLES / "eligible.yaml"
    page = render(tmp_path, "check", str(source))
    loaded = browse(page, "--dump-dom")
    assert loaded.returncode == 0 and console_messages(loaded.stderr) == []
    found = shapes(loaded.stdout)
    report = json.loads(runner.invoke(app, ["check", str(source), "-f", "json"]).stdout)
    timeline = next(s for s in found.svgs if s.get("class") == "timeline")
    assert (timeline["data-from"], timeline["data-to"]) == (
        report["as_of"],
        report["eligibility"]["horizon_end"],
    )
    stretch = next(r for r in found.rects if "stretch" in r.get("class", ""))
    assert (stretch["data-start"], stretch["data-end"]) == (
        report["eligible_from"],
        report["eligible_until"],
    )
    # IN6 passes until its LVEF expires (the change that closes the window), then is unknown
    in6 = [r for r in found.rects if r.get("data-id") == "IN6"]
    assert [(r["data-status"], r["data-start"]) for r in in6] == [
        ("pass", report["as_of"]),
        ("unknown", report["eligibility"]["closed_by"][0]["date"]),
    ]
    _screenshot_and_print(page, tmp_path)


@needs_browser
def test_a_batch_renders_and_the_funnel_bars_are_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent.parent)  # file names as a user types them
    page = render(tmp_path, "check", "examples/patients")
    loaded = browse(page, "--dump-dom")
    assert loaded.returncode == 0 and console_messages(loaded.stderr) == []
    found = shapes(loaded.stdout)
    funnel = next(s for s in found.svgs if s.get("class") == "funnel")
    unit, alone_unit = float(funnel["data-unit"]), float(funnel["data-alone-unit"])
    # the counts, worked out here from the JSON reports: still in = failed nothing so far
    reports = json.loads(runner.invoke(app, ["check", str(EXAMPLES), "-f", "json"]).stdout)
    ids = [r["id"] for r in reports[0]["results"]]
    failed = [{x["id"] for x in r["results"] if x["status"] == "fail"} for r in reports]
    expected = [sum(1 for f in failed if not f & set(ids[: k + 1])) for k in range(len(ids))]
    alone = [sum(1 for f in failed if f == {cid}) for cid in ids]
    bars = [r for r in found.rects if r.get("class") == "remaining"]
    assert [r["data-id"] for r in bars] == ids
    assert [int(r["data-count"]) for r in bars] == expected
    assert [float(r["height"]) / unit for r in bars] == pytest.approx(expected, abs=1e-3)
    only = [r for r in found.rects if r.get("class") == "alone"]
    assert [float(r["height"]) / alone_unit for r in only] == pytest.approx(alone, abs=1e-3)
    assert sum(alone) == 2  # EX5 and EX10 keep one patient out each, on their own
    _screenshot_and_print(page, tmp_path)
    if os.environ.get("UPDATE_SCREENSHOT"):  # the README's picture (docs/html-report.png)
        shot = browse(page, f"--screenshot={SCREENSHOT}", "--window-size=820,1400")
        assert shot.returncode == 0 and SCREENSHOT.stat().st_size < 200_000


@needs_browser
def test_a_page_with_a_script_error_would_be_caught(tmp_path: Path) -> None:
    """The console check itself can fail."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><script>notDefined();</script></body></html>")
    assert console_messages(browse(page, "--dump-dom").stderr)


def _screenshot_and_print(page: Path, tmp_path: Path) -> None:
    png, pdf = tmp_path / "page.png", tmp_path / "page.pdf"
    shot = browse(page, f"--screenshot={png}", "--window-size=900,1300")
    assert shot.returncode == 0 and console_messages(shot.stderr) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    printed = browse(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert printed.returncode == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_an_error_record_gets_its_problems_on_the_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("patient_id: JP-<9>\necog: 7\n")
    page = render(tmp_path, "check", str(broken), str(EXAMPLES / "eligible.yaml"))
    text = page.read_text()
    assert "<h3>Problems</h3>" in text and "JP-&lt;9&gt;" in text
    assert "ecog: Input should be less than or equal to 5 (got 7)" in text


def test_the_other_formats_never_import_the_html_renderer() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from screen.cli import app\n"
        f"CliRunner().invoke(app, ['check', {str(EXAMPLES)!r}, '-f', 'csv', '-w', '1'])\n"
        f"CliRunner().invoke(app, ['check', {str(EXAMPLES / 'eligible.yaml')!r}])\n"
        "assert 'screen.render.html' not in sys.modules, 'html imported'\n"
        "assert 'screen.render.svg' not in sys.modules, 'svg imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
