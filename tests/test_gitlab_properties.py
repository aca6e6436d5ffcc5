"""Properties of the GitLab parser for any input: it never crashes, every span lies inside
the file it names (included files too), and the same tree gives the same pipeline."""

import json
import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from cdlint.parsers import gitlab
from cdlint.project import parse_file
from cdlint.workspace import Workspace

from test_properties import assert_inside, assert_parses_inside, yamlish

KEYS = st.sampled_from(
    ["stages", "include", "local", "extends", "needs", "dependencies", "rules", "if", "when", "only", "except",
     "refs", "variables", "script", "before_script", "after_script", "environment", "name", "action", "on_stop",
     "auto_stop_in", "deployment_tier", "trigger", "project", "default", "inherit", "workflow", "parallel",
     "matrix", "artifacts", "paths", "reports", "junit", "dotenv", "services", "image", "stage", "job",
     "optional", "pipeline", "allow_failure", "exit_codes", "changes", "exists", "release", "resource_group",
     "build", "test", "deploy", ".tpl", ".base", "pages", "spec"]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from(
        ["build", "test", "deploy", ".tpl", ".base", ".pre", "manual", "always", "never", "delayed", "on_failure",
         "stop", "prepare", "production", "review/$CI_COMMIT_REF_SLUG", "$ENV", "tags", "branches", "main",
         "merge_requests", "schedules", "/^release-.*$/", "/(/", "make test", "docker build .", "kubectl apply -f k",
         "x.yml", "ci/*.yml", "../x.yml", "https://example.com/x.yml", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
         '$CI_PIPELINE_SOURCE == "merge_request_event"', "$CI_COMMIT_TAG", "$A ==", "build: [linux]", "test 1/2"]
    )
)


REFERENCE = st.lists(st.sampled_from([".tpl", ".base", "build", "script", "rules", "variables", "x"]), min_size=1,
                     max_size=3).map(lambda path: {"!reference": path})
VALUES = st.recursive(
    st.one_of(SCALARS, REFERENCE),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)
CONFIGS = st.dictionaries(KEYS, VALUES, max_size=7)


def to_yaml(value) -> str:
    """Flow-style YAML with ``!reference`` tags (JSON cannot write tags)."""
    if isinstance(value, dict) and set(value) == {"!reference"}:
        return "!reference [" + ", ".join(json.dumps(p) for p in value["!reference"]) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_yaml(v) for v in value) + "]"
    return json.dumps(value)


@given(yamlish)
@example("a: &a [*a]")
@example("x:\n  script: [!reference [x, script]]\n")
@example("include: x.yml\n.a: {extends: .a}\nb: {extends: [.a, .b], script: make}\n")
@example("b:\n  inherit: {default: false}\n  script: make\n")
def test_gitlab_parser_never_crashes_and_spans_are_inside(text: str) -> None:
    assert_parses_inside(gitlab, text, ".gitlab-ci.yml")


@given(CONFIGS)
def test_structured_configurations_parse_with_spans_inside(data: dict) -> None:
    text = "\n".join(f"{json.dumps(k)}: {to_yaml(v)}" for k, v in data.items()) + "\n"
    assert_parses_inside(gitlab, text, ".gitlab-ci.yml")


FILES = ["a.yml", "b.yml", "ci/c.yml", "ci/d.yml"]
INCLUDES = st.sampled_from([*FILES, ".gitlab-ci.yml", "ci/*.yml", "missing.yml", "../escape.yml", "https://x.example/y.yml"])
FILE_CONTENT = st.fixed_dictionaries(
    {"include": st.lists(INCLUDES, max_size=3)},
    optional={
        ".tpl": st.dictionaries(KEYS, VALUES, max_size=3),
        "build": st.dictionaries(KEYS, VALUES, max_size=4),
        "deploy": st.dictionaries(KEYS, VALUES, max_size=4),
    },
)
TREES = st.fixed_dictionaries({name: FILE_CONTENT for name in [".gitlab-ci.yml", *FILES]})


def render(content: dict) -> str:
    lines = []
    if content["include"]:
        lines.append("include:")
        lines += [f"  - local: {json.dumps(i)}" if not i.startswith("http") else f"  - {json.dumps(i)}"
                  for i in content["include"]]
    lines += [f"{json.dumps(k)}: {to_yaml(v)}" for k, v in content.items() if k != "include"]
    return "\n".join(lines) + "\n"


@given(TREES)
@example({".gitlab-ci.yml": {"include": ["a.yml"]}, "a.yml": {"include": ["b.yml"]}, "b.yml": {"include": ["a.yml"]},
          "ci/c.yml": {"include": []}, "ci/d.yml": {"include": []}})
def test_random_include_graphs_never_crash_and_are_deterministic(tree: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        for name, content in tree.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(render(content))
        workspace = Workspace(root)
        first = parse_file(".gitlab-ci.yml", "gitlab", workspace)
        assert not any("internal error" in p.message for p in first.problems), first.problems
        assert_inside(first, workspace.texts)
        assert set(first.files) <= set(workspace.texts)
        second = parse_file(".gitlab-ci.yml", "gitlab", Workspace(root))
        assert first == second
