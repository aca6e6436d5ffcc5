"""``cdlint fleet report``: the HTML site (structure, escaping, a real headless browser),
Markdown and CSV, all from a store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint.cli import main
from cdlint.fleet import summary
from cdlint.fleet.html import page_name, render_overview

from conftest import ROOT
from fleet_repos import history_repo, repo_of
from test_maturity_report import Page, browser, open_in_browser, png_colours

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "=HYPERLINK(\"http://evil\")", "../../etc/passwd"]


@pytest.fixture(scope="module")
def fleet_store(tmp_path_factory) -> Path:
    """A store with a history, two fixture repositories, hostile names and a failure."""
    base = tmp_path_factory.mktemp("fleet")
    listing = base / "repos.txt"
    listing.write_text("\n".join([
        str(history_repo(base / "work")), str(repo_of(ROOT / "fixtures/maturity/github_expert", base / "expert")),
        str(repo_of(ROOT / "fixtures/demo", base / "demo")), str(base / "missing")]) + "\n")
    path = base / "s.jsonl"
    run = CliRunner().invoke(main, ["fleet", "scan", "-s", str(path), "--cache", str(base / "cache"), "--history",
                                    "--since", "2024-01-01", str(listing)])
    assert run.exit_code == 0, run.output
    lines = path.read_text(encoding="utf-8").splitlines()
    demo = next(json.loads(line) for line in lines if json.loads(line)["repository"].endswith("/demo"))
    with open(path, "a", encoding="utf-8") as handle:
        for name in HOSTILE:
            handle.write(json.dumps({**demo, "repository": name, "commit": None, "time": None}) + "\n")
    return path


def report(*args: str):
    return CliRunner().invoke(main, ["fleet", "report", *args], catch_exceptions=False)


def test_summary_levels_over_time(fleet_store) -> None:
    fleet = summary.load(str(fleet_store))
    work = next(r for r in fleet.repositories.values() if r.name.endswith("/work"))
    index = [c.id for c in fleet.categories].index("test-verification")
    assert [s.time[:10] for s in work.states] == ["2024-01-10", "2024-03-10", "2024-03-20", "2024-05-10"]
    assert [s.levels[index] for s in work.states] == [0, 1, 1, 1]
    months, series, counted = fleet.trends()
    assert months[0] == "2024-01" and "2024-05" in months
    assert series[index][0] == 0.0 and series[index][months.index("2024-03")] > 0
    missing = next(r for r in fleet.repositories.values() if r.name.endswith("missing"))
    assert missing.latest is None and missing.error.startswith("no such directory")
    rules = [rule for rule, *_ in fleet.common_findings()]
    assert rules and all(isinstance(r, str) for r in rules)


def test_html_site_structure(fleet_store, tmp_path) -> None:
    out = tmp_path / "site"
    result = report("-s", str(fleet_store), "-o", str(out))
    assert result.exit_code == 0, result.output
    fleet = summary.load(str(fleet_store))
    pages = sorted(p.name for p in (out / "repos").iterdir())
    assert pages == sorted(page_name(name) for name in fleet.repositories)
    assert result.stderr == f"cdlint: wrote {out / 'index.html'} and {len(pages)} repository pages\n"
    index = (out / "index.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(index)
    assert page.scripts == 0 and page.external == []
    assert [link for link in page.links if link.startswith("repos/")] == [f"repos/{p}" for p in sorted_links(index)]
    assert all((out / link).exists() for link in page.links if link.startswith("repos/"))
    assert index.count('<tr class="repository') == len(fleet.repositories)
    assert index.count('<svg class="trend"') == len(fleet.categories)
    for name in pages:
        sub = Page()
        sub.feed((out / "repos" / name).read_text(encoding="utf-8"))
        assert sub.scripts == 0 and sub.external == [] and "../index.html" in sub.links


def sorted_links(index: str) -> list[str]:
    import re

    return re.findall(r'href="repos/([^"]+)"', index)


def test_untrusted_names_are_escaped(fleet_store) -> None:
    html = render_overview(summary.load(str(fleet_store)))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert all("/" not in page_name(name) and ".." not in page_name(name)[:-5] for name in HOSTILE)
    assert len({page_name(n) for n in HOSTILE}) == len(HOSTILE)


def test_markdown_overview(fleet_store) -> None:
    result = report("-s", str(fleet_store), "--format", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("## Delivery maturity: 8 repositories\n")
    assert "### Trends" in text and "| 2024-03 | " in text and "### Most common findings" in text
    assert "`&lt;script&gt;" not in text and "`<script>alert(1)</script>`" in text  # inside code, as written
    assert "### Repositories that failed" in text


def test_csv_has_a_row_per_record_and_no_formulas(fleet_store) -> None:
    result = report("-s", str(fleet_store), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(fleet_store.read_text().splitlines())
    assert {"repository", "commit", "time", "build-deploy", "findings", "error"} <= set(rows[0])
    assert "'=HYPERLINK(\"http://evil\")" in [r["repository"] for r in rows]
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values() if value)
    failed = [r for r in rows if r["error"]]
    assert failed and failed[0]["findings"] == ""


def test_report_of_a_missing_or_empty_store_is_a_usage_error(tmp_path) -> None:
    assert report("-s", str(tmp_path / "none.jsonl")).exit_code == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = report("-s", str(empty), "--format", "markdown")
    assert result.exit_code == 2 and "holds no records" in result.stderr


@pytest.mark.slow
def test_fleet_page_opens_in_a_headless_browser(fleet_store, tmp_path) -> None:
    executable = browser()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it); "
                    "the fleet page was not opened in a browser")
    out = tmp_path / "site"
    assert report("-s", str(fleet_store), "-o", str(out)).exit_code == 0
    pages = [out / "index.html", *sorted((out / "repos").iterdir())[:2]]
    for number, page in enumerate(pages):
        shot = open_in_browser(executable, page, tmp_path / f"shot-{number}.png", "1200,1000")
        assert png_colours(shot) > 20, f"{page.name} looks blank"
