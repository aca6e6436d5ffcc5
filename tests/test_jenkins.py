"""Jenkins specifics the golden graphs and rule fixtures do not pin down."""

import pytest

from cdlint import classify
from cdlint.parsers import jenkins

DECLARATIVE = """pipeline {{
    agent any
    options {{ {option} }}
    triggers {{ cron('H 2 * * *') }}
    stages {{
        stage('Test') {{ steps {{ sh 'make test' }} }}
    }}
}}
"""


def kinds(text: str) -> list[str]:
    return sorted(t.kind for t in classify.pipeline(jenkins.parse(text, "Jenkinsfile")).triggers)


@pytest.mark.parametrize(
    "option, expected",
    [
        ("overrideIndexTriggers(false)", ["schedule"]),
        ("overrideIndexTriggers(enableTriggers: false)", ["schedule"]),
        ("overrideIndexTriggers(true)", ["push", "schedule", "tag"]),
        ("disableConcurrentBuilds()", ["push", "schedule", "tag"]),
    ],
)
def test_override_index_triggers_stops_builds_of_pushes(option: str, expected: list[str]) -> None:
    assert kinds(DECLARATIVE.format(option=option)) == expected


def test_override_index_triggers_in_scripted_properties() -> None:
    text = (
        "properties([overrideIndexTriggers(false), pipelineTriggers([cron('@daily')])])\n"
        "node { stage('Test') { sh 'make test' } }\n"
    )
    assert kinds(text) == ["schedule"]


def test_override_index_triggers_for_some_branches_leaves_the_others_building() -> None:
    text = (
        "if (env.BRANCH_NAME != 'main') {\n    properties([overrideIndexTriggers(false)])\n}\n"
        "node { stage('Test') { sh 'make test' } }\n"
    )
    assert kinds(text) == ["push", "tag"]


@pytest.mark.parametrize(
    "script",
    ["docker build -t shop:${env.BUILD_NUMBER} .", "mvn -B versions:set -DnewVersion=1.4.$BUILD_NUMBER", "docker tag shop shop:${GIT_COMMIT}"],
)
def test_groovy_and_shell_build_variables_version_a_build(script: str) -> None:
    assert "version:commit" in classify.command_tags(script)


def steps(text: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    [stage] = classify.pipeline(jenkins.parse(text, "Jenkinsfile")).stages
    return [(s.uses, s.inputs) for s in stage.steps]


def test_chained_docker_push_builds_then_publishes() -> None:
    text = "node { stage('Image') { docker.build('ghcr.io/acme/app:1.2').push() } }\n"
    assert steps(text) == [
        ("docker.build", (("value", "ghcr.io/acme/app:1.2"),)),
        ("docker.push", (("image", "ghcr.io/acme/app"), ("tags", "1.2"))),
    ]


def test_docker_push_names_the_image_and_the_tag_it_pushes() -> None:
    text = """node {
    stage('Image') {
        def image = docker.build("registry.example.com:5000/shop/api:${env.BUILD_NUMBER}")
        image.push()
        image.push('latest')
        def other = docker.build(imageName)
        other.push()
    }
}
"""
    pushes = [inputs for uses, inputs in steps(text) if uses == "docker.push"]
    assert pushes == [
        (("image", "registry.example.com:5000/shop/api"), ("tags", "${env.BUILD_NUMBER}")),
        (("image", "registry.example.com:5000/shop/api"), ("tags", "latest")),
        (),
    ]


@pytest.mark.parametrize(
    "step, stages",
    [("sh 'helm rollback shop'", ["Deploy", "post: failure"]), ("slackSend message: 'failed'", ["Deploy"])],
)
def test_pipeline_post_that_rolls_back_is_a_stage_run_on_failure(step: str, stages: list[str]) -> None:
    text = f"""pipeline {{
    agent any
    stages {{
        stage('Deploy') {{ steps {{ sh 'helm upgrade --install shop charts/shop' }} }}
    }}
    post {{
        failure {{ {step} }}
    }}
}}
"""
    pipeline = classify.pipeline(jenkins.parse(text, "Jenkinsfile"))
    assert [s.name for s in pipeline.stages] == stages
    assert [s.when for s in pipeline.stages[1:]] == ["on_failure"] * (len(stages) - 1)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("'staging'", ("staging", "staging", False)),
        ('"preview-${env.CHANGE_ID}"', ("preview-${env.CHANGE_ID}", "staging", True)),
        # A per-change environment is a preview: a prerelease, not production.
        ('"pr-$CHANGE_ID"', ("pr-$CHANGE_ID", "staging", True)),
        ('"production-${REGION}"', ("production-${REGION}", "production", True)),
        # A choice computed inside the string, or a bare variable, is chosen at run time:
        # no production delivery is claimed (one that follows the branch is per change).
        ("\"${env.BRANCH_NAME == 'main' ? 'production' : 'staging'}\"",
         ("${env.BRANCH_NAME == 'main' ? 'production' : 'staging'}", "other", True)),
        ('"${params.TARGET}"', ("${params.TARGET}", "other", True)),
        ('"${env.BRANCH_NAME}"', ("${env.BRANCH_NAME}", "staging", True)),
    ],
)
def test_deploy_environment_from_a_variable(value: str, expected: tuple | None) -> None:
    text = f"""pipeline {{
    agent any
    stages {{
        stage('Ship') {{
            environment {{ DEPLOY_ENV = {value} }}
            steps {{ sh './deploy.sh "$DEPLOY_ENV"' }}
        }}
    }}
}}
"""
    [stage] = classify.pipeline(jenkins.parse(text, "Jenkinsfile")).stages
    env = stage.environment
    assert (env and (env.name, env.tier, env.dynamic)) == expected


SCRIPTED_STASHES = """node {
    stage('Build') { sh 'make'; stash name: 'dist', includes: 'dist/**' }
    stage('Deploy') { unstash 'dist'; sh './deploy.sh' }
    stage('Rebuild') { sh 'make'; stash name: 'dist', includes: 'dist/**' }
    stage('Any') { unstash "${env.WHICH}" }
}
"""


def test_unstash_takes_a_stash_made_before_it_never_one_made_after() -> None:
    pipeline = jenkins.parse(SCRIPTED_STASHES, "Jenkinsfile")
    ids = {s.key: s.id for s in pipeline.stages}
    artifacts = sorted((ids[e.source], ids[e.target]) for e in pipeline.edges if e.kind == "artifact")
    # 'Any' names what it takes at run time: any stash made before it.
    assert artifacts == [("Build", "Any"), ("Build", "Deploy"), ("Rebuild", "Any")]
