"""Hostile repositories, each made by a small function (nothing big is stored): what cdlint
is run with, and what it must answer.

A case builds its repository under ``root`` (a git repository: ``root/.git`` exists) and
may put files beside it, in ``outside``; ``argv`` may name both as ``{root}`` and
``{outside}``. cdlint runs in ``root`` unless ``cwd`` says otherwise.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024
CHECK_FORMATS = ("text", "concise", "json", "sarif", "github", "codequality", "junit", "markdown")
MATURITY_FORMATS = ("text", "markdown", "json", "html")
GRAPH_FORMATS = ("text", "json", "dot", "mermaid")
TOO_LARGE = r"error parse-error: too large to analyse"


@dataclass(frozen=True)
class Case:
    """One hostile repository and what cdlint must do with it.

    ``exit``: the exit codes allowed; ``expect``: a regular expression the output (stdout
    and stderr) must match, the finding or the one-line message; ``absent``: texts the
    output must not hold (content of files outside, raw control characters); ``seconds``:
    CPU time allowed (the process is also stopped after four times as long on the clock);
    ``reads``: paths outside the repository the case lets cdlint open (a file named on the
    command line); ``writes``: files cdlint is asked to write (relative to ``root``);
    ``unchanged``: files (relative to ``outside``) that must be as they were;
    ``verify``: a further check of stdout and the root; ``xfail``: why it does not hold yet."""

    id: str
    build: Callable[[Path, Path], None]
    argv: tuple[str, ...] = ("check", ".")
    exit: tuple[int, ...] = (0, 1)
    expect: str | None = None
    absent: tuple[str, ...] = ()
    seconds: float = 2
    cwd: str = "{root}"
    env: dict[str, str] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    module: bool = False
    deny: tuple[str, ...] = ()
    break_rule: str | None = None
    verify: Callable[[str, Path], None] | None = None
    xfail: str | None = None


def write(base: Path, rel: str | bytes, content: str | bytes = "") -> Path:
    path = Path(os.fsdecode(base)) / os.fsdecode(rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


def fifo(base: Path, rel: str) -> None:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def link(base: Path, rel: str, target: str | Path) -> None:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


WORKFLOW = """on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./deploy.sh
"""
SECRET = "root:$6$x9yhdQ2Y$c2VjcmV0:19000:0:99999:7:::\nadmin-token: hunter2-SECRET\n"
VICTIM = "# the user's file, never to be overwritten\n"


def with_workflow(extra: Callable[[Path, Path], None] | None = None) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, ".github/workflows/ci.yml", WORKFLOW)
        if extra is not None:
            extra(root, outside)

    return build


def config(text: str, extra: Callable[[Path, Path], None] | None = None) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, ".cdlint.yaml", text.format(root=root, outside=outside))
        if extra is not None:
            extra(root, outside)

    return with_workflow(build)


def secret_outside(root: Path, outside: Path) -> None:
    write(outside, "secret.yaml", SECRET)


def victim(root: Path, outside: Path) -> None:
    write(outside, "victim", VICTIM)


def json_output(stdout: str, root: Path) -> None:
    json.loads(stdout)


def _github(job_name: str = "deploy", run: str = "./deploy.sh", uses: str | None = None) -> str:
    step = f"uses: {json.dumps(uses)}" if uses else f"run: {json.dumps(run)}"
    return (f"on: push\njobs:\n  deploy:\n    name: {json.dumps(job_name)}\n    runs-on: ubuntu-latest\n"
            f"    environment: production\n    steps:\n      - {step}\n")


def _gitlab(script: str) -> str:
    return f"deploy:\n  stage: deploy\n  environment: production\n  script:\n    - {json.dumps(script)}\n"


def _azure(script: str) -> str:
    return f"trigger: [main]\nsteps:\n  - script: {json.dumps(script)}\n"


def _jenkins(script: str) -> str:
    return f"pipeline {{\n  agent any\n  stages {{\n    stage('Deploy') {{\n      steps {{\n        sh {json.dumps(script)}\n      }}\n    }}\n  }}\n}}\n"


PIPELINE_FILES = {
    "github": (".github/workflows/ci.yml", lambda s: _github(run=s)),
    "gitlab": (".gitlab-ci.yml", _gitlab),
    "azure": ("azure-pipelines.yml", _azure),
    "jenkins": ("Jenkinsfile", _jenkins),
}

# What the fuzzer found too slow (tests/fuzz): each must finish within the bound as a process.
REGRESSIONS = Path(__file__).resolve().parent.parent / "fuzz" / "regressions"


def fuzzed(name: str) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, PIPELINE_FILES[name.partition("-")[0]][0], (REGRESSIONS / name).read_bytes())

    return build


# Long lines that made patterns backtrack: one character class over and over, and
# separators that patterns split on.
LONG_LINES = {
    "letters": "a" * 100_000,
    "colons": "a:" * 50_000,
    "dashes": "a-" * 50_000,
    "slashes": "a/" * 50_000,
    "dots": "a." * 50_000,
    "spaces": "a " * 50_000,
    "expressions": "${{a" * 25_000,
    "deploy-to": "deploy to " * 10_000,
}


def pipeline(platform: str, script: str) -> Callable[[Path, Path], None]:
    path, make = PIPELINE_FILES[platform]

    def build(root: Path, outside: Path) -> None:
        write(root, path, make(script))

    return build


def long_lines(platform: str) -> Callable[[Path, Path], None]:
    path, make = PIPELINE_FILES[platform]

    def build(root: Path, outside: Path) -> None:
        for name, line in LONG_LINES.items():
            write(root, path.replace("ci.yml", f"{name}.yml") if platform == "github" else f"{name}/{path}", make(line))

    return build


def composite_self(root: Path, outside: Path) -> None:
    uses = "".join("      - uses: ./.github/actions/self\n" for _ in range(4))
    write(root, ".github/actions/self/action.yml", f"name: self\nruns:\n  using: composite\n  steps:\n{uses}      - run: make\n        shell: bash\n")
    write(root, ".github/workflows/ci.yml", _github(uses="./.github/actions/self"))


def composite_fanout(root: Path, outside: Path) -> None:
    for level in range(12):
        inner = "".join(f"      - uses: ./.github/actions/a{level + 1}\n" for _ in range(4)) if level < 11 else \
            "      - run: make deploy\n        shell: bash\n"
        write(root, f".github/actions/a{level}/action.yml", f"name: a{level}\nruns:\n  using: composite\n  steps:\n{inner}")
    write(root, ".github/workflows/ci.yml", _github(uses="./.github/actions/a0"))


def reusable_fanout(root: Path, outside: Path) -> None:
    for level in range(8):
        if level < 7:
            jobs = "".join(f"  call{n}:\n    uses: ./.github/workflows/level{level + 1}.yml\n" for n in range(4))
        else:
            jobs = "  work:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy\n"
        trigger = "on: push" if level == 0 else "on: workflow_call"
        write(root, f".github/workflows/level{level}.yml", f"{trigger}\njobs:\n{jobs}")


def reusable_cycle(root: Path, outside: Path) -> None:
    write(root, ".github/workflows/a.yml", "on: push\njobs:\n  call:\n    uses: ./.github/workflows/b.yml\n")
    write(root, ".github/workflows/b.yml", "on: workflow_call\njobs:\n  back:\n    uses: ./.github/workflows/a.yml\n"
          "  again:\n    uses: ./.github/workflows/b.yml\n")


def deep_flow(rel: str, prefix: str = "a: ", depth: int = 30_000) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, rel, prefix + "[" * depth + "]" * depth + "\n")

    return build


def deep_flow_mapping(root: Path, outside: Path) -> None:
    write(root, ".gitlab-ci.yml", "a: " + "{a: " * 30_000 + "}" * 30_000 + "\n")


def deep_block(root: Path, outside: Path) -> None:
    # Block nesting: 1,500 levels of indentation fit in 2 MiB.
    lines = "".join(" " * i + f"k{i}:\n" for i in range(1500))
    write(root, ".github/workflows/ci.yml", "on: push\njobs:\n" + "".join("  " + line for line in lines.splitlines(True)))


def deep_groovy(opening: str, closing: str) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, "Jenkinsfile", "def x = " + opening * 30_000 + "1" + closing * 30_000 + "\npipeline { agent any }\n")

    return build


def gitlab_include_fifo(root: Path, outside: Path) -> None:
    write(root, ".gitlab-ci.yml", "include:\n  - local: /ci/jobs.yml\n" + _gitlab("make deploy"))
    fifo(root, "ci/jobs.yml")


def azure_template_fifo(root: Path, outside: Path) -> None:
    write(root, "azure-pipelines.yml", "trigger: [main]\nsteps:\n  - template: templates/steps.yml\n")
    fifo(root, "templates/steps.yml")


def composite_fifo(root: Path, outside: Path) -> None:
    fifo(root, ".github/actions/x/action.yml")
    write(root, ".github/workflows/ci.yml", _github(uses="./.github/actions/x"))


def workflow_fifo(root: Path, outside: Path) -> None:
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    fifo(root, ".github/workflows/hang.yml")


def jenkins_load_fifo(root: Path, outside: Path) -> None:
    write(root, "Jenkinsfile", "node {\n  def lib = load 'ci/lib.groovy'\n  stage('Deploy') { sh './deploy.sh' }\n}\n")
    fifo(root, "ci/lib.groovy")


def device_link(root: Path, outside: Path) -> None:
    link(root, ".gitlab-ci.yml", "/dev/zero")
    write(root, ".github/workflows/ci.yml", WORKFLOW)


def many_ignores(count: int) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        comments = "".join(f"# cdlint: ignore[ungated-production-deploy] reason {n}\n" for n in range(count))
        write(root, ".github/workflows/ci.yml", comments + WORKFLOW)

    return build


def many_findings(root: Path, outside: Path) -> None:
    needs = ", ".join(f"j{n}" for n in range(20_000))
    write(root, ".github/workflows/ci.yml", f"on: push\njobs:\n  build:\n    runs-on: x\n    needs: [{needs}]\n"
          "    steps:\n      - run: make\n")


def random_jenkinsfile(root: Path, outside: Path) -> None:
    generator = random.Random(15)
    alphabet = [chr(c) for c in range(32, 127)] + ["\n"] * 4
    write(root, "Jenkinsfile", "".join(generator.choice(alphabet) for _ in range(500_000)))


def surrogate(platform: str) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        if platform == "jenkins":
            write(root, "Jenkinsfile", "pipeline {\n  agent any\n  stages {\n    stage('deploy\\uD800') {\n"
                  "      steps { sh './deploy.sh \\uDFFF' }\n    }\n  }\n}\n")
        else:
            write(root, ".github/workflows/ci.yml", "on: push\njobs:\n  deploy:\n    name: \"deploy\\uD800\"\n"
                  "    runs-on: x\n    environment: \"production\\uDFFF\"\n    steps:\n      - run: \"./deploy.sh \\uD800\"\n")

    return build


def undecodable_name(root: Path, outside: Path) -> None:
    (root / ".github" / "workflows").mkdir(parents=True)
    with open(os.path.join(os.fsencode(root), b".github/workflows/\xff.yml"), "w", encoding="utf-8") as handle:
        handle.write(WORKFLOW)


def long_names(root: Path, outside: Path) -> None:
    name = "a" * 256
    write(root, ".github/workflows/ci.yml", f"on: push\njobs:\n  call:\n    uses: ./.github/workflows/{name}.yml\n"
          f"  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - uses: ./.github/actions/{name}\n"
          f"      - uses: ./{name}\n")
    write(root, ".gitlab-ci.yml", f"include:\n  - local: /{name}.yml\nchild:\n  trigger:\n    include: {name}.yml\n"
          f"deploy:\n  environment: production\n  script: [./deploy.sh]\n")
    write(root, "azure-pipelines.yml", f"trigger: [main]\nresources:\n  pipelines:\n    - pipeline: up\n      source: {name}\n"
          f"      trigger: true\nsteps:\n  - template: {name}.yml\n")
    write(root, "Jenkinsfile", f"node {{\n  load '{name}.groovy'\n  build job: '{name}'\n  stage('Deploy') {{ sh './deploy.sh' }}\n}}\n")


def azure_trigger_tags_null(root: Path, outside: Path) -> None:
    write(root, "azure-pipelines.yml", "trigger:\n  branches: [main]\n  tags:\npr:\n  branches:\n  paths:\n"
          "steps:\n  - script: make\n")


def broken_workflow(root: Path, outside: Path) -> None:
    write(root, ".github/workflows/ci.yml", "on: push\njobs: [\n")
    write(root, ".cdlint.yaml", "rules:\n  parse-error: disable\n")


def plugin_in_repository(root: Path, outside: Path) -> None:
    marker = outside / "imported"
    code = f"open({str(marker)!r}, 'w').close()\n"
    write(root, "evil_rules.py", code)
    write(root, "jsonschema.py", code)
    write(root, "click_repl.py", code)
    write(root, "evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    write(root, "evil-1.0.dist-info/entry_points.txt", "[cdlint.rules]\nevil = evil_rules\n")
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    write(root, ".cdlint.yaml", "fail-on: never\n")


def no_marker(stdout: str, root: Path) -> None:
    assert not (root.parent / "outside" / "imported").exists(), "the repository's code was imported"


def control_names(root: Path, outside: Path) -> None:
    name = "deploy\\e[2J\\e]52;c;cHduZWQ=\\a\\e]8;;https://evil.example\\a\\x9b31m"
    write(root, ".github/workflows/ci.yml", f"on: push\njobs:\n  deploy:\n    name: \"{name}\"\n    runs-on: x\n"
          "    environment: production\n    steps:\n      - run: ./deploy.sh\n"
          "  inject:\n    name: \"x\\n::error file=README.md::pwned\\n\"\n    runs-on: x\n    environment: production\n"
          "    steps:\n      - run: ./deploy.sh\n")


def no_workflow_command(stdout: str, root: Path) -> None:
    assert not any(line.startswith("::") for line in stdout.splitlines()), "a name became a workflow command"


def markdown_names(root: Path, outside: Path) -> None:
    names = ["[click me](https://evil.example/phish)", "![pixel](https://evil.example/track.png)", "@everyone look",
             "<img src=x onerror=alert(1)>", "`code` | pipe"]
    jobs = "".join(f"  job{n}:\n    name: {json.dumps(name)}\n    runs-on: x\n    environment: production\n"
                   "    steps:\n      - run: ./deploy.sh\n" for n, name in enumerate(names))
    write(root, ".github/workflows/ci.yml", "on: push\njobs:\n" + jobs)


def markdown_escaped(stdout: str, root: Path) -> None:
    for raw in (r"(?<!\\)\[click me", r"(?<!\\)\[pixel", "@everyone", r"(?<!\\)<img src=x"):
        assert not re.search(raw, stdout), f"{raw!r} reaches the Markdown unescaped"


def poisoned_cache(root: Path, outside: Path) -> None:
    from cdlint import config
    from cdlint.rule import load_rules

    text = "rules:\n  no-such-rule: disable\n"
    write(root, ".cdlint.yaml", text)
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    data, _ = config._parse(config._Source("x", "x", text))
    key = config._validation_key(data, config.schema(load_rules(plugins=False)))
    write(root, "cache/valid-configs-v1", key + "\n")


def special_cache(root: Path, outside: Path) -> None:
    fifo(outside, "fifo-cache/valid-configs-v1")
    fifo(outside, "fifo-cache/signals-v4.json")
    write(root, ".cdlint.yaml", "fail-on: error\n")
    write(root, ".github/workflows/ci.yml", WORKFLOW)


def nothing_written_in_root(stdout: str, root: Path) -> None:
    assert not (root / "cdlint").exists() and not (root / "home").exists(), "a cache was written into the repository"


def sarif_symlink(root: Path, outside: Path) -> None:
    victim(root, outside)
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    link(root, "cdlint.sarif", outside / "victim")
    link(root, "baseline.json", outside / "victim")
    link(root, "report.html", outside / "victim")


def written_file(name: str) -> Callable[[str, Path], None]:
    def verify(stdout: str, root: Path) -> None:
        path = root / name
        assert not path.is_symlink() and path.is_file() and path.stat().st_size > 0

    return verify


def init_symlink(root: Path, outside: Path) -> None:
    victim(root, outside)
    link(root, ".cdlint.yaml", outside / "victim")


def init_dangling(root: Path, outside: Path) -> None:
    link(root, ".cdlint.yaml", outside / "not-there")


def gitlab_jobs(count: int) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        jobs = "".join(f"a{n}:\n  stage: a\n  script: [make]\n" for n in range(count))
        jobs += "".join(f"b{n}:\n  stage: b\n  script: [make]\n" for n in range(count))
        write(root, ".gitlab-ci.yml", "stages: [a, b]\n" + jobs)

    return build


def needs_mesh(count: int) -> Callable[[Path, Path], None]:
    """GitHub jobs that all need each other (a cycle through every job), each deploying."""
    def build(root: Path, outside: Path) -> None:
        names = [f"j{n}" for n in range(count)]
        jobs = "".join(f"  {name}:\n    runs-on: x\n    needs: {'&all ' + json.dumps(names) if not n else '*all'}\n"
                       f"    environment: production\n    steps:\n      - run: ./deploy.sh\n" for n, name in enumerate(names))
        write(root, ".github/workflows/ci.yml", "on: push\njobs:\n" + jobs)

    return build


def azure_artifact_jobs(root: Path, outside: Path) -> None:
    first = "".join(f"      - job: a{n}\n        steps:\n          - publish: out\n            artifact: art{n}\n" for n in range(1000))
    second = "".join(f"      - job: b{n}\n        steps:\n          - download: current\n" for n in range(1000))
    write(root, "azure-pipelines.yml", "trigger: [main]\nstages:\n  - stage: A\n    jobs:\n" + first
          + "  - stage: B\n    jobs:\n" + second)


def workflow_run_mesh(root: Path, outside: Path) -> None:
    names = [f"w{n}" for n in range(100)]
    for name in names:
        write(root, f".github/workflows/{name}.yml", f"name: {name}\non:\n  workflow_run:\n    workflows: {json.dumps(names)}\n"
              f"    types: [completed]\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: make\n")


def template_variables(root: Path, outside: Path) -> None:
    variables = "".join(f"    V{n}: value{n}\n" for n in range(3000))
    jobs = "".join(f"j{n}:\n  extends: .base\n  script: [make]\n" for n in range(3000))
    write(root, ".gitlab-ci.yml", f".base:\n  variables:\n{variables}" + jobs)


def with_config(text: str) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        write(root, ".cdlint.yaml", text)

    return build


def redos_environment(root: Path, outside: Path) -> None:
    write(root, ".github/workflows/ci.yml", _github().replace("production", "a" * 40 + "!"))


def redos_signal(root: Path, outside: Path) -> None:
    write(root, ".cdlint.yaml", "signals:\n  - command: '(a+)+$'\n    tags: deploy:script\n    examples: [aaa]\n")
    write(root, ".github/workflows/ci.yml", _github(run="a" * 40 + "!"))


def then(*builds: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        for one in builds:
            one(root, outside)

    return build


def _cases() -> list[Case]:
    found = [
        # --- reads outside the repository: the configuration and the baseline ---
        Case("config-extends-absolute-path", config("extends: {outside}/secret.yaml\n", secret_outside),
             exit=(2,), expect=r"outside the repository", absent=("hunter2", "root:")),
        Case("config-extends-etc-passwd", config("extends: /etc/passwd\n"), exit=(2,),
             expect=r"outside the repository", absent=("daemon", "root:")),
        Case("config-extends-dot-dot", config("extends: ../outside/secret.yaml\n", secret_outside), exit=(2,),
             expect=r"outside the repository", absent=("hunter2",)),
        Case("config-extends-dev-zero", config("extends: /dev/zero\n"), exit=(2,), expect=r"outside the repository"),
        Case("config-extends-fifo", config("extends: ci/base.yaml\n", lambda r, o: fifo(r, "ci/base.yaml")), exit=(2,),
             expect=r"ci/base\.yaml.* is not a regular file"),
        Case("config-extends-symlink-out", config("extends: base.yaml\n", then(secret_outside,
             lambda r, o: link(r, "base.yaml", o / "secret.yaml"))), exit=(2,), expect=r"outside the repository",
             absent=("hunter2",)),
        Case("config-extends-large-file", config("extends: big.yaml\n", lambda r, o: write(r, "big.yaml", "# x\n" * (MIB // 2))),
             exit=(2,), expect=r"larger than the \d+ byte limit"),
        Case("config-extends-not-a-configuration", config("extends: notes.yaml\n", lambda r, o: write(
             r, "notes.yaml", "password: hunter2\napi-token: SECRET\n")), exit=(2,), expect=r"is not a cdlint configuration",
             absent=("hunter2", "SECRET", "password")),
        Case("config-symlink-out", with_workflow(then(secret_outside, lambda r, o: link(r, ".cdlint.yaml", o / "secret.yaml"))),
             exit=(2,), expect=r"\.cdlint\.yaml.* outside the repository", absent=("hunter2",)),
        Case("config-fifo", with_workflow(lambda r, o: fifo(r, ".cdlint.yaml")), exit=(2,),
             expect=r"\.cdlint\.yaml.* is not a regular file"),
        Case("config-option-dev-zero", with_workflow(), argv=("check", "--config", "/dev/zero", "."), exit=(2,),
             expect=r"/dev/zero.* is not a regular file", reads=("/dev/zero",)),
        Case("config-non-string-key", config("1: x\n"), exit=(2,), expect=r"\.cdlint\.yaml:1:1: a key must be a string"),
        Case("config-null-rule-id", config("rules:\n  ~: disable\n"), exit=(2,), expect=r"\.cdlint\.yaml:2:3: a key must be a string"),
        Case("config-deep-yaml", with_workflow(deep_flow(".cdlint.yaml", "rules: ")), exit=(2,), expect=r"nested deeper than"),
        Case("pyproject-deep", with_workflow(lambda r, o: write(r, "pyproject.toml", "a = " + "[" * 100_000 + "]" * 100_000
             + "\n[tool.cdlint]\nfail-on = 'never'\n")), exit=(2,), expect=r"pyproject\.toml: nested too deeply"),
        Case("baseline-outside", config("baseline: ../outside/base.json\n", lambda r, o: write(o, "base.json", "{}")),
             exit=(2,), expect=r"baseline: '\.\./outside/base\.json' is outside the repository"),
        Case("baseline-symlink-out", config("baseline: base.json\n", then(secret_outside,
             lambda r, o: link(r, "base.json", o / "secret.yaml"))), exit=(2,), expect=r"outside the repository",
             absent=("hunter2",)),
        Case("baseline-fifo", with_workflow(lambda r, o: fifo(r, "base.json")), argv=("check", "--baseline", "base.json", "."),
             exit=(2,), expect=r"base\.json' is not a regular file"),
        Case("baseline-deep", with_workflow(lambda r, o: write(r, "base.json", "[" * 100_000 + "]" * 100_000)),
             argv=("check", "--baseline", "base.json", "."), exit=(2,), expect=r"nested too deeply"),
        Case("maturity-baseline-fifo", with_workflow(lambda r, o: fifo(r, "maturity.json")),
             argv=("maturity", "--baseline", "maturity.json", "."), exit=(2,), expect=r"is not a regular file"),
        # --- writes through symlinks ---
        Case("sarif-over-symlink", sarif_symlink, argv=("check", "--format", "sarif", "-o", "cdlint.sarif", "."),
             writes=("cdlint.sarif",), unchanged=("victim",), verify=written_file("cdlint.sarif")),
        Case("baseline-over-symlink", sarif_symlink, argv=("check", "--write-baseline", "baseline.json", "."), exit=(0,),
             writes=("baseline.json",), unchanged=("victim",), verify=written_file("baseline.json")),
        Case("maturity-html-over-symlink", sarif_symlink, argv=("maturity", "--format", "html", "-o", "report.html", "."),
             exit=(0,), writes=("report.html",), unchanged=("victim",), verify=written_file("report.html")),
        Case("init-over-symlink", init_symlink, argv=("init", "--force", "."), exit=(2,), expect=r"is a symlink",
             unchanged=("victim",)),
        Case("init-over-dangling-symlink", init_dangling, argv=("init", "."), exit=(2,), expect=r"is a symlink"),
        # --- code of the repository run as a plugin or module ---
        Case("python-m-in-repository", plugin_in_repository, module=True, exit=(0,), verify=no_marker),
        # --- regular expressions on long text ---
        *(Case(f"long-script-line-{platform}", pipeline(platform, "a" * 100_000)) for platform in PIPELINE_FILES),
        *(Case(f"long-script-lines-{platform}", long_lines(platform), seconds=5) for platform in PIPELINE_FILES),
        Case("long-stage-name-to-to", lambda r, o: write(r, ".github/workflows/ci.yml", _github(job_name="to-" * 20_000 + "!"))),
        Case("long-stage-name-deploy", lambda r, o: write(r, ".github/workflows/ci.yml", _github(job_name="deploy " * 8_000 + "x"))),
        Case("user-environment-pattern-redos", then(with_config("environments:\n  production: ['(a+)+$']\n"), redos_environment)),
        Case("production-env-option-redos", redos_environment, argv=("check", "--production-env", "(a+)+$", ".")),
        Case("user-signal-redos", redos_signal),
        # --- expansion ---
        Case("composite-uses-itself", composite_self, expect=r"uses itself"),
        Case("composite-fan-out", composite_fanout, expect=r"more than \d+ steps"),
        Case("reusable-workflow-fan-out", reusable_fanout, expect=r"more than \d+ (stages|jobs)"),
        Case("reusable-workflow-cycle", reusable_cycle, expect=r"calls itself"),
        # --- YAML and Groovy nesting ---
        Case("deep-flow-sequence-github", deep_flow(".github/workflows/ci.yml"), exit=(1,), expect=r"parse-error"),
        Case("deep-flow-mapping-gitlab", deep_flow_mapping, exit=(1,), expect=r"parse-error"),
        Case("deep-flow-azure-template", then(lambda r, o: write(r, "azure-pipelines.yml", "trigger: [main]\nsteps:\n"
             "  - template: t.yml\n"), deep_flow("t.yml", "steps: ")), exit=(1,), expect=r"t\.yml:1:\d+: error parse-error"),
        Case("deep-flow-include", then(lambda r, o: write(r, ".gitlab-ci.yml", "include: [{local: /ci/x.yml}]\n" + _gitlab("make")),
             deep_flow("ci/x.yml")), exit=(1,), expect=r"parse-error"),
        Case("deep-block-mapping", deep_block, exit=(1,), expect=r"parse-error"),
        Case("deep-groovy-parentheses", deep_groovy("(", ")"), expect=r"parse-error|nested"),
        Case("deep-groovy-lists", deep_groovy("[", "]"), expect=r"parse-error|nested"),
        Case("deep-groovy-closures", deep_groovy("{ ", " }"), expect=r"parse-error|nested"),
        # --- FIFOs and devices ---
        Case("workflow-fifo", workflow_fifo, expect=r"hang\.yml: not a regular file"),
        Case("gitlab-include-fifo", gitlab_include_fifo, exit=(1,), expect=r"ci/jobs\.yml' is not a regular file"),
        Case("azure-template-fifo", azure_template_fifo, exit=(1,), expect=r"templates/steps\.yml' is not a regular file"),
        Case("composite-action-fifo", composite_fifo, exit=(1,), expect=r"action\.yml' is not a regular file"),
        Case("jenkins-load-fifo", jenkins_load_fifo),
        Case("pipeline-symlink-to-device", device_link, expect=r"\.gitlab-ci\.yml: outside the repository"),
        Case("check-dev-zero", lambda r, o: None, argv=("check", "/dev/zero"), exit=(2,), expect=r"/dev/zero: not a regular file",
             reads=("/dev/zero",)),
        # --- volume ---
        Case("ignore-comments-10000", many_ignores(10_000)),
        Case("findings-20000", many_findings, exit=(1,), seconds=5, expect=r"200\d\d findings"),
        Case("random-jenkinsfile-500k", random_jenkinsfile, seconds=5),
        # maturity runs the rules and then its detectors over the same ~1,000 stages: the
        # largest work of any case (1.6 s on its own, 2.1 s under the audit hook).
        *(Case(f"fuzzed-{name}{suffix}", fuzzed(name), argv=argv, seconds=seconds)
          for name in sorted(p.name for p in REGRESSIONS.glob("*-timeout-*"))
          for suffix, argv, seconds in (("", ("check", "."), 2), ("-maturity", ("maturity", "."), 5))),
        # --- graph blow-ups ---
        Case("gitlab-stage-barrier", gitlab_jobs(1000), exit=(1,), expect=TOO_LARGE),
        Case("gitlab-stage-barrier-within-budget", gitlab_jobs(223)),
        Case("needs-mesh", needs_mesh(223), exit=(1,)),
        Case("needs-mesh-too-large", needs_mesh(300), exit=(1,), expect=TOO_LARGE),
        Case("azure-artifact-stages", azure_artifact_jobs, exit=(1,), expect=TOO_LARGE),
        Case("workflow-run-mesh", workflow_run_mesh),
        Case("template-variables", template_variables, seconds=5),
        # --- text that is not what it seems ---
        *(Case(f"surrogates-{platform}-{format_}", surrogate(platform), argv=("check", "--format", format_, "-o", "out", "."),
               writes=("out",), verify=written_file("out")) for platform in ("github", "jenkins") for format_ in CHECK_FORMATS),
        *(Case(f"surrogates-maturity-{format_}", surrogate("github"), argv=("maturity", "--format", format_, "."), exit=(0,))
          for format_ in MATURITY_FORMATS),
        *(Case(f"surrogates-graph-{format_}", surrogate("github"), argv=("graph", "--format", format_, "."), exit=(0,))
          for format_ in GRAPH_FORMATS),
        *(Case(f"undecodable-file-name-{format_}", undecodable_name, argv=("check", "--format", format_, "."),
               verify=json_output if format_ in ("json", "sarif", "codequality") else None) for format_ in CHECK_FORMATS),
        Case("undecodable-file-name-maturity", undecodable_name, argv=("maturity", "--format", "json", "."), exit=(0,),
             verify=json_output),
        *(Case(f"long-names-{command}", long_names, argv=(command, "."), exit=(0, 1)) for command in ("check", "graph", "maturity")),
        Case("azure-trigger-tags-null", azure_trigger_tags_null),
        # --- silent passes ---
        Case("unreadable-workflows", lambda r, o: write(r, ".github/workflows/ci.yml", WORKFLOW), deny=(".github/workflows",),
             exit=(2,), expect=r"cannot read \.github/workflows"),
        Case("unreadable-folder-beside-pipelines", lambda r, o: (write(r, ".github/workflows/ci.yml", WORKFLOW),
             write(r, "ci/azure-pipelines.yml", _azure("make"))), deny=("ci",), expect=r"cdlint: cannot read ci: Permission denied; skipped"),
        Case("parse-error-disabled-by-repository", broken_workflow, exit=(0,)),
        Case("no-repo-config", broken_workflow, argv=("check", "--no-repo-config", "."), exit=(1,), expect=r"parse-error"),
        Case("rule-internal-error", with_workflow(), break_rule="ungated-production-deploy", exit=(2,),
             expect=r"(?s)(?=.*internal error in rule 'ungated-production-deploy'.*please report it)(?=.*no-rollback-path)"),
        Case("rule-internal-error-maturity", with_workflow(), argv=("maturity", "."), break_rule="ungated-production-deploy",
             exit=(2,), expect=r"internal error in rule 'ungated-production-deploy'"),
        # --- injection into what is printed ---
        *(Case(f"control-characters-{format_}", control_names, argv=("check", "--format", format_, "--color", "never", "."),
               absent=("\x1b", "\x07", "\x9b"), verify=no_workflow_command) for format_ in ("text", "concise")),
        Case("control-characters-maturity", control_names, argv=("maturity", "."), exit=(0,), absent=("\x1b", "\x07", "\x9b")),
        Case("control-characters-graph", control_names, argv=("graph", "."), exit=(0,), absent=("\x1b", "\x07", "\x9b")),
        Case("markdown-maturity", markdown_names, argv=("maturity", "--format", "markdown", "."), exit=(0,), verify=markdown_escaped),
        Case("markdown-check", markdown_names, argv=("check", "--format", "markdown", "."), verify=markdown_escaped),
        # --- the validated-configuration cache ---
        Case("cache-inside-repository-poisoned", poisoned_cache, env={"CDLINT_CACHE_DIR": "{root}/cache"}, exit=(2,),
             expect=r"unknown rule"),
        Case("cache-special-files", special_cache, env={"CDLINT_CACHE_DIR": "{outside}/fifo-cache"}),
        Case("cache-relative-xdg", config("fail-on: error\n"), env={"CDLINT_CACHE_DIR": "", "XDG_CACHE_HOME": "."},
             verify=nothing_written_in_root),
    ]
    return found


CASES = _cases()
