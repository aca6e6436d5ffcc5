"""Real pipelines from ../shared/corpus: nothing crashes, workflows yield stages, time is bounded."""

import json
import time
from pathlib import Path

import jsonschema
import pytest

from cdlint.engine import Settings, check
from cdlint.errors import ParseError
from cdlint.formatters import sarif
from cdlint.parsers import github
from cdlint.workspace import Workspace

from conftest import SCHEMAS

pytestmark = pytest.mark.slow


def internal_errors(report) -> list[str]:
    return [f"{f.span}: {f.message}" for f in report.findings if "internal error" in f.message] + list(report.errors)


def test_github_corpus(corpus: Path) -> None:
    groups = sorted(p for p in (corpus / "github").iterdir() if p.is_dir())
    start = time.perf_counter()
    report = check([str(g) for g in groups], Settings())
    elapsed = time.perf_counter() - start
    assert not internal_errors(report)
    assert elapsed < 30
    for project in report.projects:
        for pipeline in project.pipelines:
            broken = any(p.rule == "parse-error" for p in pipeline.problems)
            if "/.github/workflows/" in f"/{pipeline.path}" and not broken:
                assert pipeline.stages, pipeline.path


def test_github_corpus_sarif_validates(corpus: Path) -> None:
    schema_path = SCHEMAS / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not present")
    groups = sorted(p for p in (corpus / "github").iterdir() if p.is_dir())[:12]
    report = check([str(g) for g in groups], Settings())
    jsonschema.validate(json.loads(sarif.render(report)), json.loads(schema_path.read_text()))


def test_actionlint_peer_inputs_never_crash(corpus: Path) -> None:
    files = sorted(p for p in (corpus / "peer-tests").rglob("*") if p.suffix in (".yml", ".yaml"))
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            github.parse(text, ".github/workflows/" + path.name, Workspace())
        except ParseError:
            pass


def test_gitlab_corpus(corpus: Path) -> None:
    groups = sorted(p for p in (corpus / "gitlab").iterdir() if p.is_dir())
    start = time.perf_counter()
    report = check([str(g) for g in groups], Settings())
    elapsed = time.perf_counter() - start
    assert not internal_errors(report)
    assert elapsed < 30
    main_files = {(g.name, ".gitlab-ci.yml") for g in groups if (g / ".gitlab-ci.yml").is_file()}
    found = set()
    for group, project in zip(groups, report.projects):
        for pipeline in project.pipelines:
            if pipeline.path != ".gitlab-ci.yml":
                continue
            found.add((group.name, pipeline.path))
            assert pipeline.stages, f"{group.name}: no jobs read"
            # Every local include is read: none is reported missing or out of reach.
            unread = [p.message for p in pipeline.problems if "does not exist" in p.message or "outside" in p.message]
            assert not unread, f"{group.name}: {unread}"
            # The corpus holds each main file with its local includes: all are read, but for
            # the parts of child pipelines made of several files (recorded, not composed).
            present = {p.relative_to(group).as_posix() for p in group.rglob("*") if p.suffix in (".yml", ".yaml")}
            children = {r.target.lstrip("/") for r in pipeline.references if "child pipeline" in r.reason}
            assert present - set(pipeline.files) <= children, group.name
    assert found == main_files
