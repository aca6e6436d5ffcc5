"""Properties that hold for any input: parsers never crash, spans lie inside files,
output is deterministic."""

import json
from dataclasses import fields, is_dataclass

from hypothesis import example, given
from hypothesis import strategies as st

from cdlint.engine import Settings, check
from cdlint.errors import ParseError
from cdlint.formatters import FORMATTERS
from cdlint.model import Span
from cdlint.parsers import azure, github, jenkins
from cdlint.workspace import Workspace
from cdlint.yamlload import load

from conftest import FIXTURES

TOKENS = [
    "on", "jobs", "steps", "run", "uses", "needs", "environment", "if", "name", "with", "strategy", "matrix",
    "services", "push", "workflow_dispatch", "workflow_run", "inputs", "branches", ":", ": ", " ", "  ", "    ",
    "- ", "\n", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "'", '"', "${{", "}}", "# c", "\t", "!reference ",
    "~", "true", "0x1F", "1.5", "-", "|", ">", "./x.yml", "actions/upload-artifact@v4", "always()", "production",
    "\r\n", "\ufeff", "é", "---\n", "...\n", "? ", "!!str ", "%YAML 1.2\n",
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)

KEYS = st.sampled_from(
    ["on", "jobs", "steps", "run", "uses", "needs", "environment", "if", "name", "with", "strategy", "matrix",
     "services", "container", "concurrency", "continue-on-error", "outputs", "build", "test", "deploy", "push",
     "branches", "tags", "types", "workflows", "inputs", "url", "options", "default"]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(
        ["main", "production", "staging", "${{ matrix.env }}", "always()", "failure()", "./.github/workflows/x.yml",
         "actions/download-artifact@v4", "make test", "kubectl apply -f k8s", "docker build .", "github.ref == 'refs/heads/main'"]
    )
)
values = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=30)
workflows = st.dictionaries(KEYS, values, max_size=6)


def spans(value, seen=None):
    """Every Span inside a model value."""
    seen = seen if seen is not None else set()
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Span):
        yield value
    elif is_dataclass(value):
        for f in fields(value):
            yield from spans(getattr(value, f.name), seen)
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from spans(item, seen)


def assert_inside(pipeline, texts: dict[str, str]) -> None:
    for span in spans(pipeline):
        lines = texts[span.path].splitlines() or [""]
        assert 1 <= span.line <= len(lines), span
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, span


def parse_or_error(parser, text: str, path: str, workspace: Workspace | None = None):
    """``parser``'s pipeline, or None when it raised a ParseError that points inside ``text``
    (or into another file, which only a workspace holds)."""
    try:
        return parser.parse(text, path, workspace or Workspace())
    except ParseError as e:
        lines = text.splitlines() or [""]
        assert e.span.path == path or workspace is not None
        if e.span.path == path:
            assert 1 <= e.span.line <= len(lines)
        return None


def assert_parses_inside(parser, text: str, path: str) -> None:
    """``text`` parses with every span inside it and no internal error, or fails cleanly."""
    pipeline = parse_or_error(parser, text, path)
    if pipeline is not None:
        assert_inside(pipeline, {pipeline.path: text})
        assert not any("internal error" in p.message for p in pipeline.problems)


@given(yamlish)
@example("on: push\njobs: {a: {needs: a}}")
@example("a: &a [*a]")
@example("jobs:\n  x:\n    steps: [")
@example("on:\n  push:\njobs:\n  b:\n    steps:\n      - run: make\n\t")
def test_github_parser_never_crashes_and_spans_are_inside(text: str) -> None:
    assert_parses_inside(github, text, ".github/workflows/x.yml")


@given(workflows)
def test_structured_workflows_parse_with_spans_inside(data: dict) -> None:
    text = json.dumps(data, indent=1)
    assert_parses_inside(github, text, ".github/workflows/x.yml")


@given(yamlish)
def test_yaml_loader_returns_values_or_a_parse_error(text: str) -> None:
    try:
        load(text, "x.yml")
    except ParseError as e:
        assert e.span.line >= 1 and e.span.column >= 1


def test_output_is_deterministic() -> None:
    demo = str(FIXTURES / "demo")
    for name, render in FORMATTERS.items():
        first = render(check([demo], Settings()))
        second = render(check([demo], Settings()))
        assert first == second, name


AZURE_TOKENS = [
    "trigger", "pr", "stages", "- stage: ", "jobs", "- job: ", "- deployment: ", "steps", "- script: ", "- task: ",
    "- template: ", "template", "parameters", "dependsOn", "condition", "environment", "strategy", "runOnce",
    "deploy", "extends", "resources", "pipelines", "variables", "download", "publish", "none", "main", ":", ": ",
    " ", "  ", "    ", "- ", "\n", "[", "]", "{", "}", ",", "'", "${{ if eq(parameters.a, 'b') }}",
    "${{ elseif true }}", "${{ else }}", "${{ each x in parameters.l }}", "${{ parameters.a }}", "${{ x }}",
    "${{ insert }}", "$(var)", "always()", "eq(variables['Build.SourceBranch'], 'refs/heads/main')", "production",
    "t.yml", "t.yml@other", "&a ", "*a", "<<: ", "~", "true", "1", "\t", "é", "---\n",
]
azure_yamlish = st.lists(st.sampled_from(AZURE_TOKENS), max_size=80).map("".join)
AZURE_KEYS = st.sampled_from(
    ["trigger", "pr", "stages", "stage", "jobs", "job", "deployment", "steps", "script", "task", "template",
     "parameters", "dependsOn", "condition", "environment", "strategy", "runOnce", "canary", "deploy", "on",
     "failure", "extends", "resources", "pipelines", "pipeline", "source", "variables", "name", "value",
     "download", "publish", "artifact", "inputs", "pool", "services", "container", "continueOnError",
     "${{ if eq(parameters.a, 'b') }}", "${{ else }}", "${{ each x in parameters.l }}", "${{ insert }}"]
)
AZURE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(
        ["main", "none", "production", "staging", "always()", "failed()", "t.yml", "t.yml@other", "current",
         "${{ parameters.a }}", "${{ x.key }}", "$(env)", "make test", "kubectl apply -f k8s", "docker build .",
         "ManualValidation@1", "AzureWebApp@1", "eq(variables['Build.Reason'], 'PullRequest')"]
    )
)
azure_values = st.recursive(
    AZURE_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(AZURE_KEYS, inner, max_size=5),
    max_leaves=30,
)
azure_pipelines = st.dictionaries(AZURE_KEYS, azure_values, max_size=6)


@given(azure_yamlish)
@example("stages:\n- stage: A\n  dependsOn: A\n  jobs: [{job: x, steps: [{script: make}]}]")
@example("steps:\n- ${{ each x in parameters.l }}:\n  - ${{ x }}")
@example("jobs:\n- ${{ if eq(parameters.a, 'b') }}:\n  - job: a\n- ${{ else }}:\n  - job: a")
def test_azure_parser_never_crashes_and_spans_are_inside(text: str) -> None:
    assert_parses_inside(azure, text, "azure-pipelines.yml")


@given(azure_pipelines)
def test_structured_azure_pipelines_parse_with_spans_inside(data: dict) -> None:
    text = json.dumps(data, indent=1)
    assert_parses_inside(azure, text, "azure-pipelines.yml")


TEMPLATE_NAMES = ["a.yml", "b.yml", "c.yml"]
template_steps = st.lists(
    st.one_of(
        st.sampled_from(["- script: make", "- script: ${{ parameters.p }}", "- task: AzureWebApp@1"]),
        st.sampled_from(TEMPLATE_NAMES).map(lambda t: f"- template: {t}\n  parameters:\n    p: ${{{{ parameters.p }}}}"),
        st.sampled_from(TEMPLATE_NAMES).map(lambda t: f"- ${{{{ if eq(parameters.p, 'x') }}}}:\n  - template: {t}"),
        st.sampled_from(TEMPLATE_NAMES).map(lambda t: f"- ${{{{ each i in parameters.l }}}}:\n  - template: {t}"),
    ),
    max_size=4,
)


@given(st.lists(template_steps, min_size=3, max_size=3), template_steps)
@example([["- template: b.yml"], ["- template: a.yml"], []], ["- template: a.yml"])
def test_azure_template_trees_terminate_with_spans_inside_and_deterministic(templates, main) -> None:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, steps in zip(TEMPLATE_NAMES, templates):
            head = "parameters:\n- name: p\n  default: x\n- name: l\n  type: object\n  default: [1, 2]\n"
            (root / name).write_text(head + "steps:\n" + "\n".join(steps) + "\n")
        text = "trigger: [main]\npr: none\nsteps:\n" + "\n".join(main) + "\n"
        first = parse_or_error(azure, text, "azure-pipelines.yml", Workspace(root))
        second = parse_or_error(azure, text, "azure-pipelines.yml", Workspace(root))
        assert first == second
        if first is not None:
            texts = {n: (root / n).read_text() for n in TEMPLATE_NAMES} | {first.path: text}
            assert_inside(first, texts)
            cycles = [p for p in first.problems if "includes itself" in p.message]
            for problem in cycles:
                assert problem.span.path in texts


GROOVY_TOKENS = [
    "pipeline", "node", "stage", "stages", "steps", "parallel", "matrix", "axes", "axis", "when", "branch", "input",
    "post", "always", "success", "environment", "agent", "docker", "script", "sh", "bat", "stash", "unstash",
    "catchError", "try", "catch", "finally", "if", "else", "def", "for", "in", "return", "build", "job:", "lock",
    "@Library('x') _", "library", "deployToProd", "env.BRANCH_NAME == 'main'", "params.VERSION", "DEPLOY_ENV",
    "'Deploy to production'", "'make test'", "\"${x}\"", "'''a\nb'''", '"""c"""', "/re+/", "$/x/$", "{", "}",
    "(", ")", "[", "]", ":", ",", ";", "=", "->", ".", "\n", " ", "  ", "// c", "/* c */", "\t", "é", "\r\n",
]
groovyish = st.lists(st.sampled_from(GROOVY_TOKENS), max_size=120).map(" ".join)


def jenkins_fixture_texts() -> list[str]:
    paths = sorted(FIXTURES.glob("parsers/jenkins/**/*Jenkinsfile")) + sorted(FIXTURES.glob("rules/*/jenkins_*"))
    return [p.read_text(encoding="utf-8") for p in paths if p.is_file()]


JENKINS_TEXTS = jenkins_fixture_texts()


@given(groovyish)
@example("node { stage('a') { stage('a') { parallel a: { stage('a') {} } } } }")
@example("def f(body) { f { body() } }\nf { stage('x') { sh 'make' } }")
@example("pipeline { stages { stage('x') { matrix { axes { axis { name 'A' } } } } } }")
@example("stage 'a'\nsh 'make'\nstage 'b'")
def test_jenkins_parser_never_crashes_and_spans_are_inside(text: str) -> None:
    assert_parses_inside(jenkins, text, "Jenkinsfile")


@given(st.sampled_from(JENKINS_TEXTS), st.floats(0, 1))
def test_truncated_jenkinsfiles_parse_with_spans_inside_and_deterministic(text: str, cut: float) -> None:
    text = text[: int(len(text) * cut)]
    assert_parses_inside(jenkins, text, "Jenkinsfile")
    assert parse_or_error(jenkins, text, "Jenkinsfile") == parse_or_error(jenkins, text, "Jenkinsfile")
