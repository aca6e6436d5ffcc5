"""``cdlint maturity``: the renderers (JSON schema, text and Markdown snapshots, HTML structure
and a real headless browser), the command's gates and exit codes, and what `check` imports."""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from html.parser import HTMLParser
from importlib.resources import files

import jsonschema
import pytest
from click.testing import CliRunner

from cdlint.cli import main
from cdlint.maturity import run
from cdlint.maturity.html import render_html
from cdlint.maturity.render import render_json, render_markdown, render_text

from conftest import CORPUS, FIXTURES, ROOT
from test_maturity import MINIMAL

MATURITY = FIXTURES / "maturity"
GOLDEN = MATURITY / "golden"
DEMO = "fixtures/demo"
EXPERT = "fixtures/maturity/github_expert"
INTERMEDIATE = "fixtures/maturity/github_intermediate"
BASE = "fixtures/maturity/github_base"


@pytest.fixture(autouse=True)
def at_root(monkeypatch) -> None:
    """Paths as a user types them, so reports and golden files hold no machine paths."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def demo():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return run([DEMO])
    finally:
        os.chdir(cwd)


def cli(*args):
    return CliRunner().invoke(main, ["maturity", *args], catch_exceptions=False)


def maturity_schema() -> dict:
    return json.loads(files("cdlint").joinpath("schemas", "maturity-v1.schema.json").read_text())


# --- JSON ---------------------------------------------------------------------------


def test_json_matches_the_v1_schema(demo) -> None:
    document = json.loads(render_json(demo))
    jsonschema.validate(document, maturity_schema())
    assert [c["id"] for c in document["categories"]] == [
        "culture-organization", "design-architecture", "build-deploy", "test-verification", "information-reporting"]
    practice = next(p for c in document["categories"] for p in c["practices"] if p["id"] == "build-once-deploy-anywhere")
    assert practice["status"] == "unmet"
    assert practice["findings"][0]["rule"] == "deploy-rebuilds-artifact"


def test_json_for_several_repositories_has_rows_and_distribution() -> None:
    report = run([BASE, INTERMEDIATE, EXPERT])
    document = json.loads(render_json(report))
    jsonschema.validate(document, maturity_schema())
    assert [r["path"] for r in document["repositories"]] == [BASE, INTERMEDIATE, EXPERT]
    build = next(d for d in document["distribution"] if d["category"] == "build-deploy")
    assert {d["level"]: d["repositories"] for d in build["levels"]} == {
        None: 0, "base": 1, "beginner": 0, "intermediate": 1, "advanced": 0, "expert": 1}


def test_output_is_byte_for_byte_deterministic(demo) -> None:
    again = run([DEMO])
    for render in (render_json, render_text, render_markdown, render_html):
        assert render(demo) == render(again)


# --- text and Markdown snapshots ----------------------------------------------------


@pytest.mark.parametrize("name,render", [("demo.txt", render_text), ("demo.md", render_markdown)])
def test_snapshot(demo, name: str, render, update_golden: bool) -> None:
    actual = render(demo)
    golden = GOLDEN / name
    if update_golden or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"wrote missing golden file {golden.relative_to(ROOT)}; review it and rerun")
    assert actual == golden.read_text(encoding="utf-8")


def test_text_for_several_repositories_has_a_row_each() -> None:
    text = render_text(run([BASE, EXPERT]))
    assert f"{BASE}  " in text and f"{EXPERT}  " in text
    assert "Distribution (repositories per level)" in text


# --- HTML ---------------------------------------------------------------------------


class Page(HTMLParser):
    """What the structure test needs: sections, practice rows, SVGs, links and ids."""

    def __init__(self) -> None:
        super().__init__()
        self.categories, self.practices, self.pipelines, self.svgs = [], [], [], []
        self.ids, self.links, self.scripts, self.external = set(), [], 0, []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "section" and "category" in classes:
            self.categories.append(a["data-category"])
        if tag == "tr" and "practice" in classes:
            self.practices.append((a["data-practice"], a["data-status"]))
        if tag == "svg":
            self.svgs.append(classes)
            if "pipeline" in classes:
                self.pipelines.append(a["data-pipeline"])
        if tag == "script":
            self.scripts += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in ("src", "href", "srcset", "action", "data"):
            value = a.get(name) or ""
            # Links within the page or to the pages beside it are fine; anything with a scheme
            # or a host is a request out of the file.
            if value and (":" in value or value.startswith("/")):
                self.external.append(f"{tag}[{name}]={value}")


def test_html_structure(demo) -> None:
    page = Page()
    page.feed(render_html(demo))
    repo = demo.repositories[0]
    model = demo.model
    assert page.categories == [c.id for c in model.categories]
    assert sorted(p for p, _ in page.practices) == sorted(p.id for p in model.practices)
    assert page.pipelines == [p.path for p in repo.project.pipelines]
    assert sum("profile" in s for s in page.svgs) == 1
    assert page.scripts == 0 and page.external == []
    assert all(link[1:] in page.ids for link in page.links), "every evidence link has its source excerpt"


def test_html_marks_production_gates_and_violations(demo) -> None:
    html = render_html(demo)
    for mark in ("production", "gate", "violation"):
        assert re.search(rf'<g class="stage[^"]*\b{mark}\b', html), mark


def test_html_for_several_repositories_is_an_overview_and_a_page_each(tmp_path) -> None:
    out = tmp_path / "org.html"
    result = cli("--format", "html", "-o", str(out), BASE, EXPERT)
    assert result.exit_code == 0, result.stderr
    overview = Page()
    overview.feed(out.read_text())
    assert sum("distribution" in s for s in overview.svgs) == 1
    assert sum("profile" in s for s in overview.svgs) == 0 and overview.pipelines == []
    pages = sorted((tmp_path / "org").iterdir())
    assert [p.name for p in pages] == ["fixtures-maturity-github_base.html", "fixtures-maturity-github_expert.html"]
    assert {link.split("#")[0] for link in overview.links} >= {f"org/{p.name}" for p in pages}
    report = run([BASE, EXPERT])
    for page_file, repo in zip(pages, report.repositories):
        page = Page()
        page.feed(page_file.read_text())
        assert sum("profile" in s for s in page.svgs) == 1
        assert page.pipelines == [p.path for p in repo.project.pipelines]
        assert all(link[1:] in page.ids for link in page.links if link.startswith("#"))
    assert cli("--format", "html", BASE, EXPERT).exit_code == 2, "several pages need -o"


def test_html_pages_are_not_written_through_a_symlinked_folder(tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "org").symlink_to(elsewhere)
    result = cli("--format", "html", "-o", str(tmp_path / "org.html"), BASE, EXPERT)
    assert result.exit_code == 2 and "is a symlink" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_html_title_names_the_directory_and_renders_code(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT / DEMO)
    html = render_html(run(["."]))
    assert "<title>Continuous delivery maturity — demo</title>" in html
    steps = html.split('id="next-steps"')[1].split("</ol>")[0]
    assert "`" not in steps and "<code>" in steps


def test_html_folds_what_files_cannot_show_and_the_sources(demo) -> None:
    html = render_html(demo)
    culture = html.split('<section class="category" id="cat-culture-organization"')[1].split("</section>")[0]
    assert "<details" in culture and "20 practices pipeline files cannot show" in culture
    assert '<nav class="toc">' in html and "@media print" in html and "@media (max-width: 800px)" in html
    sources = html.split('id="sources"')[1]
    assert sources.count('<details class="source"') == sources.count("<pre")


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def png_colours(data: bytes) -> int:
    """Distinct RGB colours in an 8-bit RGB or RGBA PNG (standard library only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width = 8, [], 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
            bpp = 4 if colour_type == 6 else 3
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    previous = bytearray(stride)
    colours = set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 4 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        previous = line
    return len(colours)


def open_in_browser(executable: str, page, shot, size: str) -> bytes:
    """A screenshot (PNG) of ``page`` in headless Chromium, after checking that the browser
    logged no console message (script errors, blocked requests, CSP violations)."""
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--hide-scrollbars", f"--window-size={size}",
             f"--screenshot={shot}", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert completed.returncode == 0, completed.stderr[-2000:]
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line]
    assert console == [], console
    assert shot.exists(), completed.stderr[-2000:]
    return shot.read_bytes()


@pytest.mark.slow
def test_html_opens_in_a_headless_browser_without_console_errors(demo, tmp_path) -> None:
    executable = browser()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it); "
                    "the HTML report was not opened in a browser")
    page = tmp_path / "maturity.html"
    page.write_text(render_html(demo), encoding="utf-8")
    started = time.perf_counter()
    shot = open_in_browser(executable, page, tmp_path / "shot.png", "1000,900")
    assert png_colours(shot) > 40, "the page looks blank"
    assert time.perf_counter() - started < 60


# --- the command --------------------------------------------------------------------


def test_text_is_the_default_and_exit_is_0(demo) -> None:
    result = cli(DEMO)
    assert result.exit_code == 0
    assert result.stdout == render_text(demo)


def test_html_to_a_file(tmp_path) -> None:
    out = tmp_path / "maturity.html"
    result = cli("--format", "html", "-o", str(out), EXPERT)
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_fail_under_is_a_gate() -> None:
    assert cli("--fail-under", "build-deploy=beginner", DEMO).exit_code == 0
    failed = cli("--fail-under", "build-deploy=intermediate", "--fail-under", "test-verification=base", DEMO)
    assert failed.exit_code == 1
    assert "maturity gate failed: fixtures/demo: Build & Deploy is beginner, under intermediate" in failed.stderr


@pytest.mark.parametrize("spec", ["build-deploy", "build=base", "build-deploy=great"])
def test_bad_fail_under_is_a_usage_error(spec: str) -> None:
    result = cli("--fail-under", spec, DEMO)
    assert result.exit_code == 2
    assert "expected CATEGORY=LEVEL" in result.stderr


def test_baseline_ratchet(tmp_path) -> None:
    baseline = tmp_path / "maturity.json"
    assert cli("--format", "json", "-o", str(baseline), EXPERT).exit_code == 0
    assert cli("--baseline", str(baseline), EXPERT).exit_code == 0
    dropped = cli("--baseline", str(baseline), INTERMEDIATE)
    assert dropped.exit_code == 1
    assert "Build & Deploy dropped from expert to intermediate" in dropped.stderr
    assert cli("--baseline", str(baseline), "--format", "json", "-o", str(tmp_path / "again.json"), EXPERT).exit_code == 0


def test_baseline_of_several_repositories_matches_by_path(tmp_path) -> None:
    baseline = tmp_path / "org.json"
    assert cli("--format", "json", "-o", str(baseline), BASE, EXPERT).exit_code == 0
    assert cli("--baseline", str(baseline), BASE, EXPERT).exit_code == 0
    assert cli("--baseline", str(baseline), EXPERT, BASE).exit_code == 0


def test_bad_baseline_is_a_usage_error(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 2}')
    result = cli("--baseline", str(bad), DEMO)
    assert result.exit_code == 2
    assert "not a maturity JSON result" in result.stderr


def test_own_model(tmp_path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MINIMAL)
    result = cli("--model", str(model), "--format", "json", EXPERT)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["model"]["id"] == "tiny"
    assert document["categories"][0]["level"] == "base"


def test_broken_model_is_a_usage_error_naming_the_key(tmp_path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text("id: x\nname: X\nlevels: []\ncategories: []\npractices: []\n")
    result = cli("--model", str(model), DEMO)
    assert result.exit_code == 2
    assert f"{model}:3:1: levels: [] should be non-empty" in result.stderr


def test_missing_path_is_a_usage_error() -> None:
    assert cli("no/such/repository").exit_code == 2


def test_jobs_give_the_same_report_in_the_same_order() -> None:
    paths = [EXPERT, BASE, INTERMEDIATE, DEMO]
    one = cli("--format", "json", *paths)
    many = cli("--format", "json", "--jobs", "3", *paths)
    assert one.exit_code == many.exit_code == 0
    assert one.stdout == many.stdout


def test_check_does_not_import_maturity_or_networkx() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom cdlint.cli import main\n"
        f"CliRunner().invoke(main, ['check', {DEMO!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('cdlint.maturity', 'networkx'))))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert completed.stdout.strip() == "[]", completed.stderr


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["github", "gitlab", "azure", "jenkins"])
def test_corpus_groups(platform: str, tmp_path) -> None:
    groups = sorted(str(p) for p in (CORPUS / platform).iterdir() if p.is_dir()) if (CORPUS / platform).is_dir() else []
    if not groups:
        pytest.skip(f"../shared/corpus/{platform} is not present")
    started = time.perf_counter()
    result = cli("--format", "html", "-o", str(tmp_path / "corpus.html"), "--jobs", "4", *groups)
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    assert time.perf_counter() - started < 120
    for written in [tmp_path / "corpus.html", *sorted((tmp_path / "corpus").iterdir())]:
        page = Page()
        page.feed(written.read_text())
        assert page.scripts == 0 and page.external == [], written
    assert len(list((tmp_path / "corpus").iterdir())) == len(groups)
