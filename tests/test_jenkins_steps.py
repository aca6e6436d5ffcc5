"""Jenkins steps: what cdlint reads them as doing, and what they point at that it does not read."""

import pytest

from cdlint import classify
from cdlint.classify import call_tags, command_tags
from cdlint.parsers import jenkins


@pytest.mark.parametrize(
    "step, inputs, tags",
    [
        ("recordIssues", {"tools": "[java(), checkStyle(pattern: 'target/checkstyle-result.xml')]"}, {"scan:lint"}),
        ("recordIssues", {"tools": "[owaspDependencyCheck(pattern: 'target/dependency-check-report.json')]"},
         {"scan:lint", "scan:dependency"}),
        ("recordIssues", {"tool": "trivy(pattern: 'trivy.json')"}, {"scan:lint", "scan:container"}),
        ("recordIssues", {"tools": "[bandit(pattern: 'bandit.json'), pyLint()]"}, {"scan:lint", "scan:sast"}),
        ("scanForIssues", {"tool": "goVet(pattern: 'vet.log')"}, {"scan:lint"}),
        ("scanForIssues", {"tool": "grype()"}, {"scan:lint", "scan:container"}),
        ("publishIssues", {"issues": "[vet]"}, set()),
    ],
)
def test_warnings_ng_steps_scan_for_security_only_with_a_security_tool(step: str, inputs: dict, tags: set) -> None:
    assert set(call_tags("jenkins", step, inputs)) == tags


@pytest.mark.parametrize("step", ["gatlingArchive", "jmhReport", "perfReport"])
def test_performance_report_steps_show_a_performance_test(step: str) -> None:
    assert "test:performance" in call_tags("jenkins", step)


@pytest.mark.parametrize(
    "command, performance",
    [
        ("./mvnw -B gatling:test -Dgatling.simulationClass=shop.CheckoutSimulation", True),
        ("mvn -B verify jmeter:jmeter", True),
        ("./gradlew gatlingRun", True),
        ("./mvnw -B verify", False),
    ],
)
def test_load_tools_run_by_build_plugins_are_performance_tests(command: str, performance: bool) -> None:
    assert ("test:performance" in command_tags(command)) is performance


def test_each_library_of_one_annotation_is_referenced_where_it_is_named() -> None:
    text = "@Library(['acme-pipeline@v3', 'acme-notify']) _\nnode { stage('Build') { mavenBuild() } }\n"
    refs = classify.pipeline(jenkins.parse(text, "Jenkinsfile")).references
    assert [(r.target, r.span.line, r.span.column) for r in refs] == [
        ("acme-pipeline@v3", 1, 11), ("acme-notify", 1, 31),
    ]


def test_files_evaluated_with_load_are_referenced() -> None:
    text = (
        "node {\n"
        "    def ci = load 'ci/steps.groovy'\n"
        "    stage('Test') { load(path: \"ci/${env.SUITE}.groovy\") }\n"
        "}\n"
    )
    refs = classify.pipeline(jenkins.parse(text, "Jenkinsfile")).references
    assert [(r.kind, r.target, r.span.line) for r in refs] == [
        ("script", "ci/steps.groovy", 2), ("script", "ci/${env.SUITE}.groovy", 3),
    ]


def test_a_local_method_called_load_is_read_not_referenced() -> None:
    text = "def load(String name) { sh \"./load-fixtures.sh ${name}\" }\nnode { stage('Seed') { load 'users' } }\n"
    assert classify.pipeline(jenkins.parse(text, "Jenkinsfile")).references == ()


def test_stage_order_never_points_back() -> None:
    """Jenkins has no needs/dependsOn: stages run in the order the script reaches them,
    so order edges only ever lead to a later stage and cannot close a cycle, even when
    a loop or a method runs the same stage again (no dependency-cycle fixture for it)."""
    text = """
def deployTo(String name) { stage("Deploy ${name}") { sh "./deploy.sh ${name}" } }
node {
    stage('Build') { sh 'make dist' }
    for (region in ['eu', 'us']) { stage("Test ${region}") { sh 'make test' } }
    parallel a: { stage('A') { sh 'make a' } }, b: { stage('B') { stage('B inner') { sh 'make b' } } }
    deployTo('staging')
    deployTo('production')
    stage('Build') { sh 'make report' }
}
"""
    pipeline = classify.pipeline(jenkins.parse(text, "Jenkinsfile"))
    position = {f"Jenkinsfile#{s.id}": i for i, s in enumerate(pipeline.stages)}
    order = [e for e in pipeline.edges if e.kind == "order"]
    assert order and all(position[e.source] < position[e.target] for e in order)


def test_a_scripted_pipeline_is_where_its_first_pipeline_statement_is() -> None:
    text = "#!groovy\n// Builds the shop.\n\ndef helper() { echo 'hi' }\n\nnode {\n    stage('Build') { sh 'make' }\n}\n"
    pipeline = classify.pipeline(jenkins.parse(text, "Jenkinsfile"))
    assert pipeline.span.line == 6
    assert {t.span.line for t in pipeline.triggers} == {6}


@pytest.mark.parametrize("step", ["publishBuildStatusReport", "notifyDeployStatus", "downloadBuildArtifacts"])
def test_library_steps_named_for_reporting_or_preparing_do_no_work(step: str) -> None:
    assert call_tags("jenkins", step) == frozenset()


def test_library_steps_named_for_the_work_do_it() -> None:
    assert "deploy" in {t.partition(":")[0] for t in call_tags("jenkins", "deployToProd")}


def test_a_library_deploy_step_names_its_environment_by_argument() -> None:
    text = """pipeline {
    agent any
    stages {
        stage('Ship') {
            steps { deployService(environment: 'production', image: "shop:${env.GIT_COMMIT}") }
        }
    }
}
"""
    stage = classify.pipeline(jenkins.parse(text, "Jenkinsfile")).stages[0]
    assert (stage.environment.name, stage.environment.tier, stage.environment.span.line) == ("production", "production", 5)


def test_an_old_style_stage_lasts_until_the_next_one_starts_also_past_a_method_return() -> None:
    text = """def dependencies() {
    stage 'Dependencies'
    sh 'npm ci'
}

node {
    stage 'Test'
    sh 'npm test'
    dependencies()
    sh 'npm pack'
    input 'Publish?'
}
"""
    stages = {s.name: s for s in classify.pipeline(jenkins.parse(text, "Jenkinsfile")).stages}
    assert [s.run for s in stages["Test"].steps] == ["npm test"]
    assert stages["Test"].when == "on_success"
    assert [s.run for s in stages["Dependencies"].steps if s.run] == ["npm ci", "npm pack"]
    assert stages["Dependencies"].when == "manual"
