"""The maturity model (schema, validation errors), the detectors and assess() on fixture
repositories at known levels, and the monotonicity of levels."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cdlint.engine import Settings, check
from cdlint.finding import Evidence, Finding
from cdlint.maturity import assess, default_model
from cdlint.maturity.assess import MET, NOT_ASSESSABLE, UNMET
from cdlint.maturity.detectors import DETECTORS
from cdlint.maturity.model import Level, Model, ModelError, Practice, parse_model, schema
from cdlint.model import Span
from cdlint.rule import load_rules
from cdlint.yamlload import load

from conftest import FIXTURES, ROOT

MATURITY_FIXTURES = FIXTURES / "maturity"
CASES = sorted(p for p in MATURITY_FIXTURES.iterdir() if (p / "expected.json").exists())
CATEGORIES = ["culture-organization", "design-architecture", "build-deploy", "test-verification", "information-reporting"]
LEVELS = ["base", "beginner", "intermediate", "advanced", "expert"]


# --- the default model --------------------------------------------------------------


def test_default_model_validates_against_its_schema() -> None:
    text = (ROOT / "cdlint" / "maturity" / "model.yaml").read_text()
    jsonschema.Draft202012Validator(schema()).validate(load(text, "model.yaml").value)
    # cdlint reads its own model without validating it, so this is where it is validated,
    # against the schema and the rules it names; and it reads the same model either way.
    assert parse_model(text, "cdlint/maturity/model.yaml") == default_model()
    model = default_model()
    assert [c.id for c in model.categories] == CATEGORIES
    assert [lv.id for lv in model.levels] == LEVELS


def test_default_model_has_every_practice_of_the_published_table() -> None:
    counts = {}
    for p in default_model().practices:
        counts[(p.category, p.level)] = counts.get((p.category, p.level), 0) + 1
    # Rehn, Palmborg, Boström (2013): practices per category and level, base to expert.
    table = {
        "culture-organization": [3, 5, 6, 4, 2],
        "design-architecture": [1, 4, 5, 2, 1],
        "build-deploy": [6, 4, 7, 3, 2],
        "test-verification": [2, 1, 2, 4, 1],
        "information-reporting": [2, 3, 3, 3, 2],
    }
    assert {c: [counts.get((c, lv), 0) for lv in LEVELS] for c in CATEGORIES} == table


def test_default_model_refers_to_known_rules_and_detectors() -> None:
    model = default_model()
    known = set(load_rules())
    for p in model.practices:
        assert set(p.refuted_by) <= known, p.id
        assert set(p.evidence) <= set(DETECTORS), p.id
        assert p.is_assessable == bool(p.evidence), p.id
        if p.is_assessable:
            assert p.advice, p.id
    assert set(model.detectors()) == set(DETECTORS), "every detector serves a practice"


def test_culture_is_listed_but_never_assessed() -> None:
    culture = [p for p in default_model().practices if p.category == "culture-organization"]
    assert culture and all(p.assessable == "no" for p in culture)


MINIMAL = """\
id: tiny
name: Tiny
levels:
  - {id: base, name: Base}
  - {id: expert, name: Expert}
categories:
  - {id: build-deploy, name: Build & Deploy}
practices:
  - id: builds
    name: Builds
    category: build-deploy
    level: base
    assessable: "yes"
    description: It builds.
    evidence: [build-stages]
    refuted-by: [deploy-rebuilds-artifact]
    advice: Build it.
"""


def test_minimal_model_loads() -> None:
    model = parse_model(MINIMAL, "tiny.yaml")
    assert model.practices[0].evidence == ("build-stages",)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('assessable: "yes"', "assessable: maybe",
         r"^tiny.yaml:13:5: practices\[0\].assessable: 'maybe' is not one of \['yes', 'partly', 'no'\]"),
        ("evidence: [build-stages]", "evidnce: [build-stages]", r"^tiny.yaml:9:5: practices\[0\]: missing required key 'evidence'"),
        ("advice: Build it.", "advice: Build it.\n    colour: red", r"^tiny.yaml:18:5: practices\[0\].colour: unknown key 'colour'"),
        ("[build-stages]", "[build-stages, no-such-detector]",
         r"^tiny.yaml:15:30: practices\[0\].evidence\[1\]: unknown evidence detector 'no-such-detector' \(known: "),
        ("[deploy-rebuilds-artifact]", "[no-such-rule]", r"^tiny.yaml:16:18: practices\[0\].refuted-by\[0\]: unknown rule 'no-such-rule'"),
        ("category: build-deploy", "category: testing", r"^tiny.yaml:11:5: practices\[0\].category: unknown category 'testing'"),
        ("level: base", "level: medium", r"^tiny.yaml:12:5: practices\[0\].level: unknown level 'medium'"),
        ("{id: expert, name: Expert}", "{id: base, name: Expert}", r"^tiny.yaml:5:6: levels\[1\].id: duplicate id 'base'"),
        ("id: tiny", "id: Tiny Model", r"^tiny.yaml:1:1: id: 'Tiny Model' does not match"),
        ("name: Tiny\n", "", r"^tiny.yaml:1:1: \(top level\): missing required key 'name'"),
        ('assessable: "yes"', 'assessable: "no"', r"^tiny.yaml:15:5: practices\[0\].evidence: \['build-stages'\] is expected to be empty"),
        ("levels:", "levels: [\n", r"^tiny.yaml:\d+:\d+: "),
        ("advice: Build it.", "advice: Build it.\n    applies-if: [no-such-need]",
         r"^tiny.yaml:18:18: practices\[0\].applies-if\[0\]: unknown detector 'no-such-need' \(known: "),
        ("advice: Build it.", "advice: Build it.\n    applies-if: []", r"^tiny.yaml:18:5: practices\[0\].applies-if: \[\] should be non-empty"),
    ],
    ids=["bad-enum", "missing-evidence", "unknown-key", "unknown-detector", "unknown-rule", "unknown-category",
         "unknown-level", "duplicate-id", "bad-id", "missing-name", "not-assessable-with-evidence", "not-yaml",
         "unknown-condition", "empty-condition"],
)
def test_broken_models_fail_with_the_key_path(old: str, new: str, message: str) -> None:
    assert old in MINIMAL
    with pytest.raises(ModelError) as error:
        parse_model(MINIMAL.replace(old, new, 1), "tiny.yaml")
    assert re.search(message, str(error.value), re.M), str(error.value)


def test_model_file_that_is_not_a_mapping_fails() -> None:
    with pytest.raises(ModelError, match=r"\(top level\): \['a'\] is not of type 'object'"):
        parse_model("- a\n", "list.yaml")


# --- assessment on fixture repositories ---------------------------------------------


def assessed(path: Path):
    report = check([str(path)], Settings())
    return report, assess(report.projects[0], report.findings)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_repository_sits_at_its_level(case: Path) -> None:
    report, assessment = assessed(case)
    assert not report.errors
    expected = json.loads((case / "expected.json").read_text())
    assert assessment.levels() == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_met_practices_have_evidence_and_no_refuting_finding(case: Path) -> None:
    report, assessment = assessed(case)
    for category in assessment.categories:
        for result in category.practices:
            if result.status == MET:
                assert result.evidence and not result.findings
                for e in result.evidence:
                    assert (case / e.span.path).is_file(), e
            elif result.status == NOT_ASSESSABLE:
                assert not result.evidence and not result.findings


def test_demo_findings_refute_practices() -> None:
    _, assessment = assessed(FIXTURES / "demo")
    build = assessment.category("build-deploy")
    once = next(r for r in build.practices if r.practice.id == "build-once-deploy-anywhere")
    assert once.status == UNMET
    assert {f.rule for f in once.findings} == {"deploy-rebuilds-artifact"}
    assert build.level == "beginner"


def test_empty_repository_reaches_no_level(tmp_path: Path) -> None:
    assessment = assessed(tmp_path)[1]
    assert set(assessment.levels().values()) == {None}


def test_assess_is_deterministic() -> None:
    project = check([str(MATURITY_FIXTURES / "github_expert")], Settings()).projects[0]
    assert assess(project, []) == assess(project, [])


# --- properties: violations never raise a level, evidence never lowers one ----------

MODEL = default_model()
# Evidence detectors, and the detectors of conditions (applies-if): a need found makes a
# practice count, so it may lower a level, while evidence never does.
DETECTOR_NAMES = sorted({d for p in MODEL.practices for d in p.evidence})
CONDITIONS = sorted({d for p in MODEL.practices for d in p.applies_if})
RULES = sorted({r for p in MODEL.practices for r in p.refuted_by})
PROOF = Evidence(Span("x.yml", 1, 1), "shown")


def finding(rule: str) -> Finding:
    return Finding(Span("x.yml", 2, 1), "violated", rule=rule)


def ranks(model: Model, evidence: set[str], rules: set[str]) -> dict[str, int]:
    result = assess(None, [finding(r) for r in sorted(rules)], model, evidence={d: (PROOF,) for d in evidence})
    return {c.category.id: model.rank(c.level) for c in result.categories}


@given(st.sets(st.sampled_from(DETECTOR_NAMES)), st.sets(st.sampled_from(RULES)), st.sampled_from(RULES))
@example(set(DETECTOR_NAMES), set(), "ungated-production-deploy")
def test_adding_a_violation_never_raises_a_level(evidence, rules, extra) -> None:
    before, after = ranks(MODEL, evidence, rules), ranks(MODEL, evidence, rules | {extra})
    assert all(after[c] <= before[c] for c in before)


@given(st.sets(st.sampled_from(DETECTOR_NAMES)), st.sets(st.sampled_from(RULES)), st.sampled_from(DETECTOR_NAMES),
       st.sets(st.sampled_from(CONDITIONS)))
@example(set(), set(), "unit-tests", set())
def test_adding_evidence_never_lowers_a_level(evidence, rules, extra, needs) -> None:
    before, after = ranks(MODEL, evidence | needs, rules), ranks(MODEL, evidence | needs | {extra}, rules)
    assert all(after[c] >= before[c] for c in before)


def test_a_practice_the_repository_does_not_need_holds_no_level_back() -> None:
    """Design & Architecture's only beginner practice the files show is about database changes:
    a project without a database reaches the next level on configuration as code alone."""
    assert CONDITIONS == ["database-in-use"]
    without = assess(None, [], MODEL, evidence={"config-as-code": (PROOF,)}).category("design-architecture")
    database = next(r for r in without.practices if r.practice.id == "version-controlled-db-changes")
    assert database.status == "not-applicable" and not database.judged
    assert without.level == "intermediate"
    needed = assess(None, [], MODEL, evidence={"config-as-code": (PROOF,), "database-in-use": (PROOF,)})
    assert needed.category("design-architecture").level is None
    database = next(r for r in needed.category("design-architecture").practices if r.practice.id == "version-controlled-db-changes")
    assert database.status == "unmet"


@st.composite
def models(draw) -> Model:
    """Small random models: any mix of levels, assessability, detectors and rules."""
    levels = tuple(Level(f"l{i}", f"L{i}") for i in range(draw(st.integers(1, 4))))
    practices = []
    for i in range(draw(st.integers(1, 8))):
        assessable = draw(st.sampled_from(["yes", "partly", "no"]))
        practices.append(
            Practice(
                id=f"p{i}", name=f"P{i}", category="c", level=draw(st.sampled_from(levels)).id, assessable=assessable,
                description="d",
                evidence=tuple(draw(st.sets(st.sampled_from(["d1", "d2", "d3"]), min_size=1))) if assessable != "no" else (),
                refuted_by=tuple(draw(st.sets(st.sampled_from(["r1", "r2"])))) if assessable != "no" else (),
            )
        )
    from cdlint.maturity.model import Category

    return Model("m", "M", levels, (Category("c", "C"),), tuple(practices))


@given(models(), st.sets(st.sampled_from(["d1", "d2", "d3"])), st.sets(st.sampled_from(["r1", "r2"])),
       st.sampled_from(["d1", "d2", "d3"]), st.sampled_from(["r1", "r2"]))
def test_levels_are_monotonic_on_any_model(model, evidence, rules, more_evidence, more_rules) -> None:
    base = ranks(model, evidence, rules)["c"]
    assert ranks(model, evidence | {more_evidence}, rules)["c"] >= base
    assert ranks(model, evidence, rules | {more_rules})["c"] <= base


@given(models(), st.sets(st.sampled_from(["d1", "d2", "d3"])), st.sets(st.sampled_from(["r1", "r2"])))
def test_a_level_is_never_claimed_without_evidence_at_it(model, evidence, rules) -> None:
    result = assess(None, [finding(r) for r in sorted(rules)], model, evidence={d: (PROOF,) for d in evidence})
    category = result.categories[0]
    if category.level is not None:
        at = category.at(category.level)
        assert any(r.status == MET for r in at)
        below = [r for r in category.practices if model.rank(r.practice.level) <= model.rank(category.level)]
        assert all(r.status != UNMET for r in below)


# --- detectors: decisions taken while reviewing the corpus --------------------------


def project_of(tmp_path: Path, workflows: dict[str, str]):
    for name, text in workflows.items():
        path = tmp_path / ".github" / "workflows" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return check([str(tmp_path)], Settings()).projects[0]


TEST_JOB_PUSHING_AN_IMAGE = """\
on: pull_request
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t localhost:5000/demo . && docker push localhost:5000/demo
      - run: go test ./test/e2e/...
"""
LOAD_TEST_ONLY = """\
on: schedule
jobs:
  load:
    runs-on: ubuntu-latest
    steps:
      - run: docker run -d --name agent datadog/agent
      - uses: grafana/run-k6-action@v1
"""
TAG_CLEANUP = """\
on:
  push:
    tags: ['v*']
jobs:
  cleanup:
    runs-on: ubuntu-latest
    steps:
      - run: git push origin --delete rc
"""
CHECKOUT_OF_THE_COMMIT = """\
on: pull_request
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.sha }}"}
      - run: make build
"""
COMMIT_VERSION_IN_ITS_OWN_STEP = """\
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: echo "tag=$(git rev-parse --short HEAD)" >> "$GITHUB_OUTPUT"
      - run: docker build -t app:${{ steps.v.outputs.tag }} .
"""
ONE_JOB_TO_PRODUCTION = """\
on:
  push:
    branches: [main]
jobs:
  ship:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: make test
      - run: helm upgrade --install app chart/ --atomic
"""

# Started by hand only: the tests are there, but nothing runs them automatically.
BY_HAND_ONLY = """\
on: workflow_dispatch
jobs:
  checks:
    runs-on: ubuntu-latest
    services:
      postgres: {image: "postgres:16"}
    steps:
      - run: k6 run load/checkout.js
      - run: trivy fs --exit-code 1 .
      - run: pytest tests/integration
"""


@pytest.mark.parametrize(
    "workflow,detector,found",
    [
        (TEST_JOB_PUSHING_AN_IMAGE, "deploy-steps", False),
        (TEST_JOB_PUSHING_AN_IMAGE, "baked-images", False),
        (TEST_JOB_PUSHING_AN_IMAGE, "acceptance-tests", True),
        (LOAD_TEST_ONLY, "integration-tests", False),
        (LOAD_TEST_ONLY, "performance-tests", True),
        (TAG_CLEANUP, "release-tags", False),
        (CHECKOUT_OF_THE_COMMIT, "automated-versioning", False),
        (COMMIT_VERSION_IN_ITS_OWN_STEP, "automated-versioning", True),
        (COMMIT_VERSION_IN_ITS_OWN_STEP, "traceability", True),
        (ONE_JOB_TO_PRODUCTION, "production-pipeline", True),
        (ONE_JOB_TO_PRODUCTION, "zero-touch-deploys", True),
        (ONE_JOB_TO_PRODUCTION, "artifact-promotion", False),
        (BY_HAND_ONLY, "performance-tests", False),
        (BY_HAND_ONLY, "security-scans", False),
        (BY_HAND_ONLY, "integration-tests", False),
        (BY_HAND_ONLY.replace("on: workflow_dispatch", "on: push"), "performance-tests", True),
        (BY_HAND_ONLY.replace("on: workflow_dispatch", "on: push"), "security-scans", True),
        (BY_HAND_ONLY.replace("on: workflow_dispatch", "on: push"), "integration-tests", True),
    ],
)
def test_detector(tmp_path: Path, workflow: str, detector: str, found: bool) -> None:
    evidence = DETECTORS[detector](project_of(tmp_path, {"ci.yml": workflow}))
    assert bool(evidence) == found, evidence
    assert all(e.span.line >= 1 and e.note for e in evidence)


def test_local_reusable_workflow_is_judged_in_its_callers(tmp_path: Path) -> None:
    project = project_of(tmp_path, {
        "ci.yml": "on: push\njobs:\n  prod:\n    uses: ./.github/workflows/deploy.yml\n    with: {env: production}\n",
        "deploy.yml": "on:\n  workflow_call:\n    inputs: {env: {type: string}}\njobs:\n  deploy:\n"
                      "    runs-on: ubuntu-latest\n    environment: ${{ inputs.env }}\n    steps: [{run: ./deploy.sh}]\n",
    })
    notes = [e.note for e in DETECTORS["deploy-stages"](project)]
    assert notes == ["'prod/deploy' deploys to 'production' (production)"]


# What a GitLab job says in its settings rather than in its script.
GITLAB_SETTINGS = """\
stages: [test, deploy]
unit:
  stage: test
  script: ./ci/run-tests.sh
  coverage: '/^TOTAL.+?(\\d+%)$/'
  artifacts:
    reports:
      junit: report.xml
pages:
  stage: deploy
  script: ./ci/build-docs.sh public
  artifacts:
    paths: [public]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


@pytest.mark.parametrize("detector", ["deploy-steps", "test-reports", "coverage-reports", "report-services"])
def test_gitlab_job_settings_are_evidence(tmp_path: Path, detector: str) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(GITLAB_SETTINGS)
    evidence = DETECTORS[detector](check([str(tmp_path)], Settings()).projects[0])
    assert evidence and all(e.note.endswith(")") and "set on the job" in e.note for e in evidence), evidence


def test_a_job_name_alone_is_no_setting(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text("integration-tests:\n  script: ./ci/run.sh\n")
    assert not DETECTORS["integration-tests"](check([str(tmp_path)], Settings()).projects[0])


def test_database_in_use_is_a_migration_or_a_database_server(tmp_path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    services:\n      db: {image: 'postgres:16'}\n    steps: [{run: make test}]\n")
    [found] = DETECTORS["database-in-use"](check([str(tmp_path)], Settings()).projects[0])
    assert "starts the database server 'postgres:16'" in found.note
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      cache: {image: 'redis:7'}\n"
        "    steps: [{run: make test}]\n")
    assert DETECTORS["database-in-use"](check([str(tmp_path)], Settings()).projects[0]) == []


def test_a_called_workflow_guarded_by_its_inputs_runs_on_its_callers_events(tmp_path: Path) -> None:
    # On a push the called workflow's `inputs` are what the caller passes, not empty as
    # in a workflow started by a push itself.
    project = project_of(tmp_path, {
        "ci.yml": "on: [push, pull_request]\njobs:\n  tests:\n    uses: ./.github/workflows/matrix.yml\n"
                  "    with: {run-pytest: true}\n",
        "matrix.yml": "on:\n  workflow_call:\n    inputs: {run-pytest: {type: boolean}}\njobs:\n  pytest:\n"
                      "    if: inputs.run-pytest\n    runs-on: ubuntu-latest\n    steps: [{run: pytest}]\n",
    })
    assert [e.note for e in DETECTORS["unit-tests"](project)] == ["'tests/pytest' runs tests: pytest"]


def test_tests_before_a_publish_in_the_same_job_run_on_the_ci_runner(tmp_path: Path) -> None:
    project = project_of(tmp_path, {
        "release.yml": "on: {push: {tags: ['v*']}}\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
                       "    steps: [{run: pytest}, {run: python -m build}, {run: twine upload dist/*}]\n",
    })
    assert [e.note for e in DETECTORS["test-environments"](project)] == ["'release' tests on a CI runner, apart from production"]
