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
from cdlint.parsers import github
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


def parse_or_error(text: str):
    path = ".github/workflows/x.yml"
    try:
        return github.parse(text, path, Workspace())
    except ParseError as e:
        lines = text.splitlines() or [""]
        assert e.span.path == path
        assert 1 <= e.span.line <= len(lines)
        return None


@given(yamlish)
@example("on: push\njobs: {a: {needs: a}}")
@example("a: &a [*a]")
@example("jobs:\n  x:\n    steps: [")
@example("on:\n  push:\njobs:\n  b:\n    steps:\n      - run: make\n\t")
def test_github_parser_never_crashes_and_spans_are_inside(text: str) -> None:
    pipeline = parse_or_error(text)
    if pipeline is not None:
        assert_inside(pipeline, {pipeline.path: text})


@given(workflows)
def test_structured_workflows_parse_with_spans_inside(data: dict) -> None:
    text = json.dumps(data, indent=1)
    pipeline = parse_or_error(text)
    if pipeline is not None:
        assert_inside(pipeline, {pipeline.path: text})


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
