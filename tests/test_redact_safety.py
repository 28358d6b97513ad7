"""`cassette redact` loses nothing: a write that fails at any step (the disk full while
writing, a failure between writing and renaming, an interrupt, a read-only file or folder)
leaves the file byte-identical and no temporary file behind; the file keeps its mode; and a
symbolic link is followed only within the folder that was named, unless asked.

Failures are simulated by patching the one system call that would fail, so the tests do
not depend on the user running them (root ignores permission bits) or on a real full disk.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from cassette_tool.errors import CassetteError
from cassette_tool.redact import Options, redact_file
from cassette_tool.secrets import Rules

from conftest import go_vcr

OPENAI_KEY = "sk-proj-" + "Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1Gf5Ea0Qu" * 2
LEAKY = go_vcr(request_headers=f"            Authorization:\n                - Bearer {OPENAI_KEY}\n")


def write_leaky(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LEAKY)
    return path


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    return write_leaky(tmp_path / "cassettes" / "c.yaml")


def redact(path: Path, tree: Path | None = None) -> None:
    redact_file(str(path), Rules(), Options(), tree=None if tree is None else str(tree))


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file of the folder, hidden ones included: a temporary file left behind shows."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_refused_and_untouched(path: Path, match: str) -> None:
    before = folder_state(path.parent)
    with pytest.raises(CassetteError, match=match) as caught:
        redact(path)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(str(path))
    assert "the file is unchanged" in str(caught.value)
    assert folder_state(path.parent) == before


# --- a write that fails half-way -------------------------------------------------------------

class _FullDisk:
    """A file object that writes half of what it is given, then finds the disk full."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        self.real.write(data[:len(data) // 2])
        self.real.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def test_a_full_disk_while_writing_leaves_the_file(leaky: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k)))
    assert_refused_and_untouched(leaky, "cannot write: No space left on device")


@pytest.mark.parametrize("call", ["fsync", "chmod", "replace"])
def test_a_failure_between_writing_and_renaming_leaves_the_file(
        leaky: Path, monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    # fsync reports a full disk or an I/O error of delayed writes; chmod a file system that
    # refuses modes; replace a rename that fails (a folder whose entry is busy, EXDEV...).
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, f"Input/output error in {call}")

    monkeypatch.setattr(os, call, fail)
    assert_refused_and_untouched(leaky, f"cannot write: Input/output error in {call}")


def test_an_interrupt_before_the_rename_leaves_the_file(leaky: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    before = folder_state(leaky.parent)
    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        redact(leaky)
    assert folder_state(leaky.parent) == before


def test_an_interrupt_is_exit_130_and_the_file_is_unchanged(cli, leaky: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    before = folder_state(leaky.parent)
    monkeypatch.setattr(os, "replace", interrupt)
    run = cli("redact", str(leaky))
    assert run.code == 130 and "Traceback" not in run.err, run
    assert folder_state(leaky.parent) == before


def test_a_read_only_file_is_refused(leaky: Path) -> None:
    leaky.chmod(0o444)
    assert_refused_and_untouched(leaky, "cannot write: the file is read-only")
    assert stat.S_IMODE(leaky.stat().st_mode) == 0o444


def test_a_read_only_folder_is_refused(leaky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What creating the temporary file in a read-only folder gives; patched, since root
    # (as in CI containers) may create files in any folder.
    leaky.parent.chmod(0o555)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, dir: str | None = None, **kwargs: Any) -> tuple[int, str]:
        if dir is not None and not os.stat(dir).st_mode & 0o222:
            raise PermissionError(errno.EACCES, "Permission denied", dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    try:
        assert_refused_and_untouched(leaky, "cannot write: Permission denied")
    finally:
        leaky.parent.chmod(0o755)


def test_a_file_that_cannot_be_read_is_refused(leaky: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    with pytest.raises(CassetteError, match="cannot read: Permission denied"):
        redact(leaky)
    monkeypatch.undo()
    assert leaky.read_text() == LEAKY


def test_a_hard_linked_file_is_refused(leaky: Path) -> None:
    # A rename gives the name a new file: the other names would keep the secret.
    other = leaky.parent / "copy.yaml"
    os.link(leaky, other)
    assert_refused_and_untouched(leaky, "other hard link")
    assert other.read_text() == LEAKY


# --- what a successful write keeps -------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o755, 0o2644])
def test_the_mode_is_kept(leaky: Path, mode: int) -> None:
    leaky.chmod(mode)
    redact(leaky)
    assert stat.S_IMODE(leaky.stat().st_mode) == mode
    assert OPENAI_KEY not in leaky.read_text()


def test_only_the_file_changes_in_its_folder(leaky: Path) -> None:
    neighbour = leaky.parent / "notes.txt"
    neighbour.write_text("untouched\n")
    redact(leaky)
    assert sorted(p.name for p in leaky.parent.iterdir()) == ["c.yaml", "notes.txt"]
    assert leaky.read_text() == LEAKY.replace(OPENAI_KEY, "REDACTED")


def test_a_file_that_fails_its_check_is_never_written(leaky: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused before any write: no temporary file is even created.
    def no_temporary(*args: object, **kwargs: object) -> None:
        raise AssertionError("a temporary file was created")

    leaky.write_text(LEAKY.replace("    - id: 0\n", "    - id: 0\n      x: [\n"))
    monkeypatch.setattr(tempfile, "mkstemp", no_temporary)
    with pytest.raises(CassetteError, match="invalid YAML"):
        redact(leaky)


# --- symbolic links -----------------------------------------------------------------------

@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A cassette outside the folder that will be named on the command line."""
    return write_leaky(tmp_path / "elsewhere" / "shared.yaml")


def test_a_link_within_the_tree_is_followed_and_kept(leaky: Path) -> None:
    link = leaky.parent / "sub" / "link.yaml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / leaky.name)
    redact(link, tree=leaky.parent)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "c.yaml")
    assert OPENAI_KEY not in leaky.read_text()


def test_a_link_out_of_the_tree_is_refused(tmp_path: Path, outside: Path) -> None:
    tree = tmp_path / "cassettes"
    link = tree / "shared.yaml"
    tree.mkdir()
    link.symlink_to(outside)
    for write in (True, False):  # checking refuses too: it must agree with writing
        with pytest.raises(CassetteError, match="a symbolic link to .*outside.*not followed"):
            redact_file(str(link), Rules(), Options(), write=write, tree=str(tree))
    assert outside.read_text() == LEAKY and link.is_symlink()


def test_a_link_chain_that_leaves_the_tree_is_refused(tmp_path: Path, outside: Path) -> None:
    tree = tmp_path / "cassettes"
    tree.mkdir()
    (tree / "hop.yaml").symlink_to(outside)
    (tree / "first.yaml").symlink_to("hop.yaml")
    with pytest.raises(CassetteError, match="outside"):
        redact(tree / "first.yaml", tree=tree)
    assert outside.read_text() == LEAKY


def test_without_a_tree_a_link_is_followed_anywhere(tmp_path: Path, outside: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(outside)
    redact(link)
    assert link.is_symlink() and OPENAI_KEY not in outside.read_text()


def test_the_command_refuses_a_link_out_of_a_named_folder(cli, tmp_path: Path,
                                                          outside: Path) -> None:
    tree = tmp_path / "cassettes"
    inside = write_leaky(tree / "own.yaml")
    (tree / "shared.yaml").symlink_to(outside)
    run = cli("redact", str(tree))
    assert run.code == 2, run
    refusal, = [line for line in run.err.splitlines() if "symbolic link" in line]
    assert refusal.startswith(f"{tree / 'shared.yaml'}: a symbolic link to {outside}"), run
    assert outside.read_text() == LEAKY
    assert OPENAI_KEY not in inside.read_text()  # the other files are still redacted
    assert cli("redact", "--check", str(tree)).code == 2


def test_the_command_refuses_a_named_link_to_another_folder(cli, tmp_path: Path,
                                                            outside: Path) -> None:
    link = tmp_path / "cassettes" / "shared.yaml"
    link.parent.mkdir()
    link.symlink_to(outside)
    run = cli("redact", str(link))
    assert run.code == 2 and "--follow-symlinks" in run.err, run
    assert outside.read_text() == LEAKY


def test_follow_symlinks_redacts_through_the_link(cli, tmp_path: Path, outside: Path) -> None:
    tree = tmp_path / "cassettes"
    tree.mkdir()
    (tree / "shared.yaml").symlink_to(outside)
    run = cli("redact", "--follow-symlinks", str(tree))
    assert run.code == 0, run
    assert (tree / "shared.yaml").is_symlink() and OPENAI_KEY not in outside.read_text()


def test_the_command_follows_a_link_within_a_named_folder(cli, tmp_path: Path) -> None:
    tree = tmp_path / "cassettes"
    target = write_leaky(tree / "real" / "c.yaml")
    (tree / "alias.yaml").symlink_to(Path("real") / "c.yaml")
    run = cli("redact", str(tree / "alias.yaml"))
    assert run.code == 0, run
    assert OPENAI_KEY not in target.read_text() and (tree / "alias.yaml").is_symlink()


def test_a_dangling_link_is_a_one_line_error(cli, tmp_path: Path) -> None:
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "missing.yaml")
    run = cli("redact", str(link))
    assert run.code == 2 and run.err == f"{link}: no such file\n", run
