from collections.abc import Iterator

from cdlint.finding import Finding
from cdlint.model import Project
from cdlint.rule import rule


@rule(id="parse-error", practice="valid-pipeline", severity="error")
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A pipeline file, or a file it includes, cannot be read.

    Invalid YAML or Groovy, duplicate keys, a file that is empty, binary, not
    UTF-8 or too big, aliases that expand without bound, an include that
    escapes the repository or loops: the platform would reject the file or
    run something other than what it seems to say, and cdlint can analyse
    only what it could read. Other files are still analysed.

    Fix: correct the file at the reported position.
    """
    for problem in project.problems("parse-error"):
        yield Finding(problem.span, problem.message, key=problem.key or problem.message)
