"""Fuzz the parsers and the configuration loader with atheris (coverage-guided, libFuzzer).

Outside the test suite and CI: it needs ``pip install atheris`` (wheels for CPython 3.8 to
3.11 on Linux x86-64) and runs for as long as it is told. One target a run::

    .venv/bin/python tests/fuzz/fuzz.py github -max_total_time=600
    .venv/bin/python tests/fuzz/fuzz.py config -max_total_time=600 -rss_limit_mb=1024

Targets: ``github``, ``gitlab``, ``azure``, ``jenkins`` (a pipeline file: parsed, linked,
classified, every rule run, every report format rendered) and ``config`` (a
``.cdlint.yaml``, or a ``pyproject.toml`` when the input's first byte is odd: loaded,
validated, and used to classify a small pipeline). The fixtures of the platform seed the
corpus; the corpus grows in ``$CDLINT_FUZZ_DIR/<target>`` (default a folder under
``/tmp``), and a crash is written beside it (``<target>-crash-…``) — reproduce it with
``.venv/bin/python tests/fuzz/fuzz.py TARGET crash-…``.

What earlier runs found is kept in ``regressions/`` (``<target>-crash-…``, ``<target>-timeout-…``)
and seeds every run of its target.

A failure is any exception but the ones the contract allows (a ``ParseError`` from a
parser, a ``ConfigError`` from the configuration), a rule that fails, a span outside its
file, or an input that takes longer than ``-timeout`` seconds. Coverage instrumentation
makes cdlint about fifteen times slower, so the default, 30 s, stands for the 2 s that
tests/hostile allows a whole process (the regression ``jenkins-timeout-fe4eff7d``: 0.9 s
as a process, 13 s here).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["cdlint"]):
    from cdlint import config as configuration
    from cdlint.engine import Settings, analyse, classifier_for
    from cdlint.errors import ConfigError, ParseError
    from cdlint.formatters import FORMATTERS
    from cdlint.maturity import assess, default_model
    from cdlint.parsers import detect, parser
    from cdlint.project import build_project
    from cdlint.report import Report
    from cdlint.rule import load_rules
    from cdlint.settings import Options, configured
    from cdlint.targets import Target
    from cdlint.workspace import Workspace
    from cdlint.yamlload import MAX_FILE_SIZE

    # Modules cdlint imports when first needed are imported here, to be instrumented too.
    import cdlint.classify.deliveries, cdlint.classify.images, cdlint.classify.stages, cdlint.classify.steps  # noqa: E401
    import cdlint.formatters.codequality, cdlint.formatters.github, cdlint.formatters.json_report  # noqa: E401
    import cdlint.formatters.junit, cdlint.formatters.markdown, cdlint.formatters.sarif, cdlint.formatters.text  # noqa: E401
    import cdlint.suppress  # noqa: F401
    for name in ("github", "gitlab", "azure", "jenkins"):
        parser(name)
    RULES = load_rules(plugins=False)
    MODEL = default_model()

ROOT = Path(__file__).resolve().parents[2]
PIPELINE_PATHS = {
    "github": ".github/workflows/ci.yml",
    "gitlab": ".gitlab-ci.yml",
    "azure": "azure-pipelines.yml",
    "jenkins": "Jenkinsfile",
}
SETTINGS = Settings(rules=RULES)
SCRATCH = Path(tempfile.mkdtemp(prefix="cdlint-fuzz-root-"))
CLASSIFY_ME = b"on: push\njobs:\n  deploy:\n    environment: live-eu\n    steps:\n      - run: shipit production\n"


def pipeline_target(platform: str):
    path = PIPELINE_PATHS[platform]

    def one(data: bytes) -> None:
        workspace = Workspace(SCRATCH)
        workspace.provide(path, data)
        try:
            workspace.read_text(path)
        except ParseError:
            return
        try:
            parser(platform).parse(workspace.read_text(path), path, workspace)
        except ParseError:
            pass
        project, findings, errors = analyse(Target(SCRATCH, ((path, platform),)), RULES, SETTINGS, workspace)
        if errors:
            raise AssertionError(errors)
        _spans_inside(project, workspace)
        assess(project, findings, MODEL)
        report = Report(tuple(sorted(findings, key=lambda f: f.sort_key)), tuple(RULES.values()),
                        ((path, platform),), (project,), (), workspace.texts)
        for render in FORMATTERS.values():
            render(report)

    return one


def _spans_inside(project, workspace: Workspace) -> None:
    texts = workspace.texts
    for pipeline in project.pipelines:
        for stage in pipeline.stages:
            for span in (stage.span, *(s.span for s in stage.steps)):
                lines = texts.get(span.path, "").splitlines() or [""]
                if not 1 <= span.line <= len(lines) + 1:
                    raise AssertionError(f"{span} lies outside {span.path} ({len(lines)} lines)")


def config_target(data: bytes) -> None:
    toml = bool(data[:1]) and data[0] & 1
    name = "pyproject.toml" if toml else ".cdlint.yaml"
    target = SCRATCH / name
    target.write_bytes(data[1:MAX_FILE_SIZE])
    try:
        loaded = configuration.load(target, RULES)
        settings = configured(loaded, Options(), RULES, None)
        classifier = classifier_for(settings)
    except ConfigError:
        return
    finally:
        target.unlink()
    workspace = Workspace(SCRATCH, classifier)
    workspace.provide(PIPELINE_PATHS["github"], CLASSIFY_ME)
    build_project(".", [(PIPELINE_PATHS["github"], "github")], workspace)


def seeds(target: str) -> Path:
    """A folder of the fixtures that are pipelines of ``target`` (configurations for ``config``),
    and of the inputs earlier runs found (``regressions/<target>-…``)."""
    folder = Path(tempfile.mkdtemp(prefix=f"cdlint-fuzz-seeds-{target}-"))
    count = 0
    for path in sorted((Path(__file__).parent / "regressions").glob(f"{target}-*")):
        (folder / f"seed-{count}").write_bytes(path.read_bytes())
        count += 1
    for path in sorted((ROOT / "fixtures").rglob("*")):
        if not path.is_file() or path.stat().st_size > 64 * 1024:
            continue
        data = path.read_bytes()
        if target == "config":
            if path.name in (".cdlint.yaml", ".cdlint.yml"):
                data = b"\0" + data
            elif path.name == "pyproject.toml":
                data = b"\1" + data
            else:
                continue
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if detect(path.relative_to(ROOT).as_posix(), text) != target:
                continue
        (folder / f"seed-{count}").write_bytes(data)
        count += 1
    if target == "config":
        for text in (b"\0extends: strict\nrules:\n  ungated-production-deploy: {severity: warning}\n",
                     b"\0environments:\n  production: ['^live-']\nsignals:\n  - command: 'shipit\\b'\n    tags: deploy:script\n"
                     b"    examples: [shipit production]\n",
                     b"\1[tool.cdlint]\nfail-on = 'warning'\nexclude = ['legacy/**']\n"):
            (folder / f"seed-{count}").write_bytes(text)
            count += 1
    return folder


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in (*PIPELINE_PATHS, "config"):
        sys.exit(f"usage: {sys.argv[0]} {{{','.join((*PIPELINE_PATHS, 'config'))}}} [libFuzzer options] [files]")
    target = sys.argv[1]
    one = config_target if target == "config" else pipeline_target(target)
    arguments = sys.argv[2:]
    if not any(not a.startswith("-") for a in arguments):
        corpus = Path(os.environ.get("CDLINT_FUZZ_DIR", tempfile.gettempdir() + "/cdlint-fuzz")) / target
        corpus.mkdir(parents=True, exist_ok=True)
        arguments += [str(corpus), str(seeds(target))]
        if not any(a.startswith("-artifact_prefix=") for a in arguments):
            arguments.append(f"-artifact_prefix={corpus.parent}/{target}-")
    if not any(a.startswith("-timeout=") for a in arguments):
        arguments.append("-timeout=30")
    sys.setrecursionlimit(5000)
    atheris.Setup([sys.argv[0], *arguments], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
