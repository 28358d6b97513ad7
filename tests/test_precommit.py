"""The hooks in .pre-commit-hooks.yaml, run by pre-commit itself in a throwaway git repository
with a planted secret.

`pre-commit try-repo` and a `repo:` entry take a repository's committed HEAD (try-repo adds
the uncommitted changes of *tracked* files only, never new files), so the tests commit a copy
of what the hooks need (the package, pyproject.toml, README.md, the manifest) in a repository
of their own: the result does not depend on the state of this checkout.

The `-system` hooks run the `cassette` of this environment and need no package index. The
`language: python` hooks make pre-commit install this project into a virtualenv with pip,
which fetches the dependencies from the package index: that test runs only when
CASSETTE_TEST_PRECOMMIT_INSTALL=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytest.importorskip("pre_commit", reason="pre-commit is not installed: pip install -e '.[test]'")

KEY = "sk-proj-" + "Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1Gf5Ea0Qu" * 2
CASSETTE = f"""interactions:
- request:
    body: '{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"How many ml in a cup?"}}]}}'
    headers:
      authorization:
      - Bearer {KEY}
      content-type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: '{{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{{"index":0,"message":{{"role":"assistant","content":"About 240 ml."}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":14,"completion_tokens":5,"total_tokens":19}}}}'
    headers:
      content-type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                           "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("hooks")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "cassette_tool", repo / "cassette_tool",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    (repo / "tests" / "cassettes").mkdir(parents=True)
    (repo / "tests" / "cassettes" / "test_cups.yaml").write_text(CASSETTE)
    # Not a cassette, outside the cassette folders: the hooks' `files` must leave it out.
    (repo / "settings.yaml").write_text(f"api_key: {KEY}\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def pre_commit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               PRE_COMMIT_COLOR="never")
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_validate_hook_reports_the_planted_secret(hooks_repo: Path, project: Path) -> None:
    run = pre_commit(project, "try-repo", str(hooks_repo), "cassette-validate-system",
                     "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "tests/cassettes/test_cups.yaml:6:" in run.stdout and "S101" in run.stdout
    assert "settings.yaml" not in run.stdout


def test_redact_hook_fixes_the_file_and_stops_the_commit(hooks_repo: Path,
                                                         project: Path) -> None:
    cassette = project / "tests" / "cassettes" / "test_cups.yaml"
    run = pre_commit(project, "try-repo", str(hooks_repo), "cassette-redact-system",
                     "--all-files")
    # A fixer: pre-commit fails the commit because files changed, so they get reviewed.
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    assert cassette.read_text() == CASSETTE.replace(KEY, "REDACTED")
    assert KEY in (project / "settings.yaml").read_text()
    again = pre_commit(project, "try-repo", str(hooks_repo), "cassette-validate-system",
                       "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr


def test_configured_hooks_with_check_and_own_files(hooks_repo: Path, project: Path) -> None:
    # What a user writes: a pinned revision, `--check` (refuse instead of fixing), and a
    # `files` pattern for cassettes kept elsewhere.
    (project / "recorded").mkdir()
    shutil.move(project / "tests" / "cassettes" / "test_cups.yaml", project / "recorded")
    (project / ".pre-commit-config.yaml").write_text(f"""repos:
-   repo: {hooks_repo}
    rev: {git(hooks_repo, "rev-parse", "HEAD")}
    hooks:
    -   id: cassette-redact-system
        args: [--check]
        files: ^recorded/
    -   id: cassette-validate-system
        files: ^recorded/
""")
    git(project, "add", "-A")
    run = pre_commit(project, "run", "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "recorded/test_cups.yaml:6:" in run.stdout and "would redact 1 secret(s)" in run.stdout
    assert "files were modified" not in run.stdout
    assert (project / "recorded" / "test_cups.yaml").read_text() == CASSETTE


# CI installs the project from the package index anyway, so it runs this one too.
@pytest.mark.skipif(not (os.environ.get("CASSETTE_TEST_PRECOMMIT_INSTALL") == "1"
                         or os.environ.get("CI")),
                    reason="installs the project with pip from the package index; set "
                           "CASSETTE_TEST_PRECOMMIT_INSTALL=1 (CI sets CI) to run it")
def test_python_hooks_install_the_project(hooks_repo: Path, project: Path) -> None:
    run = pre_commit(project, "try-repo", str(hooks_repo), "cassette-redact", "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    assert KEY not in (project / "tests" / "cassettes" / "test_cups.yaml").read_text()
