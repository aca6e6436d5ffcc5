"""Images named in steps: what a step pushes (and with which tags), what a deploy runs.

Reading arguments, not deciding what a step does: these read steps that classification
has already tagged (a push is a ``publish:image`` step).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cdlint.classify import text as texts
from cdlint.model import Stage, Step
from cdlint.values import value

# Steps that push images whose tags are an input rather than part of a command:
# step name → (input holding the tags, input holding the image name or None when
# the tags are full references, default tags when the input is absent).
IMAGE_TAG_INPUTS: dict[str, tuple[str, str | None, str]] = {
    "docker/build-push-action": ("tags", None, ""),
    "redhat-actions/push-to-registry": ("tags", "image", "latest"),
    "docker": ("tags", "repository", "$(Build.BuildId)"),
    "docker.push": ("tags", "image", "latest"),  # Jenkins Docker Pipeline's image.push()
    "mr-smithers-excellent/docker-build-push": ("tags", "image", "latest"),
    "1es.pushcontainerimage": ("image", None, ""),
}


def _has(tags, prefix: str) -> bool:
    return any(t == prefix or t.startswith(prefix + ":") for t in tags)


# As cdlint.parsers.github._EXPR: what an expression holds, untrimmed.
_GH_EXPR = re.compile(r"\$\{\{((?:(?!\$\{\{)[^}]|\}(?!\}))*)\}\}")
_TOKEN_SPLIT = re.compile(r"[\s'\",;=]+")
# name[:tag]: a registry host with an optional port, a path, no URL scheme.
# One piece of a name or tag: plain characters, or a variable of any platform
# (``${{ env.TAG }}``, ``${VERSION}``, ``${p['java.main.tag']}``, ``$(Build.BuildId)``, ``$TAG``).
_PIECE = rf"(?:[\w.-]|{texts.VARIABLE}|[()])+"
_IMAGE = re.compile(rf"^(?P<name>{_PIECE}(?::\d+)?(?:/{_PIECE})*)(?::(?P<tag>{_PIECE}))?(?:@sha256:[0-9a-f]+)?$")
_PUSHED = re.compile(
    r"(?:(?:docker|podman|buildah)\s+(?:image\s+|manifest\s+)?push(?:\s+-\S+)*|docker\s+tag\s+\S+|(?:\s|^)(?:-t|--tag|--destination)[= ])\s*['\"]?(\S+)"
)


@value
class ImageRef:
    """An image named in a step: its name and tag (None when no tag is written)."""

    name: str
    tag: str | None
    step: Step

    @property
    def mutable(self) -> bool:
        """Whether the tag moves: ``latest``, a branch name or a branch variable."""
        if self.tag is None:
            return False
        tag = self.tag.lower()
        from cdlint.classify import default

        signals = default().signals
        return tag in signals.mutable_tags or bool(signals.branch_variables.fullmatch(self.tag))

    @property
    def short(self) -> str:
        return self.name.rstrip("/").rsplit("/", 1)[-1].lower()

    def __str__(self) -> str:
        return f"{self.name}:{self.tag}" if self.tag else self.name


def _compact(text: str) -> str:
    """``${{ env.IMAGE }}`` as one token, ``${{env.IMAGE}}``."""
    return _GH_EXPR.sub(lambda m: "${{" + m[1].strip().replace(" ", "") + "}}", text)


def _image(token: str, step: Step) -> ImageRef | None:
    token = token.strip("'\"`")
    while token.endswith(")") and token.count(")") > token.count("("):
        token = token[:-1]
    if not token or token.startswith(("-", "(")) or "://" in token or token.endswith(":"):
        return None
    match = _IMAGE.match(token)
    if not match or not re.search(r"[A-Za-z$]", match["name"]):
        return None
    return ImageRef(match["name"], match["tag"], step)


def image_name(reference: str) -> str | None:
    """The name of an image reference without its tag or digest (``registry/app``)."""
    match = _IMAGE.match(reference.strip())
    return match["name"] if match else None


# A variable written in a command or an input: ``$IMAGE``, ``${IMAGE}``, ``$(imageTag)``,
# ``${{ env.IMAGE }}`` (compacted), ``${{variables.tag}}``.
_REFERENCE = re.compile(r"\$\{\{(?:env|variables)\.([\w.-]+)\}\}|\$\{(\w+)\}|\$\(([\w.]+)\)|\$(\w+)")
_MAX_EXPANDED = 512
# A value that can stand in an image reference: names, tags and variables, nothing
# computed (a Jenkinsfile's ``IMAGE = readMavenPom().getArtifactId()`` is kept as source).
_IMAGE_TEXT = re.compile(rf"(?:[\w.:/@-]|{texts.VARIABLE})*")


def variables_of(stage: Stage) -> dict[str, str]:
    """The variables a stage's file sets for it, by name and by lowercase name (Azure's
    are case-insensitive); later definitions win."""
    found: dict[str, str] = {}
    for name, value, _ in stage.variables:
        found[name] = value
        found.setdefault(name.lower(), value)
    return found


def expand(text: str, variables: Mapping[str, str] | None) -> str:
    """``text`` with the variables the file sets filled in, three rounds deep (a variable
    made of others), never growing past a bound: a value that names itself stays short."""
    if not variables or "$" not in text:
        return text

    def value(match: re.Match) -> str:
        name = next(g for g in match.groups() if g is not None)
        found = variables.get(name, variables.get(name.lower()))
        return match[0] if found is None or not _IMAGE_TEXT.fullmatch(found) else found

    for _ in range(3):
        replaced = _REFERENCE.sub(value, text)
        if replaced == text or len(replaced) > _MAX_EXPANDED:
            break
        text = replaced
    return text


def pushed_images(step: Step, variables: Mapping[str, str] | None = None) -> list[ImageRef]:
    """Images a step builds with a name, tags or pushes (``docker push``, ``-t``, the
    tags of a build-and-push action or task), with the ``variables`` of its stage filled
    in (``docker push $IMAGE`` where ``IMAGE: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA``)."""
    found: list[ImageRef] = []
    if step.run:
        for match in _PUSHED.finditer(_compact(step.run)):
            ref = _image(expand(match[1], variables), step)
            if ref is not None:
                found.append(ref)
        return found
    spec = IMAGE_TAG_INPUTS.get((step.uses or "").partition("@")[0].lower())
    if spec is None or not _has(step.tags, "publish:image"):
        return found
    tags_input, name_input, default = spec
    inputs = {k.lower(): v for k, v in step.inputs}
    listed = [t for t in re.split(r"[\s,]+", _compact(inputs.get(tags_input, "") or default)) if t]
    name = inputs.get(name_input, "") if name_input else ""
    for item in listed:
        ref = _image(expand(f"{name}:{item}" if name_input else item, variables), step)
        if ref is not None:
            found.append(ref)
    return found


def published_images(stage: Stage) -> list[ImageRef]:
    """Images a stage pushes to a registry, with their tags (rehearsals left out)."""
    return [
        ref
        for step in stage.steps
        if _has(step.tags, "publish:image") and "rehearsal" not in step.tags
        for ref in pushed_images(step, variables_of(stage))
        if ref.tag is not None
    ]


def image_tokens(step: Step) -> list[ImageRef]:
    """Every ``name:tag`` written in a step: the images it may deploy, pull or run."""
    found = []
    for token in _TOKEN_SPLIT.split(_compact(step.text)):
        if ":" in token:
            ref = _image(token, step)
            if ref is not None and ref.tag is not None:
                found.append(ref)
    return found


# Arguments that name the image a deploy runs (``--image``, ``kubectl set image``,
# ``images:`` of a deploy action), and Helm values that set its tag.
_DESIGNATED = re.compile(
    r"(?i)(?:(?:--image(?:-name)?|--docker-custom-image-name|--container-image-name)(?:=|\s+)"
    r"|(?<![\w.-])(?:images?|containers|imagename|image-name)(?:=|:\s*))['\"]?([^\s'\",]+)"
)
_SET_IMAGE = re.compile(r"set\s+image\s+\S+((?:\s+[\w.-]+=\S+)+)")
_HELM_TAG = re.compile(r"(?i)(?:--set(?:-string)?[= ][^\s=,]*?|,)(?:image\.tag|imageTag|image_tag|tag)=['\"]?([\w.${}()-]+)")


def designated_images(step: Step) -> list[ImageRef]:
    """Images a deploy step names as the one to run, by its arguments."""
    text = _compact(step.text)
    found = [r for r in (_image(m[1], step) for m in _DESIGNATED.finditer(text)) if r is not None]
    for match in _SET_IMAGE.finditer(text):
        for pair in match[1].split():
            ref = _image(pair.partition("=")[2], step)
            if ref is not None:
                found.append(ref)
    found += [ImageRef("image.tag", m[1], step) for m in _HELM_TAG.finditer(text)]
    return found
