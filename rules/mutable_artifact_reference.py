from collections.abc import Iterator

from cdlint import analysis
from cdlint.classify import images
from cdlint.classify import text as texts
from cdlint.classify.images import ImageRef
from cdlint.finding import Evidence, Finding
from cdlint.model import Project, Stage
from cdlint.rule import rule, tiers_option

TIERS = tiers_option(["production", "staging", "testing", "other"], "tiers of the environments whose deploys must name an immutable version (deploys that name no environment are checked too)")


def _own_images(project: Project) -> set[str]:
    """Short names of the images the pipelines build or push."""
    return {
        ref.short
        for stage in project.stages()
        for step in stage.steps
        if analysis.has_tag(step.tags, "publish:image") or analysis.has_tag(step.tags, "build:docker")
        for ref in images.pushed_images(step)
    }




def _job_images(project: Project) -> list[str]:
    """Names (no tag or digest) of the images the pipelines run their own jobs in."""
    return [name for stage in project.stages() if stage.image and (name := images.image_name(stage.image))]


def _runs_jobs(ref: ImageRef, job_images: list[str]) -> bool:
    """Whether a pushed image is one the pipelines run their jobs in: a CI build image,
    whose ``latest`` is the moving pointer jobs are meant to follow. A part of the pushed
    name that is a variable (``$CI_REGISTRY_IMAGE/$IMAGE_NAME``) matches any one part."""
    pushed = ref.name.split("/")
    for name in job_images:
        parts = name.split("/")
        if len(parts) == len(pushed) and any(a == b for a, b in zip(pushed, parts)) and all(
            a == b or texts.is_variable(a) for a, b in zip(pushed, parts)
        ):
            return True
    return False


def _mutable_deploy_refs(stage: Stage, own: set[str]) -> list[ImageRef]:
    found: list[ImageRef] = []
    for step in stage.steps:
        if analysis.has_tag(step.tags, "publish") or analysis.has_tag(step.tags, "build"):
            continue
        designated = images.designated_images(step)
        for ref in designated:
            implicit = ref.tag is None and "$" not in ref.name and ref.name != "image.tag"
            if ref.mutable or implicit:
                found.append(ref)
        seen = {str(r) for r in designated}
        for ref in images.image_tokens(step):
            if ref.mutable and ref.short in own and str(ref) not in seen:
                found.append(ref)
    return found


@rule(id="mutable-artifact-reference", practice="immutable-artifacts", severity="warning", options={"tiers": TIERS})
def check(project: Project, options: dict) -> Iterator[Finding]:
    """A deploy names what it ships by a mutable reference (`:latest`, a branch tag, an unpinned chart), or images are published only as `latest`.

    Build once, deploy anywhere works only if the deploy can name the exact
    build that was tested: a version, a tag derived from the commit, or a
    digest. `app:latest`, `app:main` or `app:$CI_COMMIT_BRANCH` name
    whatever was pushed last; between the test and the deploy, or between
    staging and production, another run can move the tag, and a rollback
    to "the previous latest" is impossible. A remote Helm chart installed
    without `--version` has the same problem. An image published only as
    `latest` leaves nothing immutable to deploy at all.

    cdlint reports deploy steps that name an image by a moving tag (as the
    image argument of `kubectl set image`, `--image`, a deploy action's
    `images`, Helm's `image.tag`, or any mention of an image the pipelines
    build themselves), remote charts without `--version`, and publish
    steps whose every pushed tag moves. Tool images (`bitnami/kubectl:latest`
    as a job's container) are not what is shipped and are left alone, and so
    are images the pipelines build to run their own jobs in (a CI image
    pushed as `latest` for the next jobs to pick up).

    Fix: tag images with the commit SHA or the release version (and deploy
    by digest where the platform allows), pass that reference from the
    build to the deploy, and pin chart versions.

    Bad (GitHub Actions):

        build:
          steps: [{run: docker build -t ghcr.io/acme/app:latest . && docker push ghcr.io/acme/app:latest}]
        deploy:
          needs: build
          environment: production
          steps: [{run: kubectl set image deployment/app app=ghcr.io/acme/app:latest}]

    Good:

        build:
          steps: [{run: docker build -t ghcr.io/acme/app:${{ github.sha }} . && docker push ghcr.io/acme/app:${{ github.sha }}}]
        deploy:
          needs: build
          environment: production
          steps: [{run: kubectl set image deployment/app app=ghcr.io/acme/app:${{ github.sha }}}]
    """
    tiers = set(options["tiers"])
    own = _own_images(project)
    job_images = _job_images(project)
    # Jobs made from one template push with the same step: one finding for all of them.
    reported_pushes: set[frozenset] = set()
    for stage in project.stages():
        if stage.has("deploy") and (stage.environment is None or stage.environment.tier in tiers):
            refs = _mutable_deploy_refs(stage, own)
            charts = analysis.unpinned_charts(stage)
            if refs or charts:
                evidence = [Evidence(r.step.span, f"deploys '{r}'" if r.name != "image.tag" else f"sets image tag '{r.tag}'") for r in refs]
                evidence += [Evidence(step.span, f"installs chart '{chart}' without --version") for step, chart in charts]
                what = f"'{refs[0]}'" if refs and refs[0].name != "image.tag" else (f"image tag '{refs[0].tag}'" if refs else f"chart '{charts[0][1]}' without a version")
                where = f" to '{stage.environment.name}'" if stage.environment else ""
                yield Finding(
                    stage.span,
                    f"'{stage.name}' deploys {what}{where}, a reference that moves instead of the version built upstream",
                    tuple(evidence),
                    key=stage.key,
                )
                continue
        tagged = images.published_images(stage)
        if tagged and all(r.mutable for r in tagged) and not all(_runs_jobs(r, job_images) for r in tagged):
            spans = frozenset(r.step.span for r in tagged)
            if spans in reported_pushes:
                continue
            reported_pushes.add(spans)
            names = ", ".join(sorted({f"'{r}'" for r in tagged}))
            yield Finding(
                stage.span,
                f"'{stage.name}' publishes {names} only, with no version or commit tag to deploy",
                tuple(sorted({Evidence(r.step.span, f"pushes '{r}'") for r in tagged})),
                key=stage.key + "#publish",
            )
