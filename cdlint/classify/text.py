"""Reading the text classification matches: shell scripts split into simple commands,
names split into words, names computed per run.

Nothing here decides what anything does; :mod:`cdlint.classify.signals` does, from data.
"""

from __future__ import annotations

import re
from functools import lru_cache

# What is classified of one command or name at most: a longer text is cut (a minified
# script on one line says nothing more at its end, and every pattern stays cheap).
MAX_COMMAND = 4096
MAX_NAME = 256

_WRAPPERS = re.compile(
    r"^\s*(?:(?:sudo(?:\s+-\S+)*|time|exec|env|nohup|command|eval|xvfb-run(?:\s+-a)?|npx(?:\s+--yes|\s+-y)?|pnpm\s+(?:exec|dlx)|yarn\s+dlx|bunx|"
    r"poetry\s+run|uv\s+run(?:\s+--\S+)*|uvx|pipx\s+run|pipenv\s+run|hatch\s+(?:run|env\s+run)(?:\s+\S+:)?|pdm\s+run|rye\s+run|conda\s+run(?:\s+-n\s+\S+)?|"
    r"bundle\s+exec|dotnet\s+tool\s+run|[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*)|"
    # An interpreter running a script file runs what the file's name says.
    r"(?:ba|z)?sh(?:\s+-[a-z]+)*(?=\s+['\"]?[\w.$~/{])|pwsh(?:\s+-\w+)*(?=\s+['\"]?[\w.$~/])|powershell(?:\.exe)?(?:\s+-\w+(?:\s+Bypass)?)*(?=\s+['\"]?[\w.$~/])"
    r")\s+)+"
)
# `$(` starts a command substitution, except Azure's `$(Build.BuildId)` macros (a bare name).
_SPLIT = re.compile(r"\n|&&|\|\||;|(?<![|>])\|(?!\|)|\$\((?![\w.]+\))|`")
_CONTINUATION = re.compile(r"\\\r?\n\s*")
# Shell keywords before a command, and builtins that never do the work themselves.
_KEYWORD = re.compile(r"^(?:(?:if|then|else|elif|do|while|until|!)\s+)+")
_NOT_WORK = re.compile(r"(?:cd|echo|printf|export|fi|done|esac|set|local|declare|source|\.|true|false|exit|return|shift|read|test|\[\[?)(?:\s|$)")
_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
# A variable of any platform written in a value: ``${{ env.TAG }}`` (with its spaces
# compacted), ``${VERSION}``, ``${p['java.main.tag']}``, ``$(Build.BuildId)``, ``$TAG``.
# A body holds no ``$``: a run of unclosed ``${{`` is then read in linear time.
VARIABLE = r"\$\{\{[^}$]*\}\}|\$\{[^}\s$]*\}|\$\([\w.]+\)|\$\w+"
_WHOLE_VARIABLE = re.compile(f"(?:{VARIABLE})")
_DYNAMIC = re.compile(r"\$\{\{|\$\{|\$\(|\$\[\[|\$[A-Za-z_]|\{\{|%\{")


@lru_cache(maxsize=8192)
def commands(script: str) -> tuple[str, ...]:
    """The simple commands of a shell script, wrappers stripped, comments dropped."""
    script = _CONTINUATION.sub(" ", script)
    found = []
    for part in _SPLIT.split(script):
        part = part.strip().lstrip("({!").strip()
        if not part or part.startswith("#"):
            continue
        part = _WRAPPERS.sub("", _KEYWORD.sub("", part[:MAX_COMMAND])).strip("'\"")
        if not part or _NOT_WORK.match(part):
            continue
        found.append(part)
    return tuple(found)


def continued(script: str) -> str:
    """A script with its line continuations joined."""
    return _CONTINUATION.sub(" ", script)


@lru_cache(maxsize=8192)
def words(name: str) -> tuple[str, ...]:
    """The words of a stage, step or library-step name, lower case: camelCase and
    snake_case are split, hyphenated words are kept whole and also given in parts
    (``LiveE2E`` → ``live e2e``, ``deploy-prod`` → ``deploy-prod deploy prod``)."""
    name = name[:MAX_NAME]
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower().replace("_", " ")
    found: list[str] = []
    for word in _WORDS.findall(spaced):
        found.append(word)
        if "-" in word:
            found.extend(word.split("-"))
    # A camelCase word whole as well: a product name such as "TestFlight" is one word.
    found.extend(w for w in _WORDS.findall(name.lower().replace("_", " ")) if w not in found)
    return tuple(found)


def spaced(name: str) -> str:
    """``publishBuildStatusReport`` as ``publish Build Status Report``."""
    return _CAMEL.sub(r"\1 \2", name[:MAX_NAME])


def hyphenated(name: str) -> str:
    """An identifier in lower case with its camelCase words hyphenated (``PreProdWestEurope``
    → ``pre-prod-west-europe``, ``LiveE2E`` → ``live-e2e``), for matching environment names."""
    return re.sub(r"([a-z])([A-Z])", r"\1-\2", name[:MAX_NAME]).lower()


def is_variable(token: str) -> bool:
    """Whether a token is one variable and nothing else (``$IMAGE``, ``${{env.TAG}}``)."""
    return bool(_WHOLE_VARIABLE.fullmatch(token))


def is_dynamic(name: str) -> bool:
    """Whether a name is computed per run (a variable or expression in it)."""
    return bool(_DYNAMIC.search(name))


def written_part(name: str) -> str:
    """What is written of a name before its first variable (``review/$CI_COMMIT_REF_SLUG``
    → ``review/``); the whole name when it starts with one."""
    static = _DYNAMIC.split(name)[0] if is_dynamic(name) else name
    return static if static.strip() else name
