"""Configuration: finding and reading it, the schema's error paths, presets, and how it shapes a run."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdlint import config
from cdlint.cli import main
from cdlint.errors import ConfigError
from cdlint.rule import load_rules
from cdlint.yamlload import load as load_yaml

from conftest import FIXTURES

RULES = load_rules()
NO_TESTS = (FIXTURES / "rules" / "ungated-production-deploy" / "github_no_tests.yml").read_text()


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def inside(tmp_path, monkeypatch) -> None:
    """Paths in messages are relative to the current directory: run in the test's folder."""
    monkeypatch.chdir(tmp_path)


def errors(tmp_path: Path, text: str, registry=RULES, name: str = ".cdlint.yaml") -> list[str]:
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        config.load(path, registry)
    return str(caught.value).splitlines()


def repository(tmp_path: Path, workflow: str = NO_TESTS, name: str = "release.yml") -> Path:
    write(tmp_path, f".github/workflows/{name}", workflow)
    return tmp_path


def test_a_valid_file_sets_every_part(tmp_path) -> None:
    path = write(tmp_path, ".cdlint.yaml", """
fail-on: warning
require-reason: true
baseline: baseline.json
exclude: [legacy/**]
environments:
  production: ['^live$']
  staging: [preprod]
rules:
  unresolved-include: disable
  deploy-rebuilds-artifact: {severity: error, tiers: [production]}
""")
    loaded = config.load(path, RULES)
    assert loaded.fail_on == "warning"
    assert loaded.require_reason is True
    assert loaded.exclude == ("legacy/**",)
    assert loaded.tiers() == [("production", "^live$"), ("staging", "preprod")]
    assert "unresolved-include" not in loaded.select(RULES)
    assert loaded.severities() == {"deploy-rebuilds-artifact": "error"}
    assert loaded.options() == {"deploy-rebuilds-artifact": {"tiers": ["production"]}}
    assert Path(loaded.baseline).resolve() == (tmp_path / "baseline.json").resolve()


def test_an_empty_file_and_empty_sections_are_the_defaults(tmp_path) -> None:
    assert config.load(write(tmp_path, ".cdlint.yaml", ""), RULES).select(RULES) == RULES
    loaded = config.load(write(tmp_path, ".cdlint.yaml", "exclude:\nenvironments:\nrules:\n"), RULES)
    assert loaded.select(RULES) == RULES and loaded.exclude == () and loaded.tiers() == []


def test_the_issue_example_error_path(tmp_path) -> None:
    environments = {"type": "array", "items": {"type": "string"}, "default": ["production"]}
    ungated = replace(RULES["ungated-production-deploy"], options={"environments": environments})
    registry = {**RULES, ungated.id: ungated}
    found = errors(tmp_path, "rules:\n  ungated-production-deploy:\n    environments: [production, 3]\n", registry)
    assert found == [".cdlint.yaml:3:32: rules.ungated-production-deploy.environments[1]: expected string"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("fail_on: warning\n", ".cdlint.yaml:1:1: fail_on: unknown key (did you mean 'fail-on'?)"),
        ("fail-on: sometimes\n", ".cdlint.yaml:1:10: fail-on: expected one of: error, warning, note, never (got \"sometimes\")"),
        ("require-reason: yes please\n", ".cdlint.yaml:1:17: require-reason: expected true or false"),
        ("exclude: legacy/\n", ".cdlint.yaml:1:10: exclude: expected list"),
        ("exclude: [legacy/, 3]\n", ".cdlint.yaml:1:20: exclude[1]: expected string"),
        ("rules:\n  ungated-deploy: disable\n",
         ".cdlint.yaml:2:3: rules.ungated-deploy: unknown rule (did you mean 'ungated-production-deploy'?)"),
        ("rules:\n  parse-error: disabled\n",
         ".cdlint.yaml:2:16: rules.parse-error: expected 'disable' or a mapping of 'severity' and options"),
        ("rules:\n  parse-error: [x]\n",
         ".cdlint.yaml:2:16: rules.parse-error: expected 'disable' or a mapping of 'severity' and options"),
        ("rules:\n  parse-error: {severity: fatal}\n",
         ".cdlint.yaml:2:27: rules.parse-error.severity: expected one of: error, warning, note (got \"fatal\")"),
        ("rules:\n  deploy-rebuilds-artifact: {tierz: [production]}\n",
         ".cdlint.yaml:2:30: rules.deploy-rebuilds-artifact.tierz: unknown option (did you mean 'tiers'?)"),
        ("rules:\n  parse-error: {tiers: [production]}\n",
         ".cdlint.yaml:2:17: rules.parse-error.tiers: unknown option (options: severity)"),
        ("rules:\n  deploy-rebuilds-artifact:\n    tiers: [production, prod]\n",
         ".cdlint.yaml:3:25: rules.deploy-rebuilds-artifact.tiers[1]: "
         "expected one of: production, staging, testing, development, review, docs, other (got \"prod\")"),
        ("environments:\n  production: ['(']\n",
         ".cdlint.yaml:2:16: environments.production[0]: \"(\" is not a regular expression: "
         "missing ), unterminated subpattern at position 0"),
        ("environments:\n  prod: [live]\n",
         ".cdlint.yaml:2:3: environments.prod: unknown tier 'prod' (tiers: production, staging, testing, development, review, docs, other)"),
        ("- rules\n", ".cdlint.yaml:1:1: expected a mapping of settings"),
        ("rules: {a: 1, a: 2}\n", ".cdlint.yaml:1:15: duplicate key 'a' (first on line 1)"),
    ],
)
def test_bad_values_name_the_path_of_the_bad_key(tmp_path, text: str, message: str) -> None:
    assert errors(tmp_path, text) == [message]


def test_exclude_patterns_are_checked_by_pathspec(tmp_path) -> None:
    [message] = errors(tmp_path, "exclude: [ok/, '!']\n")
    assert message.startswith(".cdlint.yaml:1:16: exclude[1]: not a gitignore pattern: ")


def test_every_error_is_reported_in_file_order(tmp_path) -> None:
    found = errors(tmp_path, "fail_on: note\nrules:\n  nope: disable\n  parse-error: {severity: loud}\n")
    assert [line.split(": ")[1] for line in found] == ["fail_on", "rules.nope", "rules.parse-error.severity"]


def test_pyproject_table(tmp_path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.cdlint]\nfail-on = "note"\n'
          '[tool.cdlint.rules]\nunresolved-include = "disable"\n')
    found = config.find([tmp_path])
    assert found == tmp_path / "pyproject.toml"
    loaded = config.load(found, RULES)
    assert loaded.fail_on == "note" and "unresolved-include" not in loaded.select(RULES)


def test_pyproject_errors_carry_the_table_path(tmp_path) -> None:
    found = errors(tmp_path, '[tool.cdlint]\nexclude = "x"\n', name="pyproject.toml")
    assert found == ["pyproject.toml: tool.cdlint.exclude: expected list"]


def test_pyproject_without_the_table_is_not_a_configuration(tmp_path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.ruff]\nline-length = 100\n# [tool.cdlint] in a comment\n')
    assert config.find([tmp_path]) is None


def test_the_yaml_file_wins_over_pyproject(tmp_path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.cdlint]\n")
    write(tmp_path, ".cdlint.yml", "")
    assert config.find([tmp_path]) == tmp_path / ".cdlint.yml"
    write(tmp_path, ".cdlint.yaml", "")
    assert config.find([tmp_path]) == tmp_path / ".cdlint.yaml"


def test_two_roots_with_different_files_must_choose(tmp_path) -> None:
    write(tmp_path, "a/.cdlint.yaml", "")
    write(tmp_path, "b/.cdlint.yaml", "")
    with pytest.raises(ConfigError, match="choose one with --config"):
        config.find([tmp_path / "a", tmp_path / "b"])
    assert config.find([tmp_path / "a", tmp_path / "a"]) == tmp_path / "a" / ".cdlint.yaml"


def test_presets_are_valid_and_strict_is_stricter() -> None:
    recommended = config.load(_preset_file("recommended"), RULES)
    strict = config.load(_preset_file("strict"), RULES)
    assert recommended.select(RULES) == RULES and recommended.severities() == {} and recommended.fail_on == "error"
    assert strict.fail_on == "warning" and strict.require_reason
    assert strict.severities()["deploy-rebuilds-artifact"] == "error"
    assert strict.severities()["unused-ignore"] == "warning"
    assert strict.files == (str(_preset_file("strict")), "preset 'recommended'")


def _preset_file(name: str) -> Path:
    from importlib.resources import files

    return Path(str(files("cdlint").joinpath("presets", f"{name}.yaml")))


def test_extends_a_file_relative_to_the_config(tmp_path) -> None:
    (tmp_path / ".git").mkdir()  # one repository: a configuration extends files inside its own
    write(tmp_path, "shared/base.yaml", "extends: strict\nexclude: [vendor/]\nrules:\n  unresolved-include: disable\n"
          "  persistent-test-environment: {tiers: [staging]}\n")
    path = write(tmp_path, "repo/.cdlint.yaml", "extends: ../shared/base.yaml\nexclude: ['!vendor/keep.yml']\nrules:\n"
                 "  unresolved-include: {severity: warning}\n  persistent-test-environment: {severity: error}\n")
    loaded = config.load(path, RULES)
    assert loaded.exclude == ("vendor/", "!vendor/keep.yml")
    assert loaded.fail_on == "warning"
    assert loaded.rules["unresolved-include"] == {"severity": "warning"}
    assert loaded.rules["persistent-test-environment"] == {"tiers": ["staging"], "severity": "error"}
    assert [Path(f).name for f in loaded.files] == [".cdlint.yaml", "base.yaml", "preset 'strict'", "preset 'recommended'"]


def test_extends_cycle_and_missing_file(tmp_path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match=r"extend each other in a cycle \(.*a\.yaml → .*b\.yaml → .*a\.yaml\)"):
        config.load(tmp_path / "a.yaml", RULES)
    write(tmp_path, "c.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ConfigError, match="nowhere.yaml' does not exist"):
        config.load(tmp_path / "c.yaml", RULES)


def test_extends_depth_is_bounded(tmp_path) -> None:
    for n in range(12):
        write(tmp_path, f"{n}.yaml", f"extends: {n + 1}.yaml\n")
    write(tmp_path, "12.yaml", "")
    with pytest.raises(ConfigError, match="more than 8 configuration files extend each other"):
        config.load(tmp_path / "0.yaml", RULES)


def test_errors_in_an_extended_file_name_that_file(tmp_path) -> None:
    write(tmp_path, "base.yaml", "fail-on: loud\n")
    found = errors(tmp_path, "extends: base.yaml\n")
    assert found == ["base.yaml:1:10: fail-on: expected one of: error, warning, note, never (got \"loud\")"]


def test_effective_configuration_fills_every_default(tmp_path) -> None:
    path = write(tmp_path, ".cdlint.yaml", "rules:\n  parse-error: disable\n  persistent-test-environment: {severity: error}\n")
    text = config.render(config.load(path, RULES), RULES)
    data = load_yaml(text, "effective").value
    assert set(data["rules"]) == set(RULES)
    assert data["rules"]["parse-error"] == "disable"
    assert data["rules"]["persistent-test-environment"] == {"severity": "error", "tiers": ["staging", "testing", "development"]}
    assert data["rules"]["deploy-rebuilds-artifact"] == {"severity": "warning", "tiers": ["production", "staging"]}
    assert data["fail-on"] == "error" and data["exclude"] == [] and data["baseline"] is None


def test_dump_round_trips_awkward_values() -> None:
    data = {"a": ["^live$", "x: y", "yes", "null", "", "#x", "3", "-x", 'q"q', "ünï"], "b": {"c": True, "d": None, "e": 2},
            "f": {}, "g": [], "h": "plain text/with.dots"}
    assert load_yaml(config.dump(data), "dump").value == data


def test_cli_config_prints_the_effective_configuration(tmp_path) -> None:
    write(tmp_path, ".cdlint.yaml", "fail-on: note\n")
    result = run("config", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.startswith("# effective configuration; read from ")
    assert "fail-on: note\n" in result.output
    assert "  ungated-production-deploy:\n    severity: error\n" in result.output


def test_cli_config_schema_lists_rule_options() -> None:
    result = run("config", "--schema")
    document = json.loads(result.output)
    rules = document["properties"]["rules"]
    assert set(rules["properties"]) == set(RULES)
    assert "tiers" in rules["properties"]["deploy-rebuilds-artifact"]["else"]["properties"]


def test_init_writes_a_starter_that_means_the_defaults(tmp_path) -> None:
    result = run("init", str(tmp_path))
    assert result.exit_code == 0
    written = tmp_path / ".cdlint.yaml"
    text = written.read_text()
    for rule_id in RULES:
        assert f"  # {rule_id}: {{severity: {RULES[rule_id].severity}" in text
    loaded = config.load(written, RULES)
    assert config.effective(loaded, RULES) == config.effective(config.Config(), RULES)


def test_init_refuses_to_overwrite_without_force(tmp_path) -> None:
    write(tmp_path, ".cdlint.yaml", "fail-on: note\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert "exists; use --force to overwrite it" in result.output
    assert (tmp_path / ".cdlint.yaml").read_text() == "fail-on: note\n"
    assert run("init", "--force", str(tmp_path)).exit_code == 0
    assert "extends: recommended" in (tmp_path / ".cdlint.yaml").read_text()


def test_check_with_a_bad_configuration_exits_2(tmp_path) -> None:
    repository(tmp_path)
    write(tmp_path, ".cdlint.yaml", "rules:\n  ungated-deploy: disable\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "cdlint: .cdlint.yaml:2:3: rules.ungated-deploy: unknown rule (did you mean 'ungated-production-deploy'?)" in result.output


def test_configuration_shapes_the_run_and_the_command_line_wins(tmp_path) -> None:
    repository(tmp_path)
    assert run("check", str(tmp_path)).exit_code == 1
    write(tmp_path, ".cdlint.yaml", "rules:\n  ungated-production-deploy: {severity: warning}\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 0 and "warning ungated-production-deploy" in result.output
    write(tmp_path, ".cdlint.yaml", "fail-on: warning\nrules:\n  ungated-production-deploy: {severity: warning}\n")
    assert run("check", str(tmp_path)).exit_code == 1
    assert run("check", "--fail-on", "error", str(tmp_path)).exit_code == 0
    write(tmp_path, ".cdlint.yaml", "rules:\n  ungated-production-deploy: disable\n")
    assert " ungated-production-deploy: " not in run("check", str(tmp_path)).output


def test_explicit_config_file(tmp_path) -> None:
    repository(tmp_path / "repo")
    other = write(tmp_path, "elsewhere.yaml", "rules:\n  ungated-production-deploy: disable\n")
    assert run("check", "--config", str(other), str(tmp_path / "repo")).exit_code == 0
    assert run("check", "--config", str(tmp_path / "missing.yaml"), str(tmp_path / "repo")).exit_code == 2


def test_explicit_files_use_the_config_of_the_current_directory(tmp_path) -> None:
    repository(tmp_path)
    write(tmp_path, ".cdlint.yaml", "rules:\n  ungated-production-deploy: disable\n")
    assert run("check", ".github/workflows/release.yml").exit_code == 0


def test_environments_name_production_and_the_command_line_adds_to_them(tmp_path) -> None:
    workflow = "on: push\njobs:\n  ship:\n    environment: uat-eu\n    steps: [{run: ./deploy.sh}]\n"
    repository(tmp_path, workflow)
    assert run("check", str(tmp_path)).exit_code == 0
    write(tmp_path, ".cdlint.yaml", "environments:\n  production: ['^uat-eu$']\n")
    assert "ungated-production-deploy" in run("check", str(tmp_path)).output
    write(tmp_path, ".cdlint.yaml", "environments:\n  testing: ['^uat-eu$']\n")
    assert run("check", str(tmp_path)).exit_code == 0
    assert run("check", "--production-env", "uat", str(tmp_path)).exit_code == 1


def test_exclude_is_gitignore_style(tmp_path) -> None:
    repository(tmp_path)
    repository(tmp_path / "legacy")
    repository(tmp_path / "legacy" / "keep")
    write(tmp_path, ".cdlint.yaml", "exclude: ['legacy/**', '!legacy/keep/**']\n")
    result = run("check", "--format", "json", str(tmp_path))
    paths = sorted({f["path"] for f in json.loads(result.output)["files"]})
    assert paths == [".github/workflows/release.yml", "legacy/keep/.github/workflows/release.yml"]


def test_no_configuration_means_no_jsonschema_import(tmp_path) -> None:
    repository(tmp_path)
    code = (
        "import sys\nfrom cdlint.cli import main\n"
        f"try:\n    main(['check', {str(tmp_path)!r}])\nexcept SystemExit:\n    pass\n"
        "print('jsonschema' in sys.modules, 'pathspec' in sys.modules, 'cdlint.config' in sys.modules)\n"
    )
    # A cache inside the repository checked is not used: this one is beside it.
    env = {**os.environ, "CDLINT_CACHE_DIR": str(tmp_path.with_name(tmp_path.name + "-cache"))}

    def imported() -> str:
        completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        return completed.stdout.strip().splitlines()[-1]

    assert imported() == "False False True"
    write(tmp_path, ".cdlint.yaml", "exclude: [x/]\n")
    assert imported() == "True True True"
    # Validated once, the same file is remembered: the next run does not import jsonschema.
    assert imported() == "False True True"
    write(tmp_path, ".cdlint.yaml", "exclude: [y/]\n")
    assert imported() == "True True True"


def test_only_valid_configurations_are_remembered(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CDLINT_CACHE_DIR", str(tmp_path / "cache"))
    repository(tmp_path / "repo")
    write(tmp_path / "repo", ".cdlint.yaml", "rules:\n  ungated-deploy: disable\n")
    for _ in range(2):
        result = run("check", str(tmp_path / "repo"))
        assert result.exit_code == 2 and "unknown rule" in result.output
    assert not (tmp_path / "cache" / "valid-configs-v1").exists()
    write(tmp_path / "repo", ".cdlint.yaml", "fail-on: never\n")
    assert run("check", str(tmp_path / "repo")).exit_code == 0
    assert len((tmp_path / "cache" / "valid-configs-v1").read_text().split()) == 1


def test_an_unwritable_cache_only_means_validating_again(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("CDLINT_CACHE_DIR", str(blocker / "cache"))
    repository(tmp_path / "repo")
    write(tmp_path / "repo", ".cdlint.yaml", "fail-on: never\n")
    for _ in range(2):
        assert run("check", str(tmp_path / "repo")).exit_code == 0


def test_files_named_on_the_command_line_are_checked_even_when_excluded(tmp_path) -> None:
    repository(tmp_path / "legacy")
    (tmp_path / ".cdlint.yaml").write_text("exclude: [legacy/]\n")
    excluded = run("check", str(tmp_path))
    assert excluded.exit_code == 2 and "no pipeline files found in" in excluded.stderr
    assert "no pipeline files found (skipped 1 excluded)" in run("check", "--allow-empty", str(tmp_path)).stdout
    assert run("check", "legacy/.github/workflows/release.yml").exit_code == 1
