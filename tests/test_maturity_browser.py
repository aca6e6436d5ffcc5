"""The HTML maturity report as a person sees it: rendered by headless Chromium at a desktop
width (1400 px) and a narrow one (760 px), with its layout measured in the browser.

The report allows no script (its Content-Security-Policy), so the test opens a copy with
the policy removed and a measuring script appended, and reads what the script wrote into
the DOM back from ``--dump-dom``. It asserts what the eye would complain about: no
horizontal scrolling of the page, no text of the stage graphs drawn over other text or a
marker, no text outside its box, no box outside its drawing or over another box. The
screenshots go to $CDLINT_SCREENSHOTS when set (to look at them), else to a temporary folder.
"""

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from cdlint.maturity import run
from cdlint.maturity.html import render_html, render_pages

from conftest import CORPUS, FIXTURES, ROOT
from test_maturity_report import browser, png_colours

pytestmark = pytest.mark.slow

MEASURE = r"""
<script>
(() => {
  const rect = (e) => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const overlap = (a, b) => Math.min(a.r, b.r) - Math.max(a.l, b.l) > 0.5 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 0.5;
  const inside = (a, b) => a.l >= b.l - 0.5 && a.r <= b.r + 0.5 && a.t >= b.t - 0.5 && a.b <= b.b + 0.5;
  const problems = [];
  let stages = 0;
  for (const svg of document.querySelectorAll('svg.pipeline')) {
    const frame = rect(svg);
    const where = svg.getAttribute('data-pipeline');
    const boxes = [];
    for (const g of svg.querySelectorAll('g.stage')) {
      stages += 1;
      const name = g.getAttribute('data-stage');
      const box = rect(g.querySelector('rect.box'));
      const parts = [...g.querySelectorAll(':scope > text, :scope > .mark')].map((e) => [e.getAttribute('class'), rect(e)]);
      const badge = g.querySelector(':scope > .badge');
      for (const [kind, r] of parts) {
        if (!inside(r, box)) problems.push(`${where} ${name}: ${kind} outside its box`);
        if (badge && overlap(r, rect(badge))) problems.push(`${where} ${name}: ${kind} under the findings badge`);
      }
      for (let i = 0; i < parts.length; i++)
        for (let j = i + 1; j < parts.length; j++)
          if (overlap(parts[i][1], parts[j][1])) problems.push(`${where} ${name}: ${parts[i][0]} overlaps ${parts[j][0]}`);
      if (!inside(rect(g), frame)) problems.push(`${where} ${name}: drawn outside the graph`);
      for (const [other, r] of boxes) if (overlap(r, box)) problems.push(`${where}: ${name} overlaps ${other}`);
      boxes.push([name, box]);
    }
  }
  const root = document.documentElement;
  document.body.setAttribute('data-measure', JSON.stringify({
    width: window.innerWidth, scrollWidth: root.scrollWidth, height: root.scrollHeight, stages, problems,
    pipelines: document.querySelectorAll('svg.pipeline').length,
    wide: [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5
      && !e.closest('figure, .scroll')).slice(0, 5).map((e) => e.tagName + '.' + (e.getAttribute('class') || '')),
  }));
})();
</script>
"""


def chromium() -> str:
    executable = browser()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
    return executable


def _chromium(page: Path, width: int, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--hide-scrollbars", f"--window-size={width},1000", *args, page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )


def measure(html: str, width: int, folder: Path) -> dict:
    """Open the page at ``width`` pixels with the measuring script and return what it found."""
    page = folder / f"measure-{width}.html"
    without_policy = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", html)
    page.write_text(without_policy.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    completed = _chromium(page, width, "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(r'data-measure="([^"]*)"', completed.stdout)
    assert found, "the measuring script did not run"
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def screenshot(html: str, width: int, name: str, height: int) -> Path:
    """A screenshot of the page as shipped (policy and all), the whole page tall."""
    folder = Path(os.environ.get("CDLINT_SCREENSHOTS") or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    shot = folder / f"{name}-{width}.png"
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--hide-scrollbars", "--enable-logging=stderr", "--v=0", f"--window-size={width},{min(height, 16000)}",
             f"--screenshot={shot}", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert completed.returncode == 0, completed.stderr[-2000:]
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line]
    assert console == [], console
    assert png_colours(shot.read_bytes()) > 40, "the page looks blank"
    return shot


def check_page(html: str, name: str, tmp_path: Path) -> dict:
    results = {}
    for width in (1400, 760):
        found = measure(html, width, tmp_path)
        assert found["problems"] == [], found["problems"][:10]
        assert found["scrollWidth"] <= found["width"], f"the page scrolls sideways at {width} px: {found['wide']}"
        screenshot(html, width, name, found["height"])
        results[width] = found
    return results


@pytest.fixture
def at_root(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)


def test_demo_report_fits_760_px_and_nothing_overlaps(tmp_path, at_root) -> None:
    report = run(["fixtures/demo"])
    html = render_html(report)
    found = check_page(html, "demo", tmp_path)
    assert found[1400]["pipelines"] == len(report.repositories[0].project.pipelines)
    assert found[1400]["stages"] == len(report.repositories[0].project.stages())
    # Folded practices and sources keep the demo short (it was 16,000 px tall).
    assert found[1400]["height"] < 10000, found[1400]["height"]


def test_long_stage_names_are_sized_and_cut_not_overlapped(tmp_path) -> None:
    """Names longer than a box may be are cut with an ellipsis, markers stay off them."""
    workflows = tmp_path / "repo" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    long = "deploy-the-storefront-and-the-payment-service-to-production-in-every-region"
    (workflows / "release.yml").write_text(
        "on: {push: {branches: [main]}}\njobs:\n"
        "  build-and-package-everything-for-release:\n    runs-on: ubuntu-latest\n    steps: [{run: make dist}]\n"
        "  test:\n    needs: build-and-package-everything-for-release\n    runs-on: ubuntu-latest\n    steps: [{run: make test}]\n"
        f"  {long}:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: production\n"
        "    steps: [{run: ./deploy.sh production}]\n"
        "  approve:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: production\n    steps: [{run: ./deploy.sh production}]\n")
    report = run([str(tmp_path / "repo")])
    html = render_html(report)
    assert f"<title>" in html and "…</text>" in html, "the longest name is cut"
    assert long in html, "the tooltip keeps the whole name"
    check_page(html, "long-names", tmp_path)


def test_corpus_repository_report(tmp_path) -> None:
    """A real repository with many pipelines and long names, when ../shared/corpus is there."""
    repository = CORPUS / "github" / "bitwarden__server"
    if not repository.is_dir():
        candidates = sorted(p for platform in ("gitlab", "github") if (CORPUS / platform).is_dir()
                            for p in (CORPUS / platform).iterdir() if p.is_dir())
        if not candidates:
            pytest.skip("../shared/corpus is not present")
        repository = candidates[0]
    report = run([str(repository)])
    check_page(render_html(report), "corpus", tmp_path)


def test_overview_of_several_repositories_links_a_page_each(tmp_path, at_root) -> None:
    paths = ["fixtures/maturity/github_base", "fixtures/maturity/github_expert", "fixtures/demo"]
    report = run(paths)
    pages = render_pages(report, str(tmp_path / "org.html"))
    overview = pages[None]
    assert len(pages) == 4
    for repo, name in zip(report.repositories, list(pages)[1:]):
        assert name == str(tmp_path / "org" / Path(name).name)
        assert f'href="org/{Path(name).name}"' in overview
        assert f"<title>Continuous delivery maturity — {repo.name}</title>" in pages[name]
        assert 'href="../org.html"' in pages[name]
    assert overview.count('class="cell"') == sum(c.assessable for r in report.repositories for c in r.assessment.categories)
    assert len(overview) < len(pages[str(tmp_path / "org" / "fixtures-demo.html")])
    check_page(overview, "overview", tmp_path)
