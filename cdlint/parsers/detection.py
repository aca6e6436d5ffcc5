"""Which platform a file is a pipeline of, by its path and a look at its content.

Kept apart from the parsers so that finding the pipelines of a repository, or taking
one file from a pre-commit hook, imports only the parsers of the files found.
"""

from __future__ import annotations

import posixpath
import re

GITLAB_FILENAME = ".gitlab-ci.yml"


def github(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a workflow file GitHub would run."""
    parts = path.replace("\\", "/").split("/")
    return len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"] and parts[-1].endswith((".yml", ".yaml"))


def gitlab(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a GitLab CI configuration: named ``.gitlab-ci.yml``, or (when its
    text is given) a mapping of GitLab stages and jobs that is not another platform's file."""
    if posixpath.basename(path.replace("\\", "/")) == GITLAB_FILENAME:
        return True
    if text is None or not path.endswith((".yml", ".yaml")):
        return False
    from cdlint.parsers.gitlab import is_configuration

    return is_configuration(text, path)


_NAME = re.compile(r"^(?:azure-pipelines.*|\.vsts.*)\.ya?ml$", re.IGNORECASE)
_DIRS = frozenset({".azure-pipelines", "azure-pipelines", ".azuredevops", ".pipelines", "pipelines", ".ado", ".azdo", "azure-devops"})
_BUILD_DIRS = frozenset({"ci", ".ci", "build", "eng", "devops", ".devops", ".azure"})
_OTHER_TOOLS = frozenset({
    ".gitlab-ci.yml", ".travis.yml", "appveyor.yml", ".appveyor.yml", "bitbucket-pipelines.yml", ".drone.yml",
    ".woodpecker.yml", "codecov.yml", ".codecov.yml", "mkdocs.yml", ".readthedocs.yml", ".readthedocs.yaml",
    ".pre-commit-config.yaml", "docker-compose.yml", "docker-compose.yaml", "cloudbuild.yaml", "cloudbuild.yml",
    ".pre-commit-hooks.yaml", ".cdlint.yaml", ".cdlint.yml", ".yamllint", ".yamllint.yml", ".yamllint.yaml",
})
# Other tools' configurations use a top-level `extends:` too (cdlint, yamllint, renovate);
# Azure's always names a template under it.
_EXTENDS_TEMPLATE = re.compile(r"^extends:\s*\n(?:\s*#.*\n)*\s+template\s*:", re.MULTILINE)
_TOP_KEY = re.compile(r"^(?:'([^']*)'|\"([^\"]*)\"|([^\s#'\"\-?{}\[\]][^:#]*?))\s*:(?:\s|$)", re.MULTILINE)
_STRONG = frozenset({"trigger", "pr", "schedules", "extends"})
_STRUCTURE = {
    "stages": re.compile(r"^\s*-\s*(?:stage|template)\s*:|^\s*-\s*\$\{\{", re.MULTILINE),
    "jobs": re.compile(r"^\s*-\s*(?:job|deployment|template)\s*:|^\s*-\s*\$\{\{", re.MULTILINE),
    "steps": re.compile(
        r"^\s*-\s*(?:script|bash|pwsh|powershell|task|checkout|template|download|publish|upload)\s*:|^\s*-\s*\$\{\{",
        re.MULTILINE,
    ),
}
_PIPELINE_KEYS = frozenset({"trigger", "pr", "schedules", "resources", "extends", "pool", "stages", "jobs", "steps"})
_NOT_TEMPLATE = frozenset({"trigger", "pr", "pool", "name", "variables", "resources", "schedules"})

def azure_candidate(path: str) -> bool:
    """Whether ``path`` is where Azure pipelines are kept (the content still has to show one)."""
    return _tier(path) > 0


def _tier(path: str) -> int:
    """2: an Azure name or folder (``azure-pipelines*.yml``, ``.azure-pipelines/``, ``.pipelines/``,
    ``eng/pipelines/`` …); 1: the repository root or a build folder (``ci/``, ``build/``,
    ``eng/``), where only unmistakable Azure content counts; 0: elsewhere."""
    parts = path.replace("\\", "/").split("/")
    name, folders = parts[-1], [p.lower() for p in parts[:-1]]
    if not name.lower().endswith((".yml", ".yaml")) or name.lower() in _OTHER_TOOLS:
        return 0
    if ".github" in folders or ".gitlab" in folders:
        return 0
    if _NAME.match(name) or any(f in _DIRS for f in folders):
        return 2
    if all(f in _BUILD_DIRS or "pipeline" in f for f in folders):
        return 1
    return 0


def azure(path: str, text: str | None = None) -> bool:
    """Whether ``path`` holds an Azure pipeline (not a template meant for inclusion)."""
    tier = _tier(path)
    if text is None or not tier:
        return False
    keys = {next(g for g in m.groups() if g is not None).strip() for m in _TOP_KEY.finditer(text)}
    if not keys & _PIPELINE_KEYS:
        return False
    if not keys & _NOT_TEMPLATE:
        # Templates: declared parameters, or parameters used without a declaration (old style).
        if "parameters" in keys or re.search(r"\$\{\{[^}]*\bparameters\b", text):
            return False
    structure = bool(_EXTENDS_TEMPLATE.search(text)) or any(k in keys and pattern.search(text) for k, pattern in _STRUCTURE.items())
    strong = keys & _STRONG - {"extends"} or ("extends" in keys and structure)
    if tier == 1:
        return bool(strong) and structure
    return bool(strong) or structure


_JENKINS_NAME = re.compile(r"^(?:jenkinsfile(?:\.[^.]+)?|.+\.jenkinsfile)$", re.IGNORECASE)
_NOT_GROOVY = frozenset(
    {".md", ".markdown", ".txt", ".rst", ".adoc", ".html", ".htm", ".png", ".jpg", ".jpeg", ".gif", ".svg",
     ".json", ".yml", ".yaml", ".xml", ".properties", ".sh", ".py", ".orig", ".bak", ".swp", ".j2", ".tmpl"}
)


def jenkins_candidate(path: str) -> bool:
    """Whether ``path`` may hold a Jenkins pipeline whose content has to show it: a Groovy
    script, or a name such as ``Jenkinsfile-jdk11``, ``Jenkinsfile_k8s``, ``Jmh_Jenkinsfile``."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    extension = posixpath.splitext(name)[1]
    return extension == ".groovy" or ("jenkinsfile" in name and extension not in _NOT_GROOVY)


def jenkins(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a Jenkins pipeline: ``Jenkinsfile``, ``Jenkinsfile.*``,
    ``*.jenkinsfile`` by name; other candidates (``*.groovy``, ``Jenkinsfile-jdk11``) when
    their text is a pipeline (``pipeline {}``, or ``node``/``stage`` in the script body)."""
    name = posixpath.basename(path.replace("\\", "/"))
    if _JENKINS_NAME.match(name) and posixpath.splitext(name.lower())[1] not in _NOT_GROOVY:
        return True
    if text is None or not jenkins_candidate(path):
        return False
    from cdlint.parsers.jenkins import is_pipeline

    return is_pipeline(text)
