import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
SCHEMAS = ROOT.parent / "shared" / "schemas"
# The delivery-practice catalog (issue 6). Tests about one core rule, suppressions or
# baselines leave these out, since they report more about the same small pipelines.
CATALOG_RULES = (
    "environment-without-teardown", "inconsistent-deploy-process", "mutable-artifact-reference",
    "no-acceptance-tests-before-production", "no-automated-tests", "no-commit-trigger", "no-performance-tests",
    "no-post-deploy-verification", "no-rollback-path", "no-security-scan", "production-deploy-from-any-branch",
    "test-results-not-published", "tests-allowed-to-fail", "unserialized-production-deploy", "unversioned-build",
)
CATALOG_OFF = "rules:\n" + "".join(f"  {rule}: disable\n" for rule in CATALOG_RULES)

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture(autouse=True, scope="session")
def _config_cache(tmp_path_factory) -> None:
    """Validated configurations are remembered in a cache directory: the tests' own, never
    the user's."""
    os.environ["CDLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cdlint-cache"))


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
