"""Rule options change what the rules accept; the defaults are tested by the fixtures."""

from pathlib import Path

import pytest

from cdlint.engine import Settings, check
from cdlint.rule import load_rules

RULES = load_rules()

DEPLOY = """\
name: Deploy
on:
  push:
    branches: ['deploy/**']
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: kubectl apply -f k8s/
      - run: ./ops/check-prod.sh
      - run: ./ops/undo-if-unhealthy.sh
"""


def findings(root: Path, rule_id: str, options: dict | None = None) -> list:
    rule = RULES[rule_id]
    settings = Settings(rules={rule_id: rule}, options={rule_id: options} if options else {})
    return list(check([str(root)], settings).findings)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(DEPLOY)
    return tmp_path


@pytest.mark.parametrize(
    "rule_id,options",
    [
        ("no-post-deploy-verification", {"verify_commands": [r"check-prod\.sh"]}),
        ("no-rollback-path", {"rollback_commands": [r"undo-if-unhealthy"]}),
        ("production-deploy-from-any-branch", {"release_branches": ["deploy/*"]}),
    ],
)
def test_option_accepts_what_the_team_uses(repo: Path, rule_id: str, options: dict) -> None:
    assert findings(repo, rule_id)
    assert not findings(repo, rule_id, options)


def test_mutable_reference_tiers(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "dev.yml").write_text(
        "on: push\njobs:\n  deploy:\n    environment: development\n"
        "    steps: [{run: 'helm upgrade --install app chart/ --set image.tag=latest'}]\n"
    )
    assert not findings(tmp_path, "mutable-artifact-reference")
    assert findings(tmp_path, "mutable-artifact-reference", {"tiers": ["development"]})


def test_inconsistent_deploy_tiers(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(
        "on: push\njobs:\n"
        "  dev:\n    environment: development\n    steps: [{run: kubectl apply -f k8s/}]\n"
        "  prod:\n    needs: dev\n    environment: production\n    steps: [{run: helm upgrade --install app chart/}]\n"
    )
    assert not findings(tmp_path, "inconsistent-deploy-process")
    assert findings(tmp_path, "inconsistent-deploy-process", {"tiers": ["development"]})
