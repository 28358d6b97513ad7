"""`cassette` as git's diff driver, end to end: real repositories in tmp_path, the installed
`cassette` script on PATH, and git itself calling it (textconv and external diff), plus
`cassette diff --rev` and `cassette git-setup`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cassette_tool.diff import CassetteDiff, Options
from cassette_tool.gitdiff import ExternalDiffArgs, diff_external, parse_external_args

from conftest import SAMPLES, Run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CASSETTE = Path(sys.executable).parent / "cassette"
WEATHER = "go-vcr/openrouter_tool_streaming.yaml"  # reply #1: "… 17 °C. Take an umbrella."
GZIP = "vcrpy/openai_chat_gzip.yaml"
OLLAMA = "vcrpy/ollama_generate.yaml"


def isolated_env(scratch: Path) -> dict[str, str]:
    """`cassette` first on PATH; neither the user's nor the system's git config (pagers,
    colour, drivers); no repository above `scratch` is ever found."""
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": f"{CASSETTE.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home), "XDG_CONFIG_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(scratch),
        "GIT_PAGER": "cat", "PAGER": "cat", "NO_COLOR": "1", "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8",
    }


def run_in(cwd: Path, env: dict[str, str], *args: str) -> Run:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False)
    return Run(done.returncode, done.stdout, done.stderr)


class Repo:
    """A scratch repository; git and `cassette` run in it with `isolated_env`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = isolated_env(root.parent)
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test Author")
        self.git("config", "user.email", "author@example.com")

    def run(self, *args: str, cwd: Path | None = None) -> Run:
        return run_in(cwd or self.root, self.env, *args)

    def git(self, *args: str, cwd: Path | None = None) -> Run:
        run = self.run("git", *args, cwd=cwd)
        assert run.code == 0, run
        return run

    def cassette(self, *args: str, cwd: Path | None = None) -> Run:
        return self.run(str(CASSETTE), *args, cwd=cwd)

    def copy(self, sample: str, to: str) -> Path:
        target = self.root / to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / sample, target)
        return target

    def write(self, to: str, text: str) -> Path:
        target = self.root / to
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def edit(self, path: str, old: str, new: str) -> None:
        target = self.root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        target.write_text(text.replace(old, new), encoding="utf-8")

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    assert CASSETTE.exists(), f"the project must be installed in this venv: no {CASSETTE}"
    return Repo(tmp_path / "repo")


@pytest.fixture
def driven(repo: Repo) -> Repo:
    """Two cassettes and a config YAML under testdata/, committed, with the driver set up."""
    repo.copy(WEATHER, "testdata/weather.yaml")
    repo.copy(GZIP, "testdata/sub/units.yaml")
    repo.write("testdata/config.yaml", "name: demo\nretries: 3\n")
    repo.commit("cassettes")
    setup = repo.cassette("git-setup", "--apply")
    assert setup.code == 0, setup
    repo.commit("diff driver")
    return repo


def no_temp_paths(run: Run, repo: Repo) -> bool:
    # git hands textconv and the driver copies under $TMPDIR/git-blob-XXXX/.
    return "git-blob-" not in run.out + run.err and str(repo.root) not in run.out


# --- git-setup --------------------------------------------------------------------------------

def test_git_setup_prints_patterns_of_the_folders_holding_cassettes(repo: Repo) -> None:
    repo.copy(WEATHER, "tests/cassettes/weather.yaml")
    repo.copy(GZIP, "tests/cassettes/units/convert.yaml")
    repo.copy("nock/openai_chat.json", "tests/cassettes/http/recipe.json")
    repo.copy("ruby-vcr/openai_chat_streaming.yml", "spec/fixtures/chat.yml")
    repo.write("config.yaml", "name: demo\n")
    repo.write("package.json", '{"name": "demo"}\n')
    repo.commit("cassettes")
    run = repo.cassette("git-setup")
    assert run.code == 0, run
    assert run.out.splitlines() == [
        "# add to .gitattributes:",
        "/spec/fixtures/**/*.yml diff=cassette",
        "/tests/cassettes/**/*.yaml diff=cassette",
        "/tests/cassettes/http/**/*.json diff=cassette",
        "# then run:",
        "git config diff.cassette.textconv 'cassette show --canonical'",
        "git config diff.cassette.command 'cassette diff'",
        "# or run: cassette git-setup --apply",
    ]
    assert not (repo.root / ".gitattributes").exists()


def test_git_setup_apply_writes_attributes_once_and_the_config(repo: Repo) -> None:
    repo.copy(WEATHER, "testdata/weather.yaml")
    repo.write(".gitattributes", "*.png binary")  # no final newline
    repo.commit("cassettes")
    for _ in range(2):
        run = repo.cassette("git-setup", "--apply")
        assert run.code == 0, run
    attributes = (repo.root / ".gitattributes").read_text(encoding="utf-8")
    assert attributes == "*.png binary\n/testdata/**/*.yaml diff=cassette\n"
    assert repo.git("config", "--local", "diff.cassette.textconv").out.strip() == \
        "cassette show --canonical"
    assert repo.git("config", "--local", "diff.cassette.command").out.strip() == "cassette diff"
    assert repo.git("check-attr", "diff", "testdata/weather.yaml").out.strip() == \
        "testdata/weather.yaml: diff: cassette"


def test_git_setup_with_explicit_patterns(repo: Repo) -> None:
    run = repo.cassette("git-setup", "cassettes/*.yaml")
    assert run.code == 0, run
    assert "cassettes/*.yaml diff=cassette" in run.out.splitlines()


def test_git_setup_without_cassettes_is_a_usage_error(repo: Repo) -> None:
    repo.write("config.yaml", "name: demo\n")
    repo.commit("no cassettes")
    run = repo.cassette("git-setup")
    assert run.code == 2, run
    assert "no cassettes found" in run.err


# --- git diff through the external driver -----------------------------------------------------

def test_git_diff_shows_the_changed_reply_word(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    run = driven.git("diff")
    assert run.out.splitlines() == [
        "~ testdata/weather.yaml",
        "  #1 reply.text",
        "  Yes — light rain in Lisbon, 17 °C. [-Take-]{+Bring+} an umbrella.",
    ]


def test_git_diff_of_noise_only_says_no_semantic_change(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "duration: 412.08ms", "duration: 1.5s")
    driven.edit("testdata/weather.yaml", "gen-1761402211-a8Kd02LxQpZr7TnWv3Ys", "gen-other")
    raw = driven.git("diff", "--no-ext-diff", "--no-textconv", "--numstat").out
    assert raw == "8\t8\ttestdata/weather.yaml\n"
    assert driven.git("diff").out == "testdata/weather.yaml: no semantic change\n"
    # The text conversion leaves noise out too, so the plain diff is empty.
    assert driven.git("diff", "--no-ext-diff").out == ""


def test_git_show_ext_diff_on_a_commit(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Pack a raincoat")
    driven.commit("raincoat")
    run = driven.git("show", "--ext-diff", "--format=", "HEAD")
    assert "~ testdata/weather.yaml" in run.out
    assert "[-Take-]{+Pack+} [-an-]{+a+} [-umbrella-]{+raincoat+}" in run.out
    assert no_temp_paths(run, driven), run


def test_rename_with_edit_reaches_the_driver_with_nine_arguments(driven: Repo) -> None:
    log = driven.root.parent / "argc.log"
    wrapper = driven.root.parent / "driver.sh"
    wrapper.write_text(f'echo $# >> "{log}"\nexec cassette diff "$@"\n', encoding="utf-8")
    driven.git("config", "diff.cassette.command", f"sh {wrapper}")
    driven.git("mv", "testdata/weather.yaml", "testdata/lisbon.yaml")
    driven.edit("testdata/lisbon.yaml", "Take an umbrella", "Bring an umbrella")
    run = driven.git("diff", "-M", "HEAD")
    assert log.read_text().split() == ["9"]
    assert run.out.splitlines()[0] == "~ testdata/weather.yaml → testdata/lisbon.yaml"
    assert "[-Take-]{+Bring+}" in run.out


def test_deleted_and_added_cassettes_through_the_driver(driven: Repo) -> None:
    driven.git("rm", "-q", "testdata/sub/units.yaml")
    driven.copy(OLLAMA, "testdata/oven.yaml")
    driven.git("add", "testdata/oven.yaml")
    run = driven.git("diff", "HEAD")
    assert run.out.splitlines() == [
        "+ testdata/oven.yaml (added: 1 interaction)",
        "- testdata/sub/units.yaml (removed: 1 interaction)",
    ]


def test_a_config_yaml_under_the_pattern_does_not_stop_git_diff(driven: Repo) -> None:
    driven.edit("testdata/config.yaml", "retries: 3", "retries: 5")
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    run = driven.git("diff")  # git stops at the first driver that exits non-zero
    assert run.code == 0, run
    assert "[-Take-]{+Bring+}" in run.out


def test_a_config_yaml_gets_a_plain_diff_from_the_driver(driven: Repo) -> None:
    driven.edit("testdata/config.yaml", "retries: 3", "retries: 5")
    run = driven.git("diff")
    assert run.out.splitlines() == [
        "--- a/testdata/config.yaml",
        "+++ b/testdata/config.yaml",
        "@@ -1,2 +1,2 @@",
        " name: demo",
        "-retries: 3",
        "+retries: 5",
    ]


def test_an_unreadable_cassette_is_named_by_its_repository_path(driven: Repo) -> None:
    driven.write("testdata/weather.yaml", "interactions:\n  - request: [unclosed\n")
    driven.commit("broken")
    run = driven.git("show", "--ext-diff", "--format=", "HEAD")
    assert run.out.startswith("! testdata/weather.yaml (error: testdata/weather.yaml:3:1:")
    assert no_temp_paths(run, driven), run


# --- git diff --no-ext-diff, git show, git log -p: text conversion -----------------------------

def test_no_ext_diff_shows_the_converted_reply_line(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    run = driven.git("diff", "--no-ext-diff")
    changed = [line for line in run.out.splitlines() if line[:1] in "+-"]
    assert changed == [
        "--- a/testdata/weather.yaml",
        "+++ b/testdata/weather.yaml",
        "-  assistant Yes — light rain in Lisbon, 17 °C. Take an umbrella.",
        "+  assistant Yes — light rain in Lisbon, 17 °C. Bring an umbrella.",
    ]
    assert no_temp_paths(run, driven), run


@pytest.mark.parametrize("command", [["show", "HEAD"], ["log", "-p", "-1"]])
def test_show_and_log_p_use_the_text_conversion(driven: Repo, command: list[str]) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    driven.commit("bring")
    run = driven.git(*command)
    assert "-  assistant Yes — light rain in Lisbon, 17 °C. Take an umbrella." in run.out
    assert "+  assistant Yes — light rain in Lisbon, 17 °C. Bring an umbrella." in run.out
    assert "data: {" not in run.out  # not the raw stream chunks
    assert no_temp_paths(run, driven), run


def test_textconv_of_added_and_deleted_cassettes(driven: Repo) -> None:
    driven.git("rm", "-q", "testdata/sub/units.yaml")
    driven.copy(OLLAMA, "testdata/oven.yaml")
    driven.git("add", "testdata/oven.yaml")
    run = driven.git("diff", "--no-ext-diff", "HEAD")
    assert "+cassette · vcrpy · 1 interaction" in run.out
    assert "+  user      Convert 350 degrees Fahrenheit to Celsius" in run.out
    assert "-cassette · vcrpy · 1 interaction" in run.out
    assert no_temp_paths(run, driven), run


def test_textconv_passes_a_non_cassette_yaml_through(driven: Repo) -> None:
    config = driven.root / "testdata/config.yaml"
    run = driven.cassette("show", "--canonical", str(config))
    assert run.code == 0, run
    assert run.out == config.read_text(encoding="utf-8")
    driven.edit("testdata/config.yaml", "retries: 3", "retries: 5")
    plain = driven.git("diff", "--no-ext-diff")
    assert "-retries: 3\n+retries: 5\n" in plain.out


# --- cassette diff --rev ----------------------------------------------------------------------

def test_rev_lists_changed_added_untracked_and_removed(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    driven.git("rm", "-q", "testdata/sub/units.yaml")
    driven.copy(OLLAMA, "testdata/oven.yaml")  # untracked
    run = driven.cassette("diff", "--rev", "HEAD")
    assert run.code == 1, run
    assert run.out.splitlines() == [
        "+ testdata/oven.yaml (added: 1 interaction)",
        "- testdata/sub/units.yaml (removed: 1 interaction)",
        "~ testdata/weather.yaml",
        "  #1 reply.text",
        "  Yes — light rain in Lisbon, 17 °C. [-Take-]{+Bring+} an umbrella.",
        "3 cassettes compared: 1 changed, 1 added, 1 removed",
    ]


def test_rev_without_semantic_change_exits_0(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "duration: 412.08ms", "duration: 1.5s")
    driven.edit("testdata/config.yaml", "retries: 3", "retries: 5")  # not a cassette
    run = driven.cassette("diff", "--rev", "HEAD")
    assert run.code == 0, run
    assert run.out.splitlines() == ["1 cassette compared: 1 without semantic change"]


def test_rev_of_an_older_commit(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    driven.commit("bring")
    assert driven.cassette("diff", "--rev", "HEAD").code == 0
    run = driven.cassette("diff", "--rev", "HEAD~1")
    assert run.code == 1, run
    assert "[-Take-]{+Bring+}" in run.out


def test_rev_limited_to_a_path(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    driven.copy(OLLAMA, "testdata/sub/oven.yaml")
    run = driven.cassette("diff", "--rev", "HEAD", "testdata/sub")
    assert run.code == 1, run
    assert run.out.splitlines() == ["+ testdata/sub/oven.yaml (added: 1 interaction)",
                                    "1 cassette compared: 1 added"]


def test_rev_from_a_subdirectory_takes_paths_relative_to_it(driven: Repo) -> None:
    driven.edit("testdata/weather.yaml", "Take an umbrella", "Bring an umbrella")
    driven.copy(OLLAMA, "testdata/sub/oven.yaml")
    sub = driven.root / "testdata/sub"
    here = driven.cassette("diff", "--rev", "HEAD", cwd=sub)
    assert here.code == 1, here
    assert here.out.splitlines()[0] == "+ testdata/sub/oven.yaml (added: 1 interaction)"
    assert "weather" not in here.out
    up = driven.cassette("diff", "--rev", "HEAD", "../weather.yaml", cwd=sub)
    assert up.code == 1, up
    assert up.out.splitlines()[0] == "~ testdata/weather.yaml"


def test_rev_names_a_pure_rename_without_change(driven: Repo) -> None:
    driven.git("mv", "testdata/weather.yaml", "testdata/lisbon.yaml")
    run = driven.cassette("diff", "--rev", "HEAD")
    assert run.code == 0, run
    assert run.out.splitlines() == ["1 cassette compared: 1 without semantic change"]


def test_rev_unknown_exits_2_with_one_line(driven: Repo) -> None:
    run = driven.cassette("diff", "--rev", "nonexistent")
    assert run.code == 2, run
    assert run.err == "--rev nonexistent: not a commit in this repository\n"


def test_rev_never_passes_an_option_to_git(driven: Repo) -> None:
    run = driven.cassette("diff", "--rev=--output=stolen.txt")
    assert run.code == 2, run
    assert not (driven.root / "stolen.txt").exists()


def test_rev_outside_a_repository_exits_2(tmp_path: Path) -> None:
    run = run_in(tmp_path, isolated_env(tmp_path), str(CASSETTE), "diff", "--rev", "HEAD")
    assert run.code == 2, run
    assert len(run.err.splitlines()) == 1 and "not a git repository" in run.err


# --- the library side of the driver -----------------------------------------------------------

def test_parse_external_args() -> None:
    plain = ["a.yaml", "/tmp/x/a.yaml", "1" * 40, "100644", "a.yaml", "0" * 40, "100644"]
    assert parse_external_args(plain) == ExternalDiffArgs("a.yaml", "/tmp/x/a.yaml", "a.yaml")
    added = ["a.yaml", "/dev/null", ".", ".", "a.yaml", "1" * 40, "100644"]
    assert parse_external_args(added) == ExternalDiffArgs("a.yaml", None, "a.yaml")
    renamed = [*plain[:4], "b.yaml", *plain[5:], "b.yaml", "similarity index 90%\n"]
    assert parse_external_args(renamed) == \
        ExternalDiffArgs("b.yaml", "/tmp/x/a.yaml", "b.yaml", renamed_from="a.yaml")
    assert parse_external_args(["old.yaml", "new.yaml"]) is None


def test_diff_external_names_git_copies_by_repository_path(tmp_path: Path) -> None:
    copy = tmp_path / "git-blob-Ab12Cd" / "weather.yaml"
    copy.parent.mkdir()
    copy.write_text("interactions:\n  - request: [unclosed\n", encoding="utf-8")
    args = ExternalDiffArgs("testdata/weather.yaml", str(copy), str(SAMPLES / WEATHER))
    result = diff_external(args, Options())
    assert isinstance(result, CassetteDiff) and result.status == "error"
    assert result.detail.startswith("testdata/weather.yaml:3:1: invalid YAML")
    assert "git-blob" not in result.detail


def test_diff_external_gives_a_plain_diff_for_other_files(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("name: demo\nretries: 3", encoding="utf-8")
    new.write_text("name: demo\nretries: 5\n", encoding="utf-8")
    result = diff_external(ExternalDiffArgs("conf/app.yaml", str(old), str(new)), Options())
    assert result == ("--- a/conf/app.yaml\n+++ b/conf/app.yaml\n@@ -1,2 +1,2 @@\n"
                      " name: demo\n-retries: 3\n\\ No newline at end of file\n+retries: 5\n")
    added = diff_external(ExternalDiffArgs("conf/app.yaml", None, str(new)), Options())
    assert isinstance(added, str) and added.startswith("--- /dev/null\n+++ b/conf/app.yaml\n")
