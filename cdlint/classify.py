"""What stages and steps do, and which tier an environment is: tables of signals.

Classification yields *tags*: ``kind`` or ``kind:detail`` (``test:e2e``,
``deploy:helm``) where ``kind`` is one of the stage kinds of the model, and
other signals with their own prefix (``report:junit``, ``version:commit``,
``rollback:helm``, ``artifact:upload`` …) that rules and maturity detectors
read. A stage's kinds are the kind prefixes of its tags.

The tables are data. To teach cdlint a tool, add a line:

- ``COMMANDS``: tag → regular expressions matched at the start of one shell
  command (after wrappers such as ``sudo``, ``npx``, ``poetry run``, ``VAR=x``
  are stripped; commands are split at newlines, ``&&``, ``||``, ``;``, ``|``).
- ``ANYWHERE``: tag → regular expressions searched anywhere in a command.
- ``ACTIONS``: GitHub action (``owner/repo[/path]``) → tags.
- ``TASKS``: Azure Pipelines task name → tags (``TASK_COMMANDS`` refines by
  the task's ``command`` input).
- ``ACTION_INPUTS``/``TASK_INPUTS``/``JENKINS_INPUTS``: an action's, task's or
  Jenkins step's input values that add tags (an artifact upload of test results
  is a published report).
- ``JENKINS_STEPS``: Jenkins pipeline step → tags.
- ``GITLAB_REPORTS``: GitLab ``artifacts:reports`` type → report name and tags;
  ``GITLAB_KEYWORDS``: GitLab job keyword → tags.
- ``NAME_WORDS``: word in a stage or step name → tags.
- ``TIERS``: environment tier → name patterns, checked in order.
- ``REFERENCES``: tags for templates and includes cdlint does not read, by
  their name (GitLab's ``Security/SAST.gitlab-ci.yml`` runs a scan).
- ``MUTABLE_TAGS``, ``BRANCH_VARIABLES``, ``PER_CHANGE_VARIABLES``,
  ``IMAGE_TAG_INPUTS``: what names an image by a tag that moves, and which
  variables make an environment per branch or per change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from cdlint.model import KINDS

PY = r"(?:python[\d.]*\s+-m\s+|py\s+-m\s+)?"
NPM_RUN = r"(?:npm\s+(?:run(?:-script)?\s+)?|yarn\s+(?:run\s+)?|pnpm\s+(?:run\s+)?|bun\s+(?:run\s+)?|npx\s+)"
GRADLE = r"(?:\./)?gradlew?(?:\.bat)?\b"
MVN = r"(?:\./)?mvnw?(?:\.cmd)?\b"
MAKE = r"(?:make|gmake|just|task|mise\s+run)\b(?:\s+-\S+)*"

COMMANDS: dict[str, list[str]] = {
    "build:docker": [
        r"docker\s+(?:image\s+)?build\b",
        r"docker\s+buildx\s+(?:build|bake)\b",
        r"docker[\s-]compose\b.*\sbuild\b",
        r"(?:buildah|podman)\s+(?:bud|build)\b",
        r"(?:/kaniko/)?executor\b.*--dockerfile",
        r"(?:pack|nerdctl|depot)\s+build\b",
        r"ko\s+(?:build|publish|resolve)\b",
        r"az\s+acr\s+build\b",
        r"gcloud\s+builds\s+submit\b",
    ],
    "build:vm": [r"packer\s+build\b"],
    "build:compile": [
        MAKE + r"(?:\s+(?:all|build|dist|compile|release|package|install|bin|binaries)\b.*)?\s*$",
        r"cmake\b",
        r"(?:ninja|meson\s+compile|scons|msbuild|xcodebuild(?!.*\btest\b))\b",
        r"dotnet\s+(?:build|publish|pack|msbuild)\b",
        r"go\s+build\b",
        r"cargo\s+(?:build|auditable\s+build)\b",
        r"(?:javac|tsc(?!.*--noEmit))\b",
        MVN + r".*\b(?:compile|package|install|verify)\b",
        GRADLE + r".*\b(?:build|assemble\w*|jar|bootJar|shadowJar|bundle\w*|distZip)\b",
        r"sbt\b.*\b(?:compile|package|assembly|universal:packageBin|docker:publishLocal)\b",
        r"bazel(?:isk)?\s+build\b",
        NPM_RUN + r"(?:build|compile|dist|bundle|package)(?::\S*)?\b",
        r"(?:webpack|rollup|esbuild|parcel\s+build|vite\s+build|next\s+build|ng\s+build|nuxt\s+build|gatsby\s+build)\b",
        r"(?:nx|turbo|lerna)\s+(?:run\s+)?build\b",
        r"(?:swift|stack|cabal|zig|mix|lein|dune)\s+(?:build|compile|uberjar)\b",
        r"flutter\s+build\b",
    ],
    "build:package": [
        PY + r"build\b",
        r"python[\d.]*\s+setup\.py\s+(?:sdist|bdist\w*|build)\b",
        r"(?:poetry|hatch|flit|uv|pdm|rye)\s+build\b",
        r"pip[\d.]*\s+wheel\b",
        r"(?:cibuildwheel|maturin\s+build|rattler-build|conda[\s-]build|conda\s+mambabuild|boa\s+build)\b",
        r"(?:npm|yarn|pnpm)\s+pack\b",
        r"gem\s+build\b",
        r"(?:rpmbuild|dpkg-buildpackage|debuild|fpm|electron-builder|nfpm)\b",
        r"goreleaser\b",
        r"helm\s+package\b",
    ],
    "build:docs": [
        r"(?:mkdocs\s+build|sphinx-build|jekyll\s+build|hugo(?!\s+server)\b|docusaurus\s+build|zola\s+build|mdbook\s+build)",
        r"(?:cargo\s+doc|dartdoc|dart\s+doc|typedoc|jsdoc|doxygen|pdoc|javadoc)\b",
        NPM_RUN + r"(?:docs?|build[:-]docs?|docs?[:-]build)\b",
        MAKE + r"\s+(?:\S+\s+)*(?:docs|html|doc)\b",
    ],
    "test:unit": [
        PY + r"(?:pytest|py\.test)\b(?!.*\s--(?:co|collect-only)\b)",
        PY + r"unittest\b",
        r"(?:tox|nox)\b(?!.*\s-[es]\s*\S*(?:lint|style|flake8|mypy|typ|pre-commit|docs|format|fmt|update|pin|lock|build|release|publish|bump|clean))",
        r"(?:hatch\s+test|coverage\s+run)\b",
        r"(?:npm|pnpm|bun)\s+(?:run\s+)?(?:test|t)\b",
        r"yarn\s+(?:run\s+)?test\b",
        NPM_RUN + r"(?:test|tests|coverage|spec)(?::\S*)?\b",
        r"(?:jest|vitest|mocha|karma\s+start|ava|jasmine|tap|c8|nyc)\b",
        r"(?:go\s+test|gotestsum|ginkgo)\b",
        r"cargo\s+(?:test|nextest)\b",
        # Goals and tasks are arguments of their own (not `-Dmaven.test.skip`); Maven's
        # later phases and Gradle's `build` run the unit tests unless told not to.
        MVN + r"(?!.*\s-D(?:skipTests|maven\.test\.skip)(?:=true)?(?=\s|$))(?:\s+\S+)*?\s+"
        r"(?:test|verify|package|install|deploy|integration-test|surefire:test)(?=\s|$)",
        GRADLE + r"(?!.*\s-x\s+:?(?:test|check)(?=\s|$))(?:\s+\S+)*?\s+(?::?[\w-]+:)*"
        r"(?:test\w*|check|connected\w*Check|\w+Test|build)(?=\s|$)",
        r"dotnet\s+test\b",
        # `ctest -S ctest_submit.cmake` sends results to CDash; it runs no tests.
        r"(?:ctest(?!.*submit)|meson\s+test|vstest\.console)\b",
        MAKE + r"\s+(?:\S+\s+)*(?:test|tests|check|unit|unittest|test-\S+|ci)(?=\s|$)",
        r"(?:bundle\s+exec\s+)?(?:rspec|rake\s+(?:test|spec)|minitest)\b",
        r"(?:phpunit|vendor/bin/phpunit|pest|vendor/bin/pest|codecept\s+run)\b",
        r"(?:mix|flutter|swift|stack|cabal|sbt|lein|dune|zig)\s+(?:\S+\s+)*test\b",
        r"xcodebuild\b.*\btest\b",
        r"bazel(?:isk)?\s+test\b",
        r"(?:bats|prove)\b",
        r"(?:nx|turbo|lerna)\s+(?:run\s+)?test\b",
        r"R\s+CMD\s+check\b",
        r"julia\b.*Pkg\.test",
        # A script of the project's own whose file name says it runs the tests
        # (`.gitlab-ci/run-tests.sh`, `build_test_all.cmd`), and `cibuild` scripts, which
        # build and test by convention (Arcade's eng/common/cibuild, "scripts to rule them all").
        r"(?:(?:ba)?sh\s+|pwsh\s+|powershell\s+|python[\d.]*\s+|call\s+)?(?:\S*[/\\])?(?:run|ci|build)?[-_]?tests?(?:[-_][\w-]*)?\.(?:sh|bash|cmd|bat|ps1|py)\b",
        r"(?:(?:ba)?sh\s+|call\s+)?\S*(?<![A-Za-z])cibuild(?:\.(?:sh|cmd|ps1))?\b(?!.*(?:/p:Test=false|--?test\s+false|--no-test))",
    ],
    "test:integration": [
        NPM_RUN + r"(?:test|tests)?[:_-]?(?:integration|int|it)\b",
        r"\S*\b(?:integration|integ)[-_]?tests?\b",
        MAKE + r"\s+(?:\S+\s+)*\S*integration\S*",
    ],
    "test:e2e": [
        r"(?:cypress\s+run|playwright\s+test|wdio|nightwatch|testcafe|detox\s+test|maestro\s+test|codeceptjs\s+run|newman\s+run)\b",
        NPM_RUN + r"(?:test[:_-]?)?(?:e2e|end-to-end|ui-?test|browser)\S*",
        r"\S*\be2e\b(?![-_.]?(?:clean|setup|teardown|prepare|infra))\S*",
        MAKE + r"\s+(?:\S+\s+)*\S*e2e\S*",
    ],
    "test:component": [
        NPM_RUN + r"(?:test[:_-]?)?(?:component|ct)\b\S*",
        r"cypress\s+run\b.*--component\b",
        r"\S*\bcomponent[-_]?tests?\b",
    ],
    "test:acceptance": [
        r"(?:behave|cucumber(?:-js)?|robot|gauge\s+run|specflow)\b",
        r"\S*\b(?:acceptance|functional)[-_]?tests?\b",
    ],
    "test:performance": [
        r"(?:k6\s+run|jmeter|locust|gatling|artillery\s+run|vegeta\s+attack|bombardier|hey\s+-|wrk\s+-|ab\s+-n)",
        r"(?:cargo\s+bench|go\s+test\b.*-bench|asv\s+(?:run|continuous)|pytest\b.*--benchmark|hyperfine)",
        NPM_RUN + r"(?:perf|bench|benchmark|load-?test)\S*",
        r"\S*\b(?:perf|performance|load|stress)[-_]?tests?\b",
        # Load tools run as build plugins: gatling-maven-plugin, jmeter-maven-plugin, Gatling's Gradle plugin.
        MVN + r".*\b(?:jmh|gatling:test|jmeter:jmeter)\b",
        GRADLE + r".*\bgatlingRun\b",
    ],
    "scan:sast": [
        r"(?:semgrep|bandit|brakeman|gosec|njsscan|horusec|bearer\s+scan|flawfinder|sourceanalyzer|codeql)\b",
        r"(?:\S*/)?cov-(?:build|analyze|capture)\b",
        # OWASP counts these C/C++ analyzers among source code security tools.
        r"(?:cppcheck|scan-build|clang\s+--analyze)\b",
        r"(?:sonar-scanner|sonar\s+scan|dotnet\s+sonarscanner)\b",
        MVN + r".*\bsonar:sonar\b",
        GRADLE + r".*\bsonar(?:qube)?\b",
        r"snyk\s+code\b",
        r"zizmor\b",
    ],
    "scan:dependency": [
        r"(?:npm|yarn|pnpm)\s+audit\b",
        r"(?:pip-audit|safety\s+(?:check|scan)|osv-scanner|govulncheck|retire|nancy\s+sleuth|dependency-check(?:\.sh)?)\b",
        r"cargo\s+(?:audit|deny)\b",
        r"(?:bundle\s+audit|bundler-audit|composer\s+audit)\b",
        r"snyk\s+(?:test|monitor)\b",
        r"trivy\s+(?:fs|filesystem|repo|repository|sbom)\b",
        MVN + r".*\bdependency-check\b",
        r"dotnet\s+list\b.*--vulnerable",
        r"scorecard\b",
        r"(?:(?:ba)?sh\s+|python[\d.]*\s+)?\S*(?<![A-Za-z])cve[-_]?(?:report|scan|check)\S*",
    ],
    "scan:secret": [r"(?:gitleaks|trufflehog|detect-secrets|ggshield|git-secrets|talisman)\b"],
    "scan:fuzz": [
        r"(?:cargo\s+fuzz|afl-fuzz|honggfuzz|atheris|cifuzz|jazzer|oss-fuzz)\b",
        r"go\s+test\b.*\s-fuzz\b",
        MAKE + r"\s+(?:\S+\s+)*(?:-C\s+)?\S*fuzz\S*",
    ],
    "scan:container": [
        r"trivy\s+(?:image|i)\b",
        r"(?:grype|dockle|clair-scanner)\b",
        r"docker\s+scout\b",
        r"snyk\s+container\b",
    ],
    "scan:iac": [
        r"(?:checkov|tfsec|terrascan|kics\s+scan|tflint|kube-linter|kubesec|conftest|polaris\s+audit|kubeconform|kubeval)\b",
        r"trivy\s+(?:config|conf)\b",
    ],
    "scan:lint": [
        r"(?:eslint|stylelint|flake8|ruff(?:\s+check)?|pylint|pyright|pyflakes|pycodestyle|pydocstyle|golangci-lint|staticcheck|revive|rubocop|standardrb|shellcheck|hadolint|yamllint|markdownlint\S*|actionlint|phpstan|psalm|phpcs|ktlint|detekt|swiftlint|clang-tidy|codespell|vale|tflint|cpplint|checkstyle|spectral\s+lint|buf\s+lint|helm\s+lint|ansible-lint|sqlfluff\s+lint|biome\s+(?:check|lint|ci)|oxlint|dprint\s+check)\b",
        PY + r"mypy\b",
        r"(?:black|isort|prettier|gofmt|rustfmt|clang-format|terraform\s+fmt|dotnet\s+format|cargo\s+fmt|ruff\s+format)\b.*(?:--check|-check|--verify|-l\b|--dry-run|--diff)",
        r"go\s+vet\b",
        r"cargo\s+clippy\b",
        r"pre-commit\s+run\b",
        NPM_RUN + r"(?:lint|eslint|format:check|check:format|typecheck|type-check|tsc)(?::\S*)?\b",
        MAKE + r"\s+(?:\S+\s+)*(?:lint|vet|fmt-check|check-format|style|static-check)\b",
        r"(?:tox\s+-e\s*|nox\s+-s\s*)(?:lint|style|flake8|mypy|typing|pre-commit)\b",
        MVN + r".*\b(?:checkstyle:check|spotless:check|pmd:check|spotbugs:check)\b",
        GRADLE + r".*\b(?:spotlessCheck|checkstyle\w*|detekt|ktlintCheck|lint)\b",
    ],
    "publish:image": [
        r"(?:docker|podman|buildah)\s+(?:image\s+)?push\b",
        r"docker\s+buildx\b.*(?:--push|--output[= ]type=registry)",
        r"(?:crane|skopeo)\s+(?:push|copy|cp)\b",
        r"oras\s+push\b",
        r"(?:/kaniko/)?executor\b(?!.*--no-push).*--destination",
        MVN + r".*\bjib:build\b",
        r"ko\s+(?:build|publish)\b",
    ],
    "publish:package": [
        r"(?:npm|yarn|pnpm)\s+(?:npm\s+)?publish\b",
        r"(?:twine\s+upload|poetry\s+publish|flit\s+publish|uv\s+publish|hatch\s+publish|pdm\s+publish|rye\s+publish)\b",
        r"gem\s+push\b",
        r"cargo\s+publish\b",
        r"(?:dotnet\s+)?nuget\s+push\b",
        MVN + r".*\bdeploy\b",
        GRADLE + r".*\bpublish\w*\b",
        r"sbt\b.*\bpublish\w*\b",
        r"helm\s+(?:push|cm-push)\b",
        r"(?:cr|chart-releaser)\s+upload\b",
        r"jfrog\s+(?:rt\s+)?(?:u|upload)\b",
        r"(?:anaconda|conda)\s+upload\b",
        r"goreleaser\s+release\b",
        r"gh\s+release\s+(?:create|upload)\b",
        r"(?:vsce|ovsx)\s+publish\b",
        r"pod\s+trunk\s+push\b",
        r"(?:semantic-release|release-it|lerna\s+publish|changeset\s+publish)\b",
    ],
    "deploy:kubectl": [
        r"kubectl\b.*\s(?:apply|create|replace|set\s+image|patch|scale|rollout\s+restart)\b",
        r"(?:oc)\s+(?:apply|new-app|rollout\s+latest|start-build|process)\b",
        r"kustomize\s+build\b.*\|\s*kubectl",
        r"skaffold\s+(?:run|deploy)\b",
        r"kn\s+service\s+(?:create|update)\b",
    ],
    "deploy:helm": [r"helm\b.*\s(?:upgrade|install)\b", r"helmfile\b.*\s(?:sync|apply|deploy)\b"],
    "deploy:terraform": [
        r"(?:terraform|tofu|terragrunt)\b.*\sapply\b",
        r"terragrunt\s+run-all\s+apply\b",
        r"pulumi\s+up\b",
        r"cdk\s+deploy\b",
    ],
    "deploy:cloud": [
        r"az\s+(?:webapp|functionapp|containerapp|staticwebapp|spring|spring-cloud|container|aks)\b.*\s(?:deploy|up|update|create|deployment)\b",
        r"az\s+deployment\s+(?:group|sub|mg|tenant)\s+create\b",
        r"aws\s+(?:ecs\s+(?:update-service|deploy)|lambda\s+update-function-code|deploy\s+create-deployment|elasticbeanstalk\s+update-environment|apprunner\s+start-deployment|amplify\s+start-job)\b",
        r"aws\s+cloudformation\s+(?:deploy|create-stack|update-stack)\b",
        r"aws\s+s3\s+(?:sync|cp)\b.*\ss3://",
        r"(?:sam|copilot|eb|ecs-deploy|cdk8s)\s+deploy\b",
        r"gcloud\s+(?:run|app|functions|beta\s+run)\s+deploy\b",
        r"gcloud\s+run\s+services\s+(?:update|replace)\b",
        r"gsutil\b.*\s(?:cp|rsync)\b.*gs://",
        r"doctl\s+apps\s+(?:create-deployment|update)\b",
        r"cf\s+push\b",
        r"azd\s+(?:deploy|up)\b",
    ],
    "deploy:serverless": [
        r"(?:serverless|sls)\s+deploy\b",
        r"(?:zappa|chalice)\s+(?:deploy|update)\b",
        r"wrangler\s+(?:deploy|publish|pages\s+deploy)\b",
    ],
    "deploy:paas": [
        r"(?:firebase|netlify|flyctl|fly|railway|kamal|mina|dep|vapor|render)\s+(?:deploy|up)\b",
        r"vercel\b(?:.*\s--prod\b|\s+deploy\b)",
        r"heroku\s+(?:container:release|releases|deploy|builds:create)\b",
        r"git\s+push\b.*\b(?:heroku|dokku)\b",
        r"surge\b",
        r"(?:cap|bundle\s+exec\s+cap)\s+\S+\s+deploy\b",
        r"octo\s+(?:deploy-release|create-release)\b",
        r"dpl\b",
    ],
    "deploy:pages": [r"mkdocs\s+gh-deploy\b", r"(?:gh-pages|ghp-import)\b"],
    "deploy:ssh": [r"(?:ssh|scp|sftp|lftp)\b(?!-(?:keygen|keyscan|add|agent))", r"rsync\b.*\s\S+:\S*"],
    "deploy:ansible": [r"ansible-playbook\b"],
    "deploy:gitops": [r"argocd\s+app\s+(?:sync|set|create)\b", r"flux\s+reconcile\b", r"docker\s+stack\s+deploy\b"],
    "deploy:script": [
        r"\S*(?<![a-z])deploy\S*(?:\s|$)",
        MAKE + r"\s+(?:\S+\s+)*\S*deploy\S*",
        NPM_RUN + r"\S*deploy\S*",
    ],
    "verify:smoke": [
        r"\S*smoke\S*",
        r"(?:curl|wget|http|httpie)\b.*(?:health|healthz|readyz|livez|status|ping|/ready|/alive|smoke)",
        r"helm\s+test\b",
    ],
    "verify:rollout": [
        r"kubectl\b.*\srollout\s+status\b",
        r"helm\b.*\s(?:upgrade|install)\b.*\s--(?:wait|atomic|rollback-on-failure)\b",
        r"(?:argocd\s+app\s+wait|kubectl\s+argo\s+rollouts\s+status)\b",
        r"aws\s+(?:ecs|cloudformation|lambda)\s+wait\b",
        r"(?:oc)\s+rollout\s+status\b",
        r"aws\s+ecs\s+wait\s+services-stable\b",
        r"az\s+\S+\s+show\b.*--query.*(?:state|status)",
    ],
    "rollback:kubectl": [r"kubectl\b.*\srollout\s+undo\b"],
    "rollback:helm": [r"helm\s+rollback\b", r"helm\b.*\s(?:upgrade|install)\b.*(?:--atomic|--rollback-on-failure)"],
    "rollback:cloud": [r"aws\s+deploy\b.*auto-rollback", r"\S*rollback\S*", r"gcloud\s+run\s+services\s+update-traffic\b"],
    "strategy:blue-green": [
        r"az\s+webapp\s+deployment\s+slot\s+swap\b",
        r"gcloud\s+run\s+deploy\b.*--no-traffic",
        r"\S*blue-?green\S*",
    ],
    "strategy:canary": [
        r"kubectl\s+argo\s+rollouts\b",
        r"gcloud\s+run\s+services\s+update-traffic\b",
        r"\S*canary\S*",
        r"flagger\b",
    ],
    "migration": [
        r"(?:flyway|liquibase|dbmate|sqitch\s+deploy|goose\b.*\bup|atlas\s+migrate\s+apply|migrate\s+-path)\b",
        r"alembic\s+upgrade\b",
        r"(?:bin/rails|rails|rake|bundle\s+exec\s+rake|bundle\s+exec\s+rails)\s+db:migrate\b",
        PY + r"\S*manage\.py\s+migrate\b",
        r"prisma\s+migrate\s+deploy\b",
        r"(?:knex|sequelize(?:-cli)?|typeorm|npx\s+typeorm)\s+(?:migrate(?::latest)?|db:migrate|migration:run)\b",
        r"dotnet\s+ef\s+database\s+update\b",
        r"php\s+artisan\s+migrate\b",
        r"mix\s+ecto\.migrate\b",
        MVN + r".*\b(?:flyway|liquibase):(?:migrate|update)\b",
    ],
    "version:tool": [
        r"gh\s+release\s+create\b",
        r"goreleaser\b",
        r"(?:semantic-release|standard-version|release-please|gitversion|dotnet-gitversion|nbgv|dunamai|versioneer|cz\s+bump|bump2version|bumpversion|bump-my-version|changeset\s+version)\b",
        r"(?:npm|yarn|pnpm)\s+version\b",
        r"poetry\s+version\b",
        r"git\s+describe\b",
        r"git\s+tag\b(?!\s+(?:-l|--list|-d))",
        MVN + r".*\b(?:versions:set|release:prepare)\b",
        PY + r"setuptools_scm\b",
    ],
    "env:up": [
        r"(?:kind\s+create\s+cluster|minikube\s+start|k3d\s+cluster\s+create|ctlptl\s+create)\b",
        r"docker[\s-]compose\b.*\sup\b",
        r"docker\s+run\b.*(?:\s-d\b|--detach)",
    ],
    # A whole system started in the job (not one container beside it): component tests run here.
    "env:system": [
        r"(?:kind\s+create\s+cluster|minikube\s+start|k3d\s+cluster\s+create|ctlptl\s+create)\b",
        r"docker[\s-]compose\b.*\sup\b",
    ],
    "teardown": [
        r"(?:kind\s+delete\s+cluster|minikube\s+delete|k3d\s+cluster\s+delete)\b",
        r"docker[\s-]compose\b.*\s(?:down|rm)\b",
        r"(?:terraform|tofu|terragrunt|pulumi|cdk)\b.*\sdestroy\b",
        r"helm\s+(?:uninstall|delete)\b",
        r"kubectl\b.*\sdelete\s+(?:namespace|ns)\b",
        r"az\s+group\s+delete\b",
        r"aws\s+cloudformation\s+delete-stack\b",
        r"\S*(?:teardown|tear-down|undeploy)\S*",
    ],
    "provision:terraform": [
        r"(?:terraform|tofu|terragrunt)\b.*\sapply\b",
        r"pulumi\s+up\b",
        r"(?:cdk|sam)\s+deploy\b",
        r"aws\s+cloudformation\s+(?:deploy|create-stack|update-stack)\b",
        r"az\s+deployment\s+(?:group|sub|mg|tenant)\s+create\b",
        r"azd\s+(?:provision|up)\b",
    ],
    "iac": [
        r"(?:terraform|tofu|terragrunt|pulumi|cdk|bicep|cdktf|crossplane)\b",
        r"aws\s+cloudformation\b",
        r"az\s+deployment\b",
        r"ansible-playbook\b",
        r"(?:helm|helmfile|kustomize)\b",
        r"packer\b",
    ],
    "report:coverage": [r"(?:codecov|coveralls|coverage\s+xml|coverage\s+report|gcovr|lcov|genhtml|jacoco)\b"],
    # Services that keep reports across runs, so their history can be read.
    "report:service": [r"(?:codecov|coveralls|smokeshow\s+upload|sonar-scanner|sonar\s+scan|dotnet\s+sonarscanner)\b"],
    "provenance": [
        r"cosign\s+(?:sign|attest)\b",
        r"(?:syft|cyclonedx\S*|cdxgen|spdx-sbom-generator)\b",
        r"(?:slsa-verifier|witness\s+run)\b",
        r"gh\s+attestation\b",
    ],
}

# Words in a test command that say what kind of test it runs (``pytest tests/integration``).
TEST_WORDS: dict[str, str] = {
    "test:integration": r"integration|integ\b|\bit\b",
    "test:e2e": r"e2e|end-to-end|\bui\b|browser",
    "test:acceptance": r"acceptance|functional|\bbdd\b|features?/",
    "test:component": r"\bcomponent\b",
    "test:performance": r"perf\b|performance|benchmark|\bload\b|stress",
    "verify:smoke": r"smoke|health",
}

ANYWHERE: dict[str, list[str]] = {
    "version:commit": [
        r"\$\{?\{?\s*(?:github\.sha|GITHUB_SHA|github\.ref_name|GITHUB_REF_NAME|github\.run_number|GITHUB_RUN_NUMBER)",
        r"github\.event\.(?:workflow_run\.head_sha|pull_request\.head\.sha|release\.tag_name|after)\b",
        # Jenkins's variables are read bare or through env in Groovy strings (`${env.GIT_COMMIT}`).
        r"\$\{?(?:env\.)?(?:CI_COMMIT_SHA|CI_COMMIT_SHORT_SHA|CI_COMMIT_TAG|CI_PIPELINE_IID"
        r"|GIT_COMMIT|BUILD_NUMBER|BUILD_ID|BUILD_TAG|TAG_NAME|CHANGE_ID)\b",
        r"\$\((?:Build\.(?:SourceVersion|SourceBranchName|BuildNumber|BuildId)|resources\.pipeline\.\w+\.runID)\)",
        r"git\s+rev-parse\b",
    ],
    "image:latest": [r"[\w./-]+:latest\b"],
    # Publishing that is a rehearsal: a test or local registry, or a dry run.
    "rehearsal": [
        r"test\.pypi\.org", r"(?:--repository|-r)[= ]?testpypi\b", r"\s--dry-run\b",
        r"(?:localhost|127\.0\.0\.1):\d+/", r"--insecure-registry\b", r"\b(?:registry|kind|ko)\.local\b",
    ],
    "report:junit": [
        r"--junit-?xml[= ]",
        r"--junitxml\b",
        r"--reporters?[= ]\S*junit",
        r"--logger[= ]\S*(?:trx|junit)",
        r"-o\s+junit",
        r"--format[= ]junit",
        r"go-junit-report|gotestsum\b.*--junitfile|jest-junit|mocha-junit-reporter|junit-report",
    ],
}

# Tags of ANYWHERE that an argument of an action, task or Jenkins step can show too.
ARGUMENT_TAGS = ("version:commit", "image:latest", "rehearsal")

ACTIONS: dict[str, str] = {
    "actions/upload-artifact": "artifact:upload",
    "actions/download-artifact": "artifact:download",
    "actions/upload-pages-artifact": "artifact:upload",
    "dawidd6/action-download-artifact": "artifact:download",
    "actions/cache": "cache",
    "docker/build-push-action": "build:docker",
    "docker/bake-action": "build:docker",
    "docker/metadata-action": "version:tags",
    "redhat-actions/buildah-build": "build:docker",
    "redhat-actions/push-to-registry": "publish:image",
    "pypa/cibuildwheel": "build:package",
    "pyo3/maturin-action": "build:package",
    "goreleaser/goreleaser-action": "build:package publish:package version:tool",
    "pypa/gh-action-pypi-publish": "publish:package",
    "js-devtools/npm-publish": "publish:package",
    "softprops/action-gh-release": "publish:package version:tool",
    "ncipollo/release-action": "publish:package version:tool",
    "actions/create-release": "publish:package version:tool",
    "helm/chart-releaser-action": "publish:package",
    "changesets/action": "version:tool publish:package",
    "cycjimmy/semantic-release-action": "version:tool publish:package",
    "google-github-actions/release-please-action": "version:tool",
    "googleapis/release-please-action": "version:tool",
    "gittools/actions/gitversion/execute": "version:tool",
    "paulhatch/semantic-version": "version:tool",
    "release-drafter/release-drafter": "version:tool",
    "mathieudutour/github-tag-action": "version:tool",
    "anothrnick/github-tag-action": "version:tool",
    "cypress-io/github-action": "test:e2e",
    "microsoft/playwright-github-action": "test:e2e",
    "grafana/k6-action": "test:performance",
    "grafana/setup-k6-action": "test:performance",
    "grafana/run-k6-action": "test:performance",
    "benchmark-action/github-action-benchmark": "test:performance",
    "codspeedhq/action": "test:performance",
    "matlab-actions/run-tests": "test:unit",
    "codecov/codecov-action": "report:coverage report:service",
    "codecov/test-results-action": "report:junit report:service",
    "test-summary/action": "report:junit",
    "phoenix-actions/test-reporting": "report:junit",
    "coverallsapp/github-action": "report:coverage report:service",
    "dorny/test-reporter": "report:junit",
    "enricomi/publish-unit-test-result-action": "report:junit",
    "mikepenz/action-junit-report": "report:junit",
    "github/codeql-action/init": "scan:sast",
    "google/oss-fuzz/infra/cifuzz/actions/run_fuzzers": "scan:fuzz",
    "google/clusterfuzzlite/actions/run_fuzzers": "scan:fuzz",
    "github/codeql-action/analyze": "scan:sast",
    "github/codeql-action/autobuild": "build:compile",
    "github/codeql-action/upload-sarif": "report:sarif",
    "sonarsource/sonarcloud-github-action": "scan:sast",
    "sonarsource/sonarqube-scan-action": "scan:sast",
    "snyk/actions": "scan:dependency",
    "aquasecurity/trivy-action": "scan:container",
    "anchore/scan-action": "scan:container",
    "anchore/sbom-action": "provenance",
    "gitleaks/gitleaks-action": "scan:secret",
    "trufflesecurity/trufflehog": "scan:secret",
    "actions/dependency-review-action": "scan:dependency",
    "ossf/scorecard-action": "scan:dependency",
    "zizmorcore/zizmor-action": "scan:sast",
    "returntocorp/semgrep-action": "scan:sast",
    "semgrep/semgrep-action": "scan:sast",
    "bridgecrewio/checkov-action": "scan:iac",
    "aquasecurity/tfsec-action": "scan:iac",
    "rhysd/actionlint": "scan:lint",
    "raven-actions/actionlint": "scan:lint",
    "pre-commit/action": "scan:lint",
    "super-linter/super-linter": "scan:lint",
    "github/super-linter": "scan:lint",
    "golangci/golangci-lint-action": "scan:lint",
    "astral-sh/ruff-action": "scan:lint",
    "chartboost/ruff-action": "scan:lint",
    "psf/black": "scan:lint",
    "reviewdog": "scan:lint",
    "hadolint/hadolint-action": "scan:lint",
    "ludeeus/action-shellcheck": "scan:lint",
    "actions/attest-build-provenance": "provenance",
    "actions/attest-sbom": "provenance",
    "actions/attest": "provenance",
    "slsa-framework/slsa-github-generator": "provenance",
    "trstringer/manual-approval": "approval",
    "azure/webapps-deploy": "deploy:cloud",
    "azure/functions-action": "deploy:cloud",
    "azure/k8s-deploy": "deploy:kubectl",
    "azure/k8s-bake": "build:package",
    "azure/arm-deploy": "deploy:cloud provision:terraform iac",
    "azure/static-web-apps-deploy": "deploy:cloud",
    "azure/aci-deploy": "deploy:cloud",
    "azure/container-apps-deploy-action": "deploy:cloud",
    "aws-actions/amazon-ecs-deploy-task-definition": "deploy:cloud",
    "aws-actions/aws-cloudformation-github-deploy": "deploy:cloud provision:terraform iac",
    "aws-actions/aws-lambda-deploy": "deploy:cloud",
    "google-github-actions/deploy-cloudrun": "deploy:cloud",
    "google-github-actions/deploy-appengine": "deploy:cloud",
    "google-github-actions/deploy-cloud-functions": "deploy:cloud",
    "redhat-actions/oc-new-app": "deploy:kubectl",
    "azure/functions-container-action": "deploy:cloud",
    "octopusdeploy/deploy-release-action": "deploy:paas",
    "aliyun/acr-scan": "scan:container",
    "appleboy/ssh-action": "deploy:ssh",
    "appleboy/scp-action": "deploy:ssh",
    "easingthemes/ssh-deploy": "deploy:ssh",
    "burnett01/rsync-deployments": "deploy:ssh",
    "samkirkland/ftp-deploy-action": "deploy:ssh",
    "peaceiris/actions-gh-pages": "deploy:pages",
    "jamesives/github-pages-deploy-action": "deploy:pages",
    "actions/deploy-pages": "deploy:pages",
    "cloudflare/wrangler-action": "deploy:serverless",
    "cloudflare/pages-action": "deploy:serverless",
    "amondnet/vercel-action": "deploy:paas",
    "nwtgck/actions-netlify": "deploy:paas",
    "firebaseextended/action-hosting-deploy": "deploy:paas",
    "akhileshns/heroku-deploy": "deploy:paas",
    "superfly/flyctl-actions": "deploy:paas",
    "digitalocean/app_action": "deploy:paas",
    "pulumi/actions": "deploy:terraform provision:terraform iac",
    "hashicorp/tfc-workflows-github/actions/apply-run": "deploy:terraform provision:terraform iac",
    "deliverybot/helm": "deploy:helm",
    "helm/kind-action": "env:up env:system",
    "medyagh/setup-minikube": "env:up",
    "absaoss/k3d-action": "env:up",
}

# Inputs of actions and tasks that change what they do: name → [(input, regex on its
# value, tags)]. A missing input reads as "", so a pattern that accepts "" encodes the
# tool's default (Maven@3 publishes JUnit results unless told not to).
_TEST_RESULT_FILES = r"(?i)junit|test-?results?|test-?reports?|surefire-reports|\.trx\b|TEST-[^/\s]*\.xml"
ACTION_INPUTS: dict[str, list[tuple[str, str, str]]] = {
    "actions/upload-artifact": [("path", _TEST_RESULT_FILES, "report:junit"), ("name", _TEST_RESULT_FILES, "report:junit")],
    "aws-actions/amazon-ecs-deploy-task-definition": [("wait-for-service-stability", r"(?i)^true$", "verify:rollout")],
    "azure/k8s-deploy": [("strategy", r"(?i)canary", "strategy:canary"), ("strategy", r"(?i)blue", "strategy:blue-green")],
    "azure/webapps-deploy": [("slot-name", r"(?i)^(?!production$)\S", "strategy:blue-green")],
}
TASK_INPUTS: dict[str, list[tuple[str, str, str]]] = {
    "maven": [("publishjunitresults", r"(?i)^(?!false$)", "report:junit")],
    "gradle": [("publishjunitresults", r"(?i)^(?!false$)", "report:junit")],
    "publishbuildartifacts": [("pathtopublish", _TEST_RESULT_FILES, "report:junit")],
    "publishpipelineartifact": [("targetpath", _TEST_RESULT_FILES, "report:junit")],
    "kubernetesmanifest": [("strategy", r"(?i)canary", "strategy:canary")],
    "azurermwebappdeployment": [("slotname", r"(?i)^(?!production$)\S", "strategy:blue-green")],
    "azurewebapp": [("slotname", r"(?i)^(?!production$)\S", "strategy:blue-green")],
}

# Azure Pipelines tasks, by name without the @version. Tasks whose effect depends
# on their `command` input are refined in TASK_COMMANDS.
TASKS: dict[str, str] = {
    "publishpipelineartifact": "artifact:upload",
    "publishbuildartifacts": "artifact:upload",
    "downloadpipelineartifact": "artifact:download",
    "downloadbuildartifacts": "artifact:download",
    "1es.publishpipelineartifact": "artifact:upload",
    "1es.publishbuildartifacts": "artifact:upload",
    "1es.downloadpipelineartifact": "artifact:download",
    "dotnetcorecli": "build:compile",
    "cmake": "build:compile",
    "xamarinandroid": "build:compile",
    "xamarinios": "build:compile",
    "vsbuild": "build:compile",
    "msbuild": "build:compile",
    "xcode": "build:compile",
    "gradle": "build:compile",
    "maven": "build:compile",
    "ant": "build:compile",
    "docker": "build:docker",
    "docker@0": "build:docker",
    "dockercompose": "build:docker",
    "buildah": "build:docker",
    "vstest": "test:unit report:junit",
    "publishtestresults": "report:junit report:service",
    "publishcodecoverageresults": "report:coverage report:service",
    "manualvalidation": "approval",
    "manualintervention": "approval",
    "azurewebapp": "deploy:cloud",
    "azurermwebappdeployment": "deploy:cloud",
    "azurefunctionapp": "deploy:cloud",
    "azurefunctionappcontainer": "deploy:cloud",
    "azurewebappcontainer": "deploy:cloud",
    "azurecontainerapps": "deploy:cloud",
    "azurestaticwebapp": "deploy:cloud",
    "azurefilecopy": "deploy:cloud",
    "appcenterdistribute": "deploy:cloud",
    "azureappservicemanage": "deploy:cloud",
    "azurespringcloud": "deploy:cloud",
    "azureresourcemanagertemplatedeployment": "deploy:cloud provision:terraform iac",
    "azureresourcegroupdeployment": "deploy:cloud provision:terraform iac",
    "kubernetesmanifest": "deploy:kubectl",
    "kubernetes": "deploy:kubectl",
    "helmdeploy": "deploy:helm",
    "terraformtaskv1": "iac",
    "terraformtaskv2": "iac",
    "terraformtaskv3": "iac",
    "terraformtaskv4": "iac",
    "terraform": "iac",
    "terraformcli": "iac",
    "ssh": "deploy:ssh",
    "copyfilesoverssh": "deploy:ssh",
    "windowsmachinefilecopy": "deploy:ssh",
    "iiswebappdeploymentonmachinegroup": "deploy:cloud",
    "iiswebappmanagementonmachinegroup": "deploy:cloud",
    "servicefabricdeploy": "deploy:cloud",
    "awscli": "",
    "s3upload": "deploy:cloud",
    "lambdadeployfunction": "deploy:cloud",
    "cloudformationcreateorupdatestack": "deploy:cloud provision:terraform iac",
    "sqlazuredacpacdeployment": "migration deploy:cloud",
    "sqldacpacdeploymentonmachinegroup": "migration deploy:cloud",
    "npmauthenticate": "",
    "nugetcommand": "",
    "twineauthenticate": "",
    "gitversion": "version:tool",
    "gitversion/execute": "version:tool",
    "sonarqubeanalyze": "scan:sast",
    "sonarcloudanalyze": "scan:sast",
    "sonarqubeprepare": "scan:sast",
    "sonarcloudprepare": "scan:sast",
    "microsoftsecuritydevops": "scan:sast",
    "codeqlinit": "scan:sast",
    "codeql3000init": "scan:sast",
    "codeql3000finalize": "scan:sast",
    "advancedsecurity-codeql-init": "scan:sast",
    "advancedsecurity-codeql-analyze": "scan:sast",
    "advancedsecurity-dependency-scanning": "scan:dependency",
    "credscan": "scan:secret",
    "componentgovernancecomponentdetection": "scan:dependency",
    "whitesource": "scan:dependency",
    "mend": "scan:dependency",
    "snyksecurityscan": "scan:dependency",
    "dependency-check-build-task": "scan:dependency",
    "trivy": "scan:container",
    "esrpcodesigning": "provenance",
    "esrprelease": "publish:package",
    "githubrelease": "publish:package version:tool",
    "nuget": "",
    "usedotnet": "",
    "usenode": "",
    "usepythonversion": "",
    "npm": "",
    "universalpackages": "",
    "azurecli": "",
    "azurepowershell": "",
    "azurekeyvault": "",
    "archivefiles": "",
    "copyfiles": "",
    "nodetool": "",
    "terraforminstaller": "",
    "kubectlinstaller": "",
    "helminstaller": "",
}

TASK_SCRIPT_INPUTS = (
    "script", "inlinescript", "inline", "commands", "filepath", "scriptpath", "arguments", "goals", "tasks",
    "custom", "customcommand", "options",
)

# The key "" is what a task does when the input is absent (its default command).
TASK_COMMANDS: dict[str, dict[str, str]] = {
    "dotnetcorecli": {
        "": "build:compile",
        "build": "build:compile",
        "publish": "build:package",
        "pack": "build:package",
        "test": "test:unit report:junit",
        "push": "publish:package",
        "restore": "",
        "run": "",
    },
    "docker": {
        "": "build:docker publish:image", "build": "build:docker", "push": "publish:image",
        "buildandpush": "build:docker publish:image", "login": "", "logout": "", "start": "", "stop": "",
    },
    "dockercompose": {
        "build services": "build:docker", "push services": "publish:image", "run services": "env:up",
        "run a specific service": "env:up", "lock services": "", "combine configuration": "",
        "write service image digests": "",
    },
    "nugetcommand": {"": "", "restore": "", "push": "publish:package", "pack": "build:package"},
    "nuget": {"push": "publish:package", "pack": "build:package"},
    "npm": {"": "", "publish": "publish:package", "ci": "", "install": ""},
    "universalpackages": {"": "", "download": "", "publish": "publish:package"},
    "githubrelease": {"": "publish:package", "create": "publish:package", "edit": "publish:package", "delete": ""},
    "kubernetesmanifest": {
        "": "deploy:kubectl", "deploy": "deploy:kubectl", "bake": "build:package", "reject": "rollback:kubectl",
        "delete": "teardown", "promote": "deploy:kubectl", "patch": "deploy:kubectl", "scale": "deploy:kubectl",
        "createsecret": "",
    },
    "kubernetes": {"apply": "deploy:kubectl", "set": "deploy:kubectl", "rollout": "deploy:kubectl", "delete": "teardown", "get": "", "login": ""},
    "helmdeploy": {"": "", "ls": "", "save": "", "upgrade": "deploy:helm", "install": "deploy:helm", "rollback": "rollback:helm", "delete": "teardown", "package": "build:package", "push": "publish:package", "lint": "scan:lint", "init": "", "login": "", "logout": ""},
    "terraformtaskv1": {"": "", "apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "terraformtaskv2": {"": "", "apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "terraformtaskv3": {"": "", "apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "terraformtaskv4": {"": "", "apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "terraform": {"apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "terraformcli": {"apply": "deploy:terraform provision:terraform", "destroy": "teardown", "plan": "", "init": "", "validate": "scan:iac"},
    "azureappservicemanage": {"swap slots": "deploy:cloud strategy:blue-green"},
    "maven": {},
    "gradle": {},
}

JENKINS_STEPS: dict[str, str] = {
    "junit": "report:junit report:service",
    "xunit": "report:junit report:service",
    "nunit": "report:junit report:service",
    "mstest": "report:junit report:service",
    "publishtestresults": "report:junit report:service",
    "jacoco": "report:coverage report:service",
    "cobertura": "report:coverage report:service",
    "recordcoverage": "report:coverage report:service",
    "publishcoverage": "report:coverage report:service",
    "publishhtml": "report:html",
    "recordissues": "scan:lint",
    "scanforissues": "scan:lint",
    "archiveartifacts": "artifact:upload",
    "stash": "artifact:stash",
    "unstash": "artifact:unstash",
    "copyartifacts": "artifact:download",
    "input": "approval",
    "milestone": "concurrency",
    "lock": "concurrency",
    "kubernetesdeploy": "deploy:kubectl",
    "sshpublisher": "deploy:ssh",
    "sshagent": "deploy:ssh",
    "deploy": "deploy:script",
    "ansibleplaybook": "deploy:ansible",
    "withsonarqubeenv": "scan:sast",
    "waitforqualitygate": "scan:sast",
    "dependencycheck": "scan:dependency",
    "dependencycheckpublisher": "scan:dependency",
    "snyksecurity": "scan:dependency",
    "s3upload": "deploy:cloud",
    "azurewebappPublish": "deploy:cloud",
    "azurewebapppublish": "deploy:cloud",
    "azurefunctionapppublish": "deploy:cloud",
    "acsdeploy": "deploy:cloud",
    "cfpush": "deploy:cloud",
    "openshiftdeploy": "deploy:kubectl",
    "nexuspublisher": "publish:package",
    "nexusartifactuploader": "publish:package",
    "rtupload": "publish:package",
    "rtmavendeployer": "publish:package",
    "githubrelease": "publish:package version:tool",
    "createtag": "version:tool",
    "withmaven": "report:junit",
    "junitresultarchiver": "report:junit report:service",
    "artifactarchiver": "artifact:upload",
    "copyartifact": "artifact:download",
    "warnerror": "",
    "catcherror": "",
    "unstable": "",
    "octopusdeployrelease": "deploy:paas",
    "octopuscreaterelease": "deploy:paas",
    "pushtocloudfoundry": "deploy:cloud",
    "awscodedeploypublisher": "deploy:cloud",
    "gkedeploy": "deploy:kubectl",
    "helmupgrade": "deploy:helm",
    "dockerbuildandpush": "build:docker publish:image",
    # Reports of a Gatling simulation or a JMH benchmark that ran in the build.
    "gatlingarchive": "test:performance",
    "perfreport": "test:performance",
    "jmhreport": "test:performance",
    # Steps whose names would read as work they do not do: `build job:` starts another
    # pipeline, `buildName` labels the run, `publishChecks` reports to the SCM and
    # `publishIssues` shows Warnings NG's issues in Jenkins.
    "build": "trigger:pipeline",
    "buildname": "",
    "builddescription": "",
    "builddiscarder": "",
    "publishchecks": "",
    "publishissues": "",
    "checkout": "",
}

# Warnings NG's ``recordIssues``/``scanForIssues`` read the reports of the tools they
# name; a security tool's report means its scan ran in the build (often inside Maven
# or Gradle, where cdlint cannot see it), as a GitLab security report does.
_WARNINGS_NG_SCANNERS = [
    (r"\bowaspDependencyCheck\s*\(", "scan:dependency"),
    (r"\b(?:trivy|grype)\s*\(", "scan:container"),
    (r"\b(?:bandit|brakeman)\s*\(", "scan:sast"),
]
_WARNINGS_NG_INPUTS = [(key, pattern, tag) for key in ("tools", "tool") for pattern, tag in _WARNINGS_NG_SCANNERS]
JENKINS_INPUTS: dict[str, list[tuple[str, str, str]]] = {
    "recordissues": _WARNINGS_NG_INPUTS,
    "scanforissues": _WARNINGS_NG_INPUTS,
}

# GitLab ``artifacts:reports`` types → (report name for ``Stage.reports``, tags). A job
# that uploads a security report is that scanner's job; one that uploads test results runs tests.
GITLAB_REPORTS: dict[str, tuple[str, str]] = {
    # The merge request and pipeline test tabs keep each run's results; `coverage:` feeds
    # the project's coverage history.
    "junit": ("junit", "test report:junit report:service"),
    "coverage_report": ("coverage", "report:coverage"),
    "cobertura": ("coverage", "report:coverage"),
    "codequality": ("codequality", "scan:lint report:codequality"),
    "sast": ("sast", "scan:sast report:sast"),
    "dependency_scanning": ("dependency_scanning", "scan:dependency report:dependency_scanning"),
    "container_scanning": ("container_scanning", "scan:container report:container_scanning"),
    "secret_detection": ("secret_detection", "scan:secret report:secret_detection"),
    "dast": ("dast", "scan:dast report:dast"),
    "api_fuzzing": ("api_fuzzing", "scan:dast report:api_fuzzing"),
    "coverage_fuzzing": ("coverage_fuzzing", "test:fuzz report:coverage_fuzzing"),
    "license_scanning": ("license_scanning", "scan:license report:license_scanning"),
    "cyclonedx": ("cyclonedx", "provenance report:cyclonedx"),
    "browser_performance": ("browser_performance", "test:performance report:performance"),
    "load_performance": ("load_performance", "test:performance report:performance"),
    "performance": ("performance", "test:performance report:performance"),
    "accessibility": ("accessibility", "test report:accessibility"),
    "terraform": ("terraform", "iac report:terraform"),
    "dotenv": ("dotenv", "report:dotenv"),
    "metrics": ("metrics", "report:metrics"),
    "requirements": ("requirements", "report:requirements"),
    "annotations": ("annotations", "report:annotations"),
}

# GitLab job keywords that say what a job does.
GITLAB_KEYWORDS: dict[str, str] = {
    "release": "publish:release",
    "pages": "deploy:pages",
    "when:manual": "approval",
    "interruptible": "interruptible",
    "coverage": "report:coverage report:service",
}

# Words in a stage or step name that say what it does. Names are weaker evidence
# than commands, so only unambiguous words are listed.
NAME_WORDS: dict[str, str] = {
    "build": "build",
    "builds": "build",
    "compile": "build",
    "package": "build",
    "packaging": "build",
    "assemble": "build",
    "test": "test",
    "tests": "test",
    "testing": "test",
    "unit": "test:unit",
    "unittest": "test:unit",
    "unittests": "test:unit",
    "pytest": "test:unit",
    "jest": "test:unit",
    "integration": "test:integration",
    "e2e": "test:e2e",
    "end-to-end": "test:e2e",
    "acceptance": "test:acceptance",
    "functional": "test:acceptance",
    "performance": "test:performance",
    "perf": "test:performance",
    "benchmark": "test:performance",
    "benchmarks": "test:performance",
    "load-test": "test:performance",
    "lint": "scan:lint",
    "linting": "scan:lint",
    "linter": "scan:lint",
    "codeql": "scan:sast",
    "coverity": "scan:sast",
    "cppcheck": "scan:sast",
    "sast": "scan:sast",
    "semgrep": "scan:sast",
    "sonar": "scan:sast",
    "sonarqube": "scan:sast",
    "sonarcloud": "scan:sast",
    "security": "scan",
    "scan": "scan",
    "scanning": "scan",
    "audit": "scan:dependency",
    "cve": "scan:dependency",
    "fuzz": "scan:fuzz",
    "fuzzer": "scan:fuzz",
    "fuzzing": "scan:fuzz",
    "deploy": "deploy",
    "deployment": "deploy",
    "deploying": "deploy",
    "rollout": "deploy",
    "promote": "deploy",
    "publish": "publish",
    "publishing": "publish",
    "smoke": "verify:smoke",
    "verify": "verify",
    "verification": "verify",
    "healthcheck": "verify:smoke",
    "health-check": "verify:smoke",
    "approve": "approval",
    "approval": "approval",
    "teardown": "teardown",
    "cleanup": "teardown",
    "destroy": "teardown",
    "undeploy": "teardown",
    "provision": "provision",
    "infrastructure": "provision",
    "rollback": "rollback",
    "migrate": "migration",
    "migration": "migration",
    "migrations": "migration",
}

# Environment tiers inferred from names, in GitLab's manner: the first tier
# whose pattern matches wins. Patterns match whole words of the name.
TIERS: list[tuple[str, str]] = [
    ("review", r"review(?:s|-app|app)?"),
    ("development", r"dev|devel|develop|development|trunk|sandbox|local|feature"),
    ("testing", r"test|tests|testing|tst|qa|qc|integration|int|sit|e2e|acceptance|acc"),
    ("staging", r"staging|stage|stg|pre-?prod|pre-?production|uat|model|demo|non-?prod|preview|canary"),
    ("production", r"prod\d*|production|prd|live"),
]

# Templates and includes cdlint does not read that are known to run a security scan:
# GitLab's security templates and components, Microsoft's 1ES templates (which inject
# CredScan, BinSkim and CodeQL into every job).
REFERENCES: dict[str, list[str]] = {
    "scan:sast": [
        r"(?i)\bSAST\b|SAST[.-]|codeql|semgrep|sonar",
        # Microsoft's governed templates run the SDL tools in every job.
        r"(?i)1ES\.(?:Official|Unofficial)\.PipelineTemplate|1ESPipelineTemplates|OneBranch\.(?:Official|NonOfficial)|Office\.(?:Official|Unofficial)\.PipelineTemplate",
    ],
    "scan:dependency": [r"(?i)Dependency-Scanning|dependency[-_]scanning|License-Scanning"],
    "scan:secret": [r"(?i)Secret-Detection|secret[-_]detection"],
    "scan:container": [r"(?i)Container-Scanning|container[-_]scanning"],
    "scan:dast": [r"(?i)\bDAST\b|DAST[.-]"],
}

# Image tags that name a moving target rather than one build.
MUTABLE_TAGS = frozenset(
    {"latest", "main", "master", "develop", "development", "dev", "edge", "nightly", "stable", "staging", "prod", "production", "snapshot", "head", "current"}
)
# Variables that hold a branch name (never a tag or a commit), on every platform.
BRANCH_VARIABLES = re.compile(
    r"\$\{?\{?\s*(?:CI_COMMIT_BRANCH|CI_DEFAULT_BRANCH|BRANCH_NAME|GIT_BRANCH|GITHUB_HEAD_REF|github\.head_ref|github\.base_ref)\b"
    r"|\$\(Build\.SourceBranchName\)"
)
# Variables that make a name per branch, merge request or pull request.
PER_CHANGE_VARIABLES = re.compile(
    r"(?i)CI_COMMIT_REF_(?:SLUG|NAME)|CI_COMMIT_BRANCH|CI_MERGE_REQUEST_\w+|CI_ENVIRONMENT_SLUG|CI_COMMIT_SHORT_SHA"
    r"|github\.(?:head_ref|ref_name|event\.number|event\.pull_request\.number|event\.issue\.number)|GITHUB_HEAD_REF"
    r"|\bBRANCH_NAME\b|\bCHANGE_ID\b|\bGIT_BRANCH\b"
    r"|System\.PullRequest\.\w+|Build\.SourceBranchName|\bPR_NUMBER\b|\bPR_ID\b|pr[-_]?number|pull[-_]?number"
)
# Steps that push images whose tags are an input rather than part of a command:
# step name → (input holding the tags, input holding the image name or None when
# the tags are full references, default tags when the input is absent).
IMAGE_TAG_INPUTS: dict[str, tuple[str, str | None, str]] = {
    "docker/build-push-action": ("tags", None, ""),
    "redhat-actions/push-to-registry": ("tags", "image", "latest"),
    "docker": ("tags", "repository", "$(Build.BuildId)"),
    "docker.push": ("tags", "image", "latest"),  # Jenkins Docker Pipeline's image.push()
}

_WRAPPERS = re.compile(
    r"^\s*(?:(?:sudo(?:\s+-\S+)*|time|exec|env|nohup|command|eval|xvfb-run(?:\s+-a)?|npx(?:\s+--yes|\s+-y)?|pnpm\s+(?:exec|dlx)|yarn\s+dlx|bunx|"
    r"poetry\s+run|uv\s+run(?:\s+--\S+)*|uvx|pipx\s+run|pipenv\s+run|hatch\s+(?:run|env\s+run)(?:\s+\S+:)?|pdm\s+run|rye\s+run|conda\s+run(?:\s+-n\s+\S+)?|"
    r"bundle\s+exec|dotnet\s+tool\s+run|[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*))\s+)+"
)
# `$(` starts a command substitution, except Azure's `$(Build.BuildId)` macros (a bare name).
_SPLIT = re.compile(r"\n|&&|\|\||;|(?<![|>])\|(?!\|)|\$\((?![\w.]+\))|`")
_CONTINUATION = re.compile(r"\\\r?\n\s*")
# Shell keywords before a command, and builtins that never do the work themselves.
_KEYWORD = re.compile(r"^(?:(?:if|then|else|elif|do|while|until|!)\s+)+")
_NOT_WORK = re.compile(r"(?:cd|echo|printf|export|fi|done|esac|set|local|declare|source|\.|true|false|exit|return|shift|read|test|\[\[?)(?:\s|$)")
_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _compile(table: Mapping[str, list[str]], anchored: bool) -> list[tuple[str, re.Pattern[str]]]:
    compiled = []
    for tag, patterns in table.items():
        body = "|".join(f"(?:{p})" for p in patterns)
        compiled.append((tag, re.compile(("^(?:" + body + ")") if anchored else body)))
    return compiled


@lru_cache(maxsize=1)
def _tables():
    return (
        _compile(COMMANDS, anchored=True),
        _compile(ANYWHERE, anchored=False),
        [(tier, re.compile(rf"(?<![a-z0-9])(?:{p})(?![a-z])")) for tier, p in TIERS],
        [(tag, re.compile(p, re.IGNORECASE)) for tag, p in TEST_WORDS.items()],
    )


def commands(script: str) -> list[str]:
    """The simple commands of a shell script, wrappers stripped, comments dropped."""
    script = _CONTINUATION.sub(" ", script)
    found = []
    for part in _SPLIT.split(script):
        part = part.strip().lstrip("({!").strip()
        if not part or part.startswith("#"):
            continue
        part = _WRAPPERS.sub("", _KEYWORD.sub("", part))
        if not part or _NOT_WORK.match(part):
            continue
        found.append(part)
    return found


@lru_cache(maxsize=4096)
def classify_command(script: str) -> frozenset[str]:
    """Tags for a shell script (one ``run:``/``script:``/``sh`` body)."""
    anchored, anywhere, _, test_words = _tables()
    tags: set[str] = set()
    for command in commands(script):
        found = {tag for tag, pattern in anchored if pattern.match(command)}
        if any(t.startswith("test:") for t in found):
            found |= {tag for tag, pattern in test_words if pattern.search(command)}
        tags |= found
    for tag, pattern in anywhere:
        if pattern.search(script):
            tags.add(tag)
    return frozenset(tags)


@lru_cache(maxsize=1024)
def classify_reference(target: str) -> frozenset[str]:
    """Tags for a template or include cdlint did not read, by its name."""
    return frozenset(tag for tag, patterns in REFERENCES.items() if any(re.search(p, target) for p in patterns))


def is_per_change(name: str) -> bool:
    """Whether a name is made per branch, merge request or pull request (``review/$CI_COMMIT_REF_SLUG``)."""
    return bool(PER_CHANGE_VARIABLES.search(name))


def _split(spec: str) -> set[str]:
    return set(spec.split())


def classify_action(uses: str, inputs: Mapping[str, str] | None = None) -> frozenset[str]:
    """Tags for a GitHub action reference (``owner/repo[/path]@ref``)."""
    name = uses.partition("@")[0].lower().rstrip("/")
    tags: set[str] = set()
    parts = name.split("/")
    for n in range(len(parts), 0, -1):
        spec = ACTIONS.get("/".join(parts[:n]))
        if spec is not None:
            tags |= _split(spec)
            break
    inputs = inputs or {}
    if str(inputs.get("install-only", inputs.get("install_only", ""))).lower() == "true":
        return frozenset()
    if name == "docker/build-push-action" and str(inputs.get("push", "")).lower() in ("true", "${{ true }}") or (
        name == "docker/build-push-action" and "${{" in str(inputs.get("push", ""))
    ):
        tags.add("publish:image")
    for value in inputs.values():
        if isinstance(value, str) and "\n" in value:
            tags |= classify_command(value)
    for value in inputs.values():
        if isinstance(value, str):
            tags |= {t for t in classify_command(" " + value) if t in ARGUMENT_TAGS}
    tags |= _input_tags(ACTION_INPUTS, name, inputs)
    return frozenset(tags)


def _input_tags(table: Mapping[str, list[tuple[str, str, str]]], name: str, inputs: Mapping[str, object]) -> set[str]:
    found = set()
    for key, pattern, tag in table.get(name, ()):
        if re.search(pattern, str(inputs.get(key, "") or "")):
            found |= _split(tag)
    return found


def classify_task(task: str, inputs: Mapping[str, str] | None = None) -> frozenset[str]:
    """Tags for an Azure Pipelines task (``Name@N``) and its inputs."""
    name = task.partition("@")[0].lower()
    inputs = {k.lower(): v for k, v in (inputs or {}).items()}
    tags = _split(TASKS.get(name, ""))
    commands_for = TASK_COMMANDS.get(name)
    if commands_for is not None:
        command = str(inputs.get("command", inputs.get("action", ""))).lower()
        if command in commands_for:
            tags = _split(commands_for[command]) | {t for t in tags if not t.startswith(("build", "deploy"))}
    # Inputs that hold shell commands or script files. `command` names a sub-command of the
    # task (DotNetCoreCLI `build`, Docker `push`), read through TASK_COMMANDS, not a shell line.
    for key in TASK_SCRIPT_INPUTS:
        value = inputs.get(key)
        if isinstance(value, str):
            tags |= classify_command(_task_command(name, key, value))
    tags |= _input_tags(TASK_INPUTS, name, inputs)
    return frozenset(tags)


def known_task(task: str) -> bool:
    """Whether the tables say what an Azure task does (an empty entry: nothing to report)."""
    name = task.partition("@")[0].lower()
    return name in TASKS or name in TASK_COMMANDS


def _task_command(task: str, key: str, value: str) -> str:
    # Maven's `goals` and Gradle's `tasks` are arguments of the tool, not commands.
    if task == "maven" and key in ("goals", "options"):
        return f"mvn {value}"
    if task == "gradle" and key in ("tasks", "options"):
        return f"gradle {value}"
    if task == "npm" and key in ("customcommand", "command"):
        return f"npm {value}"
    if task == "dotnetcorecli" and key == "arguments":
        return ""
    return value


# Names that say a step or stage prepares, moves or reports on the work rather than doing
# it: "Install build requirements", "Download test images", "publishBuildStatusReport".
_SETUP_NAME = re.compile(
    r"\b(?:install|setup|set up|prepare|configure|cache|checkout|login|log in|dependencies|download"
    r"|upload|uploads|report|reports|results|summary|artifacts?|notify|comment)\b",
    re.I,
)


def is_setup_name(name: str) -> bool:
    """Whether a name is about preparing or reporting, also in camelCase."""
    return bool(_SETUP_NAME.search(_CAMEL.sub(r"\1 \2", name)))


@lru_cache(maxsize=4096)
def name_tags(*names: str) -> frozenset[str]:
    """Tags the names of a stage suggest; a name about preparing or reporting ("Download
    build artifacts", "Publish Build Status Report") suggests no build or test."""
    tags = frozenset().union(*(classify_name(n) for n in names))
    # The name people read rules the id: job `test-images` named "Cache test images" caches.
    if any(is_setup_name(n) for n in names):
        tags = frozenset(t for t in tags if t.partition(":")[0] not in ("build", "test"))
    return tags


def classify_jenkins_step(name: str, inputs: Mapping[str, str] | None = None) -> frozenset[str]:
    """Tags for a Jenkins pipeline step or shared-library call, by name and arguments."""
    spec = JENKINS_STEPS.get(name.lower())
    if spec is not None:
        tags = _split(spec)
    else:
        # A shared-library step known only by its name: ``deployToProd()`` deploys, but
        # ``publishBuildStatusReport()`` reports.
        tags = set() if is_setup_name(name) else set(classify_name(name))
    return frozenset(tags | _input_tags(JENKINS_INPUTS, name.lower(), inputs or {}))


def classify_gitlab_report(report: str) -> tuple[str, frozenset[str]]:
    """The report name and tags of a GitLab ``artifacts:reports`` type."""
    name, spec = GITLAB_REPORTS.get(report, (report, f"report:{report}"))
    return name, frozenset(_split(spec))


def classify_gitlab_keyword(keyword: str) -> frozenset[str]:
    """Tags for a GitLab job keyword (``release``, ``pages``, ``when:manual`` …)."""
    return frozenset(_split(GITLAB_KEYWORDS.get(keyword, "")))


@lru_cache(maxsize=4096)
def classify_name(name: str) -> frozenset[str]:
    """Tags suggested by a stage or step name (``deploy-prod``, ``Unit tests``, ``deployToProd``)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    tags: set[str] = set()
    for word in _WORDS.findall(spaced.replace("_", " ")):
        for piece in (word, *word.split("-")):
            spec = NAME_WORDS.get(piece)
            if spec:
                tags |= _split(spec)
    return frozenset(tags)


def kinds(tags: Iterable[str]) -> frozenset[str]:
    """The stage kinds among ``tags`` (the part before ``:``)."""
    return frozenset(k for k in (t.partition(":")[0] for t in tags) if k in KINDS)


_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_DYNAMIC = re.compile(r"\$\{\{|\$\{|\$\(|\$\[\[|\$[A-Za-z_]|\{\{|%\{")


def is_dynamic(name: str) -> bool:
    """Whether an environment name is computed per run (branch, merge request, PR number)."""
    return bool(_DYNAMIC.search(name))


class Tiers:
    """Environment tier inference: user patterns first, then the default name table."""

    def __init__(self, overrides: Iterable[tuple[str, str]] = ()) -> None:
        self.overrides = [(tier, re.compile(p, re.IGNORECASE)) for tier, p in overrides]

    def __call__(self, name: str) -> str:
        for tier, pattern in self.overrides:
            if pattern.search(name):
                return tier
        static = _DYNAMIC.split(name)[0] if is_dynamic(name) else name
        if not static.strip():
            static = name
        # Identifiers such as Azure job names are camelCase: DeployProd, PreProdWestEurope.
        lowered = _CAMEL.sub(r"\1-\2", static).lower()
        for tier, pattern in _tables()[2]:
            if pattern.search(lowered):
                return tier
        return "other"


# The deploy words around an environment in a job or step name: "Deploy to production",
# "deploy-prod", "DeployProd", "deployToStaging", "prod-deploy".
_DEPLOY_PREFIX = re.compile(
    r"^(?i:deploy(?:ment|ing)?|release|rollout|promote)"
    r"(?:(?:[\s_:-]+|(?=[A-Z]))(?i:to|on|into|in|for)(?=[\s_:-]|[A-Z]))?(?:[\s_:-]+|(?=[A-Z]))"
)
_DEPLOY_SUFFIX = re.compile(r"(?:[\s_:-]+|(?<=[a-z0-9])(?=[A-Z]))(?i:deploy(?:ment)?)$")


def environment_part(name: str) -> str:
    """The environment a deploy job's or step's name names, without the deploy words
    ("Deploy to production" → "production"); the whole name when nothing is left."""
    rest = _DEPLOY_SUFFIX.sub("", _DEPLOY_PREFIX.sub("", name, count=1)).strip()
    return rest or name


DEFAULT_TIERS = Tiers()
