"""Git plumbing for `cassette diff`: the cassettes that changed since a revision, the
arguments git passes to an external diff driver, and the configuration that installs
`cassette` as a diff driver."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .diff import CassetteDiff, Loader, Options, diff_pair
from .errors import CassetteError
from .load import CASSETTE_SUFFIXES, load, load_bytes
from .model import Cassette

DRIVER = "cassette"
NULL = "/dev/null"


def _git(*args: str, cwd: str = ".") -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise CassetteError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise CassetteError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout


@dataclass(frozen=True, slots=True)
class ExternalDiffArgs:
    """What git passes to `diff.<driver>.command`: 7 arguments, or 9 for a rename."""

    name: str
    old: str | None
    new: str | None
    renamed_from: str | None = None


def parse_external_args(args: list[str]) -> ExternalDiffArgs | None:
    if len(args) not in (7, 9):
        return None
    path, old_file, _old_hex, _old_mode, new_file, _new_hex, _new_mode = args[:7]
    name, renamed_from = (args[7], path) if len(args) == 9 else (path, None)
    return ExternalDiffArgs(name, None if old_file == NULL else old_file,
                            None if new_file == NULL else new_file, renamed_from)


def diff_against_revision(rev: str, paths: list[str], options: Options) -> list[CassetteDiff]:
    """Every cassette under `paths` that differs between `rev` and the working tree."""
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    prefix = _git("rev-parse", "--show-prefix").decode().strip()
    _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    specs = [os.path.join(prefix, p) if p != "." else (prefix or ".") for p in paths or ["."]]
    listing = _git("diff", "--name-status", "-z", "-M", rev, "--", *specs, cwd=top)
    untracked = _git("ls-files", "--others", "--exclude-standard", "-z", "--", *specs, cwd=top)
    results: list[CassetteDiff] = []
    for status, old_path, new_path in _entries(listing, untracked):
        if not (old_path or new_path or "").endswith(CASSETTE_SUFFIXES):
            continue
        name = new_path or old_path or ""
        result = diff_pair(name, old_path and f"{rev}:{old_path}",
                           new_path and os.path.join(top, new_path), options,
                           loader=_revision_loader(top))
        if result.status == "error" and "not a cassette" in result.detail:
            continue  # a YAML or JSON file that is no cassette: not ours to report
        if status.startswith("R") and old_path != new_path and result.status == "unchanged":
            result = CassetteDiff(f"{old_path} → {new_path}", "unchanged")
        results.append(result)
    return results


def _entries(listing: bytes, untracked: bytes) -> list[tuple[str, str | None, str | None]]:
    fields = [f.decode("utf-8", errors="surrogateescape") for f in listing.split(b"\0") if f]
    entries: list[tuple[str, str | None, str | None]] = []
    index = 0
    while index < len(fields):
        status = fields[index]
        if status[:1] in ("R", "C"):
            entries.append((status, fields[index + 1], fields[index + 2]))
            index += 3
            continue
        path = fields[index + 1]
        entries.append((status, None if status == "A" else path, None if status == "D" else path))
        index += 2
    for raw in untracked.split(b"\0"):
        if raw:
            entries.append(("A", None, raw.decode("utf-8", errors="surrogateescape")))
    return entries


def _revision_loader(top: str) -> Loader:
    def load_any(spec: str) -> Cassette:
        if os.path.exists(spec):
            return load(spec)
        # `REV:path`: the file as it was at that revision.
        return load_bytes(spec, _git("show", spec, cwd=top))

    return load_any


def setup_lines(patterns: list[str]) -> tuple[list[str], list[list[str]]]:
    """The `.gitattributes` lines and the `git config` commands that make `git diff` (and
    `git log -p`, `git show`) readable for cassettes."""
    attributes = [f"{pattern} diff={DRIVER}" for pattern in patterns]
    config = [
        ["git", "config", f"diff.{DRIVER}.textconv", "cassette show --canonical"],
        ["git", "config", f"diff.{DRIVER}.command", "cassette diff"],
    ]
    return attributes, config


def apply_setup(patterns: list[str]) -> str:
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    attributes, config = setup_lines(patterns)
    path = os.path.join(top, ".gitattributes")
    existing = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else ""
    missing = [line for line in attributes if line not in existing.splitlines()]
    if missing:
        with open(path, "a", encoding="utf-8") as out:
            if existing and not existing.endswith("\n"):
                out.write("\n")
            out.write("\n".join(missing) + "\n")
    for command in config:
        _git(*command[1:], cwd=top)
    return path


def default_patterns() -> list[str]:
    """Where this repository keeps cassettes: the folders of tracked files that read as
    cassettes, as `.gitattributes` patterns."""
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    tracked = _git("ls-files", "-z", cwd=top).split(b"\0")
    folders: dict[str, str] = {}
    for raw in tracked:
        path = raw.decode("utf-8", errors="surrogateescape")
        if not path.endswith(CASSETTE_SUFFIXES):
            continue
        folder, _, name = path.rpartition("/")
        if folder in folders:
            continue
        try:
            load(os.path.join(top, path), priced=False)
        except CassetteError:
            continue
        folders[folder] = os.path.splitext(name)[1]
    return [f"/{folder}/**/*{suffix}" if folder else f"/*{suffix}"
            for folder, suffix in sorted(_outermost(folders).items())]


def _outermost(folders: dict[str, str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for folder in sorted(folders, key=len):
        if not any(folder == k or folder.startswith(k + "/") for k in kept if k):
            kept[folder] = folders[folder]
    return kept
