"""Real pipelines from ../shared/corpus: nothing crashes, workflows yield stages, time is bounded."""

import json
import posixpath
import time
from pathlib import Path

import jsonschema
import pytest

from cdlint.engine import Settings, check
from cdlint.errors import ParseError
from cdlint.formatters import sarif
from cdlint.parsers import discover, github
from cdlint.project import parse_file
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


def main_pipelines(corpus: Path, platform: str) -> list[tuple[str, str]]:
    """``(group, path)`` of the files MANIFEST.tsv calls main pipelines of ``platform``."""
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("MANIFEST.tsv is not present")
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:]]
    return sorted((r[1], r[4]) for r in rows if len(r) > 7 and r[0] == platform and r[7] == "main")


def test_azure_corpus_main_pipelines_parse_with_their_templates(corpus: Path) -> None:
    pipelines = main_pipelines(corpus, "azure")
    assert pipelines
    start = time.perf_counter()
    read = 0
    for group, path in pipelines:
        root = corpus / "azure" / group
        pipeline = parse_file(path, "azure", Workspace(root))
        problems = [f"{p.span}: {p.message}" for p in pipeline.problems if p.rule == "parse-error"]
        assert not problems, (group, problems)
        read += len(pipeline.files) - 1
        for ref in pipeline.references:
            if ref.reason == "local template not found":
                # Only templates the corpus does not hold stay unread.
                target = ref.target.removesuffix("@self")
                assert not (root / target.lstrip("/")).is_file(), ref
                assert not (root / posixpath.dirname(ref.span.path) / target).is_file(), ref
    elapsed = time.perf_counter() - start
    assert elapsed < 20
    assert read > 200


def test_azure_corpus_checks_without_internal_errors(corpus: Path) -> None:
    groups = sorted(p for p in (corpus / "azure").iterdir() if p.is_dir())
    start = time.perf_counter()
    report = check([str(g) for g in groups], Settings())
    assert time.perf_counter() - start < 20
    assert not internal_errors(report)
    assert all(platform == "azure" for _, platform in report.files)
    discovered = {(g.name, rel) for g in groups for rel, _ in discover(g)}
    main = set(main_pipelines(corpus, "azure"))
    assert len(discovered & main) >= 0.9 * len(main)


def test_jenkins_corpus_yields_the_stages_people_see(corpus: Path) -> None:
    from cdlint.parsers import groovy

    groups = sorted(p for p in (corpus / "jenkins").iterdir() if p.is_dir())
    kinds = {(group, path): kind for kind in ("declarative", "scripted") for group, path in main_pipelines_of_kind(corpus, "jenkins", kind)}
    seen = stages = files = slowest = 0
    for group in groups:
        workspace = Workspace(group)
        for rel, platform in discover(group):
            if platform != "jenkins":
                continue
            text = (group / rel).read_text(encoding="utf-8", errors="replace")
            calls = sum(
                1 for n in groovy.iter_nodes(groovy.parse(text))
                if isinstance(n, groovy.Call) and n.callee is None and n.name == "stage" and (n.args or n.named)
            )
            start = time.perf_counter()
            pipeline = parse_file(rel, "jenkins", workspace)
            slowest = max(slowest, time.perf_counter() - start)
            assert not [p for p in pipeline.problems if "internal error" in p.message], (group.name, rel)
            if (group.name, rel) in kinds:
                assert pipeline.stages, (group.name, rel)
            files += 1
            seen += calls
            # Every stage() call is a stage; steps outside stages may add one more.
            stages += min(calls, len(pipeline.stages))
    assert files >= 80
    assert stages >= 0.99 * seen
    assert slowest < 0.5
    report = check([str(g) for g in groups], Settings())
    assert not internal_errors(report)


def main_pipelines_of_kind(corpus: Path, platform: str, kind: str) -> list[tuple[str, str]]:
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("MANIFEST.tsv is not present")
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:]]
    prefix = f"{platform}/"
    return sorted(
        (r[5][len(prefix):].partition("/")[0], r[5][len(prefix):].partition("/")[2])
        for r in rows if len(r) > 7 and r[0] == platform and r[7] == kind
    )


PIPELINES = Path(__file__).with_name("corpus_pipelines.yaml")


def test_every_group_has_all_its_pipelines_found(corpus: Path) -> None:
    """Each group of the corpus, checked as a repository, reports the pipeline files listed
    for it (tests/corpus_pipelines.yaml says how the list was made), and the labels name no
    file that is not one of them."""
    from cdlint.yamlload import load

    listed = {group: set(paths or ()) for group, paths in load(PIPELINES.read_text(), PIPELINES.name).value.items()}
    groups = {f"{platform}/{g.name}" for platform in ("azure", "github", "gitlab", "jenkins")
              for g in (corpus / platform).iterdir() if g.is_dir()}
    assert set(listed) == groups
    missing = {}
    for group, paths in sorted(listed.items()):
        found = {path for path, _ in check([str(corpus / group)], Settings(rules={})).files}
        if paths - found:
            missing[group] = sorted(paths - found)
    assert not missing
    labels = corpus.parent / "corpus-labels"
    if not labels.is_dir():
        return
    for label in sorted(labels.glob("*/*.yaml")):
        document = load(label.read_text(), label.name).value or {}
        named = {entry["file"] for part in ("deliveries", "look_alikes", "test_environments")
                 for entry in document.get(part) or ()}
        assert named <= listed[f"{label.parent.name}/{label.stem}"], label.name
