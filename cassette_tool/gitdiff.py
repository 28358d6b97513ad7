"""Git plumbing for `cassette diff`: the cassettes that changed since a revision, the
arguments git passes to an external diff driver, and the configuration that installs
`cassette` as a diff driver.

It deliberately knows nothing of how changes are found (`diff.py`) or drawn (`render/`).
"""

from __future__ import annotations

import difflib
import os
import subprocess
from collections.abc import Iterable
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
        raise CassetteError("git is not installed", path="git") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise CassetteError(message[-1] if message else "failed", path=f"git {args[0]}")
    return done.stdout


def _not_a_cassette(result: CassetteDiff) -> bool:
    # formats.parse words every "this is some other YAML or JSON" verdict this way.
    return result.status == "error" and "not a cassette" in result.detail


# --- git's external diff driver -------------------------------------------------------------

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
    # A rename appends the new path and git's "similarity index" message.
    name, renamed_from = (args[7], path) if len(args) == 9 else (path, None)
    return ExternalDiffArgs(name, None if old_file == NULL else old_file,
                            None if new_file == NULL else new_file, renamed_from)


def diff_external(args: ExternalDiffArgs, options: Options) -> CassetteDiff | str:
    """The pair git hands its driver, named by the repository paths, never by git's
    temporary copies. A file the attribute pattern routes here that is no cassette (a
    config YAML next to the cassettes) gets a plain unified diff as text instead."""
    old_name = args.renamed_from or args.name
    name = args.name if args.renamed_from is None else f"{old_name} → {args.name}"
    shown = {path: label for path, label in ((args.old, old_name), (args.new, args.name))
             if path is not None}
    result = diff_pair(name, args.old, args.new, options, loader=_labelled_loader(shown))
    return plain_diff(args) if _not_a_cassette(result) else result


def _labelled_loader(shown: dict[str, str]) -> Loader:
    def load_labelled(path: str) -> Cassette:
        try:
            return load(path)
        except CassetteError as exc:
            # git's copies live in /tmp/git-blob-XXXX/: name the file the user knows.
            raise CassetteError(exc.message, shown.get(path, path), exc.line,
                                exc.column) from exc

    return load_labelled


def plain_diff(args: ExternalDiffArgs) -> str:
    """A unified diff of the two files as text, the way git shows a file without a driver."""
    old, new = _read(args.old), _read(args.new)
    old_label = f"a/{args.renamed_from or args.name}" if args.old else NULL
    new_label = f"b/{args.name}" if args.new else NULL
    if b"\0" in old or b"\0" in new:
        return f"Binary files {old_label} and {new_label} differ\n"
    lines = difflib.unified_diff(_lines(old), _lines(new), old_label, new_label)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _read(path: str | None) -> bytes:
    return Path(path).read_bytes() if path is not None else b""


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


# --- cassette diff --rev ----------------------------------------------------------------------

def diff_against_revision(rev: str, paths: list[str], options: Options) -> list[CassetteDiff]:
    """Every cassette under `paths` (relative to the current directory) that differs between
    `rev` and the working tree, untracked new cassettes included."""
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    prefix = _git("rev-parse", "--show-prefix").decode().strip()
    commit = _commit(rev)
    specs = [os.path.join(prefix, p) if p != "." else (prefix or ".") for p in paths or ["."]]
    listing = _git("diff", "--name-status", "-z", "-M", commit, "--", *specs, cwd=top)
    untracked = _git("ls-files", "--others", "--exclude-standard", "-z", "--", *specs, cwd=top)
    loader = _revision_loader(top, rev, commit)
    results: list[CassetteDiff] = []
    for status, old_path, new_path in _entries(listing, untracked):
        if not any(p and p.endswith(CASSETTE_SUFFIXES) for p in (old_path, new_path)):
            continue
        name = new_path or old_path or ""
        result = diff_pair(name, old_path and f"{rev}:{old_path}",
                           new_path and os.path.join(top, new_path), options, loader=loader)
        if _not_a_cassette(result):
            continue  # a YAML or JSON file that is no cassette: not ours to report
        if status.startswith("R") and old_path != new_path and result.status == "unchanged":
            result = CassetteDiff(f"{old_path} → {new_path}", "unchanged")
        results.append(result)
    # git lists tracked paths in order and untracked ones after them: one order for both.
    return sorted(results, key=lambda result: result.name)


def _commit(rev: str) -> str:
    # The hash, not the name, goes to later git commands: a "revision" such as
    # `--output=x` must never reach them as an option.
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except CassetteError:  # --quiet leaves git's reason out: there is only one
        raise CassetteError("not a commit in this repository", path=f"--rev {rev}") from None


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


def _revision_loader(top: str, rev: str, commit: str) -> Loader:
    def load_any(spec: str) -> Cassette:
        if os.path.isabs(spec):
            return load(spec)  # the working tree side
        # `REV:path`: the file as it was at that revision, named as the user wrote it.
        path = spec[len(rev) + 1:]
        return load_bytes(spec, _git("cat-file", "blob", f"{commit}:{path}", cwd=top))

    return load_any


# --- cassette git-setup -----------------------------------------------------------------------

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
    """Append the missing attribute lines to the top-level `.gitattributes` and set the
    repository's git config; running it twice changes nothing more."""
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    attributes, config = setup_lines(patterns)
    path = os.path.join(top, ".gitattributes")
    existing = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else ""
    present = {line.strip() for line in existing.splitlines()}
    missing = [line for line in attributes if line not in present]
    if missing:
        with open(path, "a", encoding="utf-8") as out:
            if existing and not existing.endswith("\n"):
                out.write("\n")
            out.write("\n".join(missing) + "\n")
    for command in config:
        _git(*command[1:], cwd=top)
    return path


def default_patterns() -> list[str]:
    """Where this repository keeps cassettes: for each suffix, the outermost folders of
    tracked files that read as cassettes, as `.gitattributes` patterns."""
    top = _git("rev-parse", "--show-toplevel").decode().strip()
    tracked = _git("ls-files", "-z", cwd=top).split(b"\0")
    found: set[tuple[str, str]] = set()
    for raw in tracked:
        path = raw.decode("utf-8", errors="surrogateescape")
        if not path.endswith(CASSETTE_SUFFIXES):
            continue
        folder, _, name = path.rpartition("/")
        key = (folder, os.path.splitext(name)[1])
        if key in found:
            continue
        try:
            load(os.path.join(top, path), priced=False)
        except CassetteError:
            continue
        found.add(key)
    return [f"/{folder}/**/*{suffix}" if folder else f"/*{suffix}"
            for folder, suffix in sorted(_outermost(found))]


def _outermost(found: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    # `/a/**/*.yaml` already covers `a/b/`; the root's `/*.yaml` covers no folder.
    kept: list[tuple[str, str]] = []
    for folder, suffix in sorted(found, key=lambda key: (len(key[0]), key)):
        if not any(s == suffix and k and folder.startswith(k + "/") for k, s in kept):
            kept.append((folder, suffix))
    return kept
