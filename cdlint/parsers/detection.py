"""Which platform a file is a pipeline of: by its name where the name decides, else by
a look at its content.

Kept apart from the parsers so that finding the pipelines of a repository, or taking
one file from a pre-commit hook, imports only the parsers of the files found.

Each platform has a :class:`Detector`: whether the name alone makes a file a pipeline
(``.github/workflows/*.yml``, ``.gitlab-ci.yml``, ``azure-pipelines.yml``,
``Jenkinsfile``); which other files discovery has to look into (``candidate``); whether
the first KiB of such a file is worth reading it whole (``sniff``, so a tree of YAML
and Groovy costs a small read per file); and whether a text is a pipeline of the
platform (``content``). ``candidate`` is where discovery looks by itself; with
``--platform`` it also looks into the files that ``possible`` names.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from cdlint.values import value

GITLAB_FILENAME = ".gitlab-ci.yml"
# What discovery reads of a file whose name does not decide, to tell whether to read it whole.
HEAD = 1024


@value
class Detector:
    """How to tell a pipeline of ``platform``; ``looks_for`` says it in words."""

    platform: str
    named: Callable[[str], bool]
    content: Callable[[str, str], bool]
    candidate: Callable[[str], bool]
    possible: Callable[[str], bool]
    sniff: Callable[[str, str], bool]
    looks_for: str


def _parts(path: str) -> list[str]:
    return path.replace("\\", "/").split("/")


def _yaml(path: str) -> bool:
    return path.lower().endswith((".yml", ".yaml"))


def _never(path: str) -> bool:
    return False


def _always(path: str, head: str) -> bool:
    return True


def top_keys(text: str) -> set[str]:
    """The keys of a YAML document's top-level mapping, as written (a cheap look, no parse)."""
    return {next(g for g in m.groups() if g is not None).strip() for m in _TOP_KEY.finditer(text)}


_TOP_KEY = re.compile(r"^(?:'([^']*)'|\"([^\"]*)\"|([^\s#'\"\-?{}\[\]](?:[^:#\n]*[^\s:#])?))[ \t]*:(?:\s|$)", re.MULTILINE)


# --- GitHub Actions ---------------------------------------------------------------------


def _github_named(path: str) -> bool:
    parts = _parts(path)
    return len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"] and _yaml(parts[-1])


_GITHUB_JOB = re.compile(r"^[ \t]+(?:runs-on|steps|uses)\s*:", re.MULTILINE)


def _github_content(path: str, text: str) -> bool:
    """A workflow: ``on`` (YAML 1.1 may read it as ``true``) and ``jobs`` whose jobs run
    steps or another workflow. GitHub runs only those in ``.github/workflows``; elsewhere
    this is for a file given explicitly or with ``--platform github``."""
    if not _yaml(path):
        return False
    keys = top_keys(text)
    return bool(keys & {"on", "true"}) and "jobs" in keys and bool(_GITHUB_JOB.search(text))


def github(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a workflow file GitHub would run; with ``text``, also a file
    whose content is a workflow (see :func:`_github_content`)."""
    return _github_named(path) or (text is not None and _github_content(path, text))


# --- GitLab CI ----------------------------------------------------------------------------


def _gitlab_named(path: str) -> bool:
    return posixpath.basename(path.replace("\\", "/")) == GITLAB_FILENAME


def _gitlab_content(path: str, text: str) -> bool:
    if not _yaml(path):
        return False
    from cdlint.parsers.gitlab import is_configuration

    return is_configuration(text, path)


def gitlab(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a GitLab CI configuration: named ``.gitlab-ci.yml``, or (when its
    text is given) a mapping of GitLab stages and jobs that is not another platform's file.
    Discovery does not look into other YAML for GitLab: a configuration kept elsewhere is
    read through the ``include`` that names it, or when the user says so (``--platform``)."""
    if _gitlab_named(path):
        return True
    return text is not None and _gitlab_content(path, text)


# --- Azure Pipelines ------------------------------------------------------------------------

_NAME = re.compile(r"^(?:azure-pipelines.*|\.vsts.*)\.ya?ml$", re.IGNORECASE)
_DIRS = frozenset({".azure-pipelines", "azure-pipelines", ".azuredevops", ".pipelines", "pipelines", ".ado", ".azdo", "azure-devops"})
_BUILD_DIRS = frozenset({"ci", ".ci", "build", "eng", "devops", ".devops", ".azure"})
_OTHER_TOOLS = frozenset({
    ".gitlab-ci.yml", ".travis.yml", "appveyor.yml", ".appveyor.yml", "bitbucket-pipelines.yml", ".drone.yml",
    ".woodpecker.yml", "codecov.yml", ".codecov.yml", "mkdocs.yml", ".readthedocs.yml", ".readthedocs.yaml",
    ".pre-commit-config.yaml", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
    "cloudbuild.yaml", "cloudbuild.yml", ".pre-commit-hooks.yaml", ".cdlint.yaml", ".cdlint.yml", ".yamllint",
    ".yamllint.yml", ".yamllint.yaml", "action.yml", "action.yaml", "dependabot.yml", ".golangci.yml",
    ".golangci.yaml", "chart.yaml", "values.yaml", "pnpm-lock.yaml", "pubspec.yaml", "environment.yml",
})
# Other tools' configurations use a top-level `extends:` too (cdlint, yamllint, renovate);
# Azure's always names a template under it.
_EXTENDS_TEMPLATE = re.compile(r"^extends:[ \t\r]*\n(?:[ \t\r]*(?:#.*)?\n)*[ \t]+template[ \t]*:", re.MULTILINE)
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
# Every key an Azure pipeline or template may have at its top level (a pipeline of one job
# takes the job's keys); any other key is another tool's file.
_AZURE_KEYS = _PIPELINE_KEYS | _NOT_TEMPLATE | frozenset({
    "parameters", "lockBehavior", "appendCommitMessageToRunName", "container", "services", "workspace",
    "strategy", "continueOnError", "timeoutInMinutes", "cancelTimeoutInMinutes", "condition", "dependsOn",
    "displayName", "templateContext", "variables",
})
# Written only in Azure Pipelines: what makes a file outside Azure's names and folders one.
_AZURE_ONLY = re.compile(
    r"^[ \t]*-\s*(?:task\s*:\s*['\"]?[\w.-]+@\d|job\s*:|deployment\s*:|stage\s*:|template\s*:|bash\s*:|pwsh\s*:|powershell\s*:"
    r"|checkout\s*:\s*(?:self|none)\b)"
    r"|^[ \t]+vmImage\s*:|\$\((?:Build|System|Agent|Pipeline|Release|Environment)\.\w|\$\{\{\s*(?:parameters|variables)\b",
    re.MULTILINE,
)
# Old-style template parameters: a mapping of names to defaults. A pipeline's runtime
# parameters are a list; only a template may declare them this way.
_MAPPING_PARAMETERS = re.compile(r"^parameters\s*:[ \t]*(?:#.*)?\n(?:[ \t]*(?:#.*)?\n)*[ \t]+[\w'\"-][^:\n]*:", re.MULTILINE)
_UNDECLARED_PARAMETERS = re.compile(r"\$\{\{(?:[^}$]|\$(?!\{\{))*\bparameters\b")


def _tier(path: str) -> int:
    """Where a YAML file is, for Azure: 2 an Azure name or folder (``azure-pipelines*.yml``,
    ``.azure-pipelines/``, ``.pipelines/``, ``eng/pipelines/`` …); 1 the repository root or
    a build folder (``ci/``, ``build/``, ``eng/``); 0 elsewhere; -1 never (not YAML, another
    tool's file, GitHub's and GitLab's folders)."""
    parts = _parts(path)
    name, folders = parts[-1], [p.lower() for p in parts[:-1]]
    if not _yaml(name) or name.lower() in _OTHER_TOOLS:
        return -1
    if ".github" in folders or ".gitlab" in folders:
        return -1
    if _NAME.match(name) or any(f in _DIRS for f in folders):
        return 2
    if all(f in _BUILD_DIRS or "pipeline" in f for f in folders):
        return 1
    return 0


def azure_candidate(path: str) -> bool:
    """Whether ``path`` is where Azure pipelines are usually kept (``azure-pipelines*.yml``,
    their folders, the root and build folders); the content still has to show one."""
    return _tier(path) > 0


def _azure_named(path: str) -> bool:
    return False


def _foreign(keys: set[str]) -> bool:
    """Whether top-level ``keys`` hold one Azure does not have (template expressions aside)."""
    return any(not k.startswith("${{") for k in keys - _AZURE_KEYS)


def _azure_sniff(path: str, head: str) -> bool:
    """Whether a YAML file whose first KiB is ``head`` may be an Azure pipeline: it shows no
    key Azure does not have (a comment header that hides the keys is read on)."""
    return not _foreign(top_keys(head))


def _azure_template(keys: set[str], text: str) -> bool:
    """Whether the file can only be a template: it declares parameters the old way, uses
    parameters it does not declare, or declares them for steps alone (a pipeline of steps
    runs them on some pool; a template of steps leaves that to the job that includes it)
    or for no stages, jobs or steps of its own. A template with stages or jobs, like a
    pipeline, is found out where another file includes it."""
    if keys & _NOT_TEMPLATE:
        return False
    if "parameters" in keys:
        return bool(_MAPPING_PARAMETERS.search(text)) or not keys & {"stages", "jobs", "extends"}
    return bool(_UNDECLARED_PARAMETERS.search(text))


def _azure_content(path: str, text: str, tier: int | None = None) -> bool:
    tier = _tier(path) if tier is None else tier
    if tier < 0:
        return False
    keys = top_keys(text)
    if not keys & _PIPELINE_KEYS or _azure_template(keys, text):
        return False
    if _foreign(keys):
        return False
    structure = bool(_EXTENDS_TEMPLATE.search(text)) or any(k in keys and pattern.search(text) for k, pattern in _STRUCTURE.items())
    strong = bool(keys & _STRONG - {"extends"}) or ("extends" in keys and structure)
    if tier == 2:
        return strong or structure
    # Elsewhere only content no other tool writes counts: a trigger with Azure's stages,
    # jobs or steps, or steps, jobs and stages written as only Azure writes them.
    return structure and (strong or bool(_AZURE_ONLY.search(text)))


def azure_template(path: str, text: str) -> bool:
    """Whether ``text`` is an Azure template (not a pipeline of its own, see :func:`_azure_template`)."""
    tier = _tier(path)
    if tier < 0 or (tier < 2 and not _AZURE_ONLY.search(text)):
        return False
    keys = top_keys(text)
    return bool(keys & (_PIPELINE_KEYS | {"parameters", "variables"})) and not _foreign(keys) and _azure_template(keys, text)


def azure(path: str, text: str | None = None) -> bool:
    """Whether ``path`` holds an Azure pipeline (not a template meant for inclusion): in
    Azure's names and folders when its keys and structure are a pipeline's, elsewhere when
    its content is unmistakably Azure's."""
    return text is not None and _azure_content(path, text)


# --- Jenkins ------------------------------------------------------------------------------------

_JENKINS_NAME = re.compile(r"^(?:jenkinsfile(?:\.[^.]+)?|.+\.jenkinsfile)$", re.IGNORECASE)
_NOT_GROOVY = frozenset(
    {".md", ".markdown", ".txt", ".rst", ".adoc", ".html", ".htm", ".png", ".jpg", ".jpeg", ".gif", ".svg",
     ".json", ".yml", ".yaml", ".xml", ".properties", ".sh", ".py", ".orig", ".bak", ".swp", ".j2", ".tmpl"}
)
# Files without an extension that are never pipelines; the rest are looked into, since
# Jenkins runs a script at any path a job names (``jenkins/release``, ``ci/Build``).
_NOT_PIPELINE_NAMES = frozenset({
    "license", "licence", "copying", "notice", "authors", "contributors", "maintainers", "owners", "codeowners",
    "readme", "changelog", "changes", "history", "news", "version", "makefile", "gnumakefile", "dockerfile",
    "containerfile", "vagrantfile", "gemfile", "rakefile", "podfile", "brewfile", "procfile", "justfile",
    "pipfile", "cartfile", "berksfile", "guardfile", "capfile", "fastfile", "appfile", "snapfile", "matchfile",
    "pluginfile", "dangerfile", "tiltfile", "earthfile", "workspace", "module", "todo", "install",
    "manifest", "configure", "gradlew", "mvnw", "head", "config", "description", "packed-refs", "index",
})
_GROOVY_SHEBANG = re.compile(r"^#![^\n]*\bgroovy\b")
_JENKINS_MARKER = re.compile(
    r"\bpipeline\s*\{|\bnode\s*(?:\(|\{)|\bstage\s*\(|\bstage\s+['\"]|\bparallel\s*[(\[]|\bdef\s+call\s*\("
)
_GROOVY_START = re.compile(
    r"(?:def|podTemplate|properties|library|timestamps|timeout|ansiColor|withCredentials|withEnv|dockerNode"
    r"|try|final|String|List|Map|boolean|int)\b"
)
# What a Groovy file opens with before its code: comments, a shebang, imports, a library.
_PREAMBLE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?(?:\*/|\Z)|#![^\n]*|import\s[^\n]*|package\s[^\n]*|@Library\([^)]*\)\s*_?)*", re.S)


def jenkins_candidate(path: str) -> bool:
    """Whether ``path`` may hold a Jenkins pipeline whose content has to show it: a Groovy
    script, or a name such as ``Jenkinsfile-jdk11``, ``Jenkinsfile_k8s``, ``Jmh_Jenkinsfile``."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    extension = posixpath.splitext(name)[1]
    return extension == ".groovy" or ("jenkinsfile" in name and extension not in _NOT_GROOVY)


def _jenkins_named(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/"))
    return bool(_JENKINS_NAME.match(name)) and posixpath.splitext(name.lower())[1] not in _NOT_GROOVY


def _extensionless(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/"))
    return "." not in name.lstrip(".") and not name.startswith(".") and name.lower() not in _NOT_PIPELINE_NAMES


def _jenkins_candidate(path: str) -> bool:
    return jenkins_candidate(path) or _extensionless(path)


def _jenkins_sniff(path: str, head: str) -> bool:
    """Whether a file opening with ``head`` may be a Jenkins pipeline. A Groovy script or a
    Jenkinsfile-like name is read whole (its stages may come after a long pod definition); a
    file without an extension must open like a Jenkins script: a pipeline's words, Groovy's
    first statements, or a comment long enough to hide them (no other interpreter's ``#!``)."""
    if jenkins_candidate(path):
        return True
    if head.startswith("#!") and not _GROOVY_SHEBANG.match(head):
        return False
    if _JENKINS_MARKER.search(head):
        return True
    start = _PREAMBLE.match(head).end()
    return start >= len(head.rstrip()) or bool(_GROOVY_START.match(head, start))


def _jenkins_content(path: str, text: str) -> bool:
    extension = posixpath.splitext(posixpath.basename(path.replace("\\", "/")).lower())[1]
    if extension in _NOT_GROOVY:
        return False
    from cdlint.parsers.jenkins import is_pipeline

    return is_pipeline(text)


def jenkins(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a Jenkins pipeline: ``Jenkinsfile``, ``Jenkinsfile.*``,
    ``*.jenkinsfile`` by name; other files (``*.groovy``, ``Jenkinsfile-jdk11``, scripts
    without an extension) when their text is a pipeline (``pipeline {}``, or
    ``node``/``stage`` run by the script, also through its ``call`` or its methods)."""
    if _jenkins_named(path):
        return True
    return text is not None and _jenkins_candidate(path) and _jenkins_content(path, text)


DETECTORS: dict[str, Detector] = {
    "github": Detector(
        "github", _github_named, _github_content, _never, _yaml, _always,
        ".github/workflows/*.yml",
    ),
    "gitlab": Detector(
        "gitlab", _gitlab_named, _gitlab_content, _never, _yaml, _always,
        ".gitlab-ci.yml",
    ),
    "azure": Detector(
        "azure", _azure_named, _azure_content, lambda p: _tier(p) >= 0, lambda p: _tier(p) >= 0, _azure_sniff,
        "Azure Pipelines YAML (by its keys)",
    ),
    "jenkins": Detector(
        "jenkins", _jenkins_named, _jenkins_content, _jenkins_candidate, _jenkins_candidate, _jenkins_sniff,
        "Jenkinsfiles and Groovy pipelines",
    ),
}


def by_name(path: str) -> str | None:
    """The platform whose pipeline ``path`` is by its name alone."""
    for detector in DETECTORS.values():
        if detector.named(path):
            return detector.platform
    return None


def by_content(path: str, text: str, platforms: tuple[str, ...] | None = None) -> str | None:
    """The platform whose pipeline ``text`` is, among ``platforms`` (default: all), for a file at ``path``."""
    for detector in DETECTORS.values():
        if (platforms is None or detector.platform in platforms) and detector.content(path, text):
            return detector.platform
    return None


def looks_for(platform: str | None = None) -> str:
    """What discovery looks for, in words (of one platform, or all)."""
    return ", ".join(d.looks_for for d in DETECTORS.values() if platform in (None, d.platform))


_LOOK_EXTENSIONS = (".yml", ".yaml", ".groovy")


def worth_a_look(name: str) -> bool:
    """Whether a file called ``name`` may be a pipeline of any platform at all: the quick
    filter discovery applies to every file before the detectors (which decide)."""
    lower = name.lower()
    return lower.endswith(_LOOK_EXTENSIONS) or "jenkinsfile" in lower or "." not in lower


def may_be_pipeline(path: str) -> bool:
    """Whether ``path`` may be a pipeline of some platform, by name or by what its content
    could show (what a git source fetches before anything is read)."""
    return any(d.named(path) or d.candidate(path) or d.possible(path) for d in DETECTORS.values())
