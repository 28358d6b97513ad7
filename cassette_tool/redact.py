"""`cassette redact`: replace every secret that `validate` finds by a placeholder, in place,
changing no other byte of the file.

Nothing is re-dumped: a YAML or JSON dump is never byte-identical across recorders
(../shared/docs/yaml-facts.md). Each secret becomes an edit of the original bytes:

* a string written as it is (URL, header, text body, a string of a parsed body): a splice
  into that one scalar, or a same-shape mask where a different length cannot be written in
  place (treeedit.py, on spans.py; yaml-spans.md §4-§5);
* a body stored encoded (`!!binary`, base64, base64 chunks, hex, under gzip, deflate or
  brotli): decoded, replaced in its text and written again the same way (recode.py);
* httprr records: the raw HTTP bytes, their Content-Length and the record's length line
  (rawhttp.py).

A plain body whose length changed keeps go-vcr's `content_length` and its `Content-Length`
header right (when they were). The new bytes are loaded again before anything is written:
the same format, the same number of interactions, the same document structure, bodies that
were JSON still JSON, and no secret left. Only then do they replace the file, atomically (a
temporary file in the same folder, renamed over it) and with the file's mode. Any failure
leaves the file as it was.

Not owned here: what a secret is (secrets.py), where it is stored (sites.py), how a splice is
written in each YAML style (spans.py).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from . import rawhttp, spans, treeedit
from .errors import CassetteError
from .load import load_source
from .model import Cassette
from .secrets import AUTHORIZATION, Rules, placeholder_for
from .sites import Site, file_sites
from .source import Source, read_source, try_json
from .spans import Document, Edit, SpanError


def _never(code: str, path: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Options:
    placeholder: str = "REDACTED"  # a `placeholder_for` template, or secrets.SAME_LENGTH
    include_warnings: bool = False  # also W4xx identifying values (errors are always redacted)
    # (code, path) -> leave it alone: config `ignore` and `per-path-ignores`, `--ignore`
    ignored: Callable[[str, str], bool] = _never

    def __post_init__(self) -> None:
        placeholder_for(AUTHORIZATION, "Xq7dKm2PzR9sLw4Tn8Vb", self.placeholder)  # raises if bad

    def selects(self, site: Site, path: str) -> bool:
        rule = site.finding.rule
        return (rule.severity == "error" or self.include_warnings) and \
            not self.ignored(rule.code, path)

    def placeholder_for(self, site: Site) -> str:
        return placeholder_for(site.finding.rule, site.finding.value, self.placeholder)


@dataclass(frozen=True, slots=True)
class Replacement:
    code: str
    name: str
    label: str  # where, as validate says it: "interaction 0 request header Authorization"
    shown: str  # the secret masked, safe to print
    placeholder: str
    line: int | None = None
    column: int | None = None
    secret: str = field(default="", repr=False)

    def __str__(self) -> str:
        return f"{self.code} {self.label}: {self.shown} -> {self.placeholder}"


@dataclass(frozen=True, slots=True)
class Result:
    path: str
    old: bytes
    new: bytes
    replaced: tuple[Replacement, ...] = ()
    edits: tuple[Edit, ...] = ()  # byte ranges of `old` that were rewritten
    skipped: str = ""  # why the file was left alone without looking (not a cassette)

    @property
    def changed(self) -> bool:
        return self.new != self.old


def redact_file(path: str, rules: Rules, options: Options, *, write: bool = True,
                tree: str | None = None) -> Result:
    """Redact one file in place (`write=False`: only work out what would change). Raises
    CassetteError when the file cannot be read, redacted or written; it is then unchanged.

    `tree`: the folder the file was named under (a command-line argument). A file that a
    symbolic link leads to outside it is refused, checking included: writing through the
    link would change a file the user never named (`None`: follow links anywhere)."""
    if tree is not None:
        target, root = os.path.realpath(path), os.path.realpath(tree)
        if os.path.commonpath([target, root]) != root:
            raise CassetteError(f"a symbolic link to {target}, outside {tree}: not followed "
                                "(--follow-symlinks redacts it); the file is unchanged", path)
    result = redact_source(read_source(path), rules, options)
    if write and result.changed:
        try:
            write_atomic(path, result.new)
        except OSError as exc:
            raise CassetteError(f"cannot write: {exc.strerror or exc}; the file is unchanged",
                                path) from exc
    return result


def redact_source(source: Source, rules: Rules, options: Options) -> Result:
    """What redacting `source` gives, checked; nothing is written."""
    try:
        cassette = load_source(source, priced=False)
    except CassetteError as exc:
        if exc.message.startswith(("not a cassette", "not an HTTP")):
            return Result(source.path, source.data, source.data, skipped=exc.message)
        raise exc.with_path(source.path) from None
    sites = [site for site in file_sites(source, cassette, rules)
             if options.selects(site, source.path)]
    if not sites:
        return Result(source.path, source.data, source.data)
    try:
        if cassette.format == "httprr":
            edits, spots = rawhttp.redact(source.data, sites, options.placeholder_for)
            document = None
        else:
            document = spans.compose_file(source.data, source.path)
            edits, spots = treeedit.plan(document, sites, options.placeholder_for)
        new = spans.apply(source.data, edits)
        if document is not None and any(site.part.endswith("body") for site in sites) \
                and (lengths := _length_edits(document, cassette, new)):
            edits += lengths
            new = spans.apply(source.data, edits)
    except SpanError as exc:
        raise CassetteError(f"cannot redact: {exc}; the file is unchanged", source.path) from exc
    _verify(source, cassette, document, new, rules, options)
    replaced = [Replacement(site.finding.rule.code, site.finding.rule.name, site.label,
                            site.finding.shown, new, line, column, site.finding.value)
                for site, new, line, column in spots]
    ordered = sorted(replaced, key=lambda r: (r.line or 0, r.column or 0, r.code))
    return Result(source.path, source.data, new, tuple(ordered),
                  tuple(sorted(edits, key=lambda e: e.start)))


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file's bytes in one rename, keeping its mode (and owner, when allowed).
    A read-only file is refused; a symbolic link keeps pointing at the file it names. A file
    with other hard links is refused: the rename would leave the old bytes, secret included,
    under its other names."""
    target = os.path.realpath(path)
    info = os.stat(target)
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only")
    if info.st_nlink > 1:
        raise OSError(errno.EMLINK, f"the file has {info.st_nlink - 1} other hard link(s), "
                      "which would keep the secret")
    folder, name = os.path.split(target)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".redact", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def masked_diff(result: Result) -> str:
    """A unified diff of what redacting changes, with each secret masked on the old side: a
    diff printed in a CI log must not publish what redacting removes."""
    old = result.old.decode("utf-8", errors="replace")
    for item in sorted(result.replaced, key=lambda r: -len(r.secret)):
        if item.secret:
            old = old.replace(item.secret, item.shown)
    new = result.new.decode("utf-8", errors="replace")
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True),
                                        f"{result.path}", f"{result.path} (redacted)"))


def _length_edits(document: Document, old: Cassette, new: bytes) -> list[Edit]:
    """A plain body that a placeholder of another length changed keeps the lengths recorded
    beside it right: go-vcr's `content_length` and a `Content-Length` header of the same
    message, when they were right before. (httprr's lengths are rawhttp.py's; compressed
    bodies and HAR sizes are left as recorded.)"""
    try:
        redacted = load_source(Source(old.path, new), priced=False).interactions
    except CassetteError:
        return []  # _verify says why
    lengths: dict[tuple[str | int, ...], tuple[str, str]] = {}
    for before, after in zip(old.interactions, redacted, strict=False):
        for side in ("request", "response"):
            x, y = (getattr(i, side) for i in (before, after))
            if x is not None and y is not None and not x.body.notes and not y.body.notes \
                    and len(x.body.data) != len(y.body.data) and before.where:
                lengths[(*before.where, side)] = (str(len(x.body.data)), str(len(y.body.data)))
    edits: list[Edit] = []
    for scalar in document.scalars() if lengths else ():
        names = [part for part in scalar.path if isinstance(part, str)]
        if scalar.key or not names or names[-1].lower() not in ("content_length",
                                                                "content-length"):
            continue
        for prefix, (was, now) in lengths.items():
            if scalar.path[:len(prefix)] == prefix and len(scalar.path) <= len(prefix) + 3 \
                    and scalar.value == was:
                edits.append(spans.value_map(scalar).splice_replace(0, len(was), now))
    return edits


# --- checking the result -----------------------------------------------------------------

def _verify(source: Source, old: Cassette, document: Document | None, new: bytes, rules: Rules,
            options: Options) -> None:
    def refuse(why: str) -> CassetteError:
        return CassetteError(f"cannot redact: {why}; the file is unchanged", source.path)

    redacted = Source(source.path, new)
    try:
        cassette = load_source(redacted, priced=False)
    except CassetteError as exc:
        raise refuse(f"the result would not load ({exc.message})") from exc
    if (cassette.format, len(cassette.interactions)) != (old.format, len(old.interactions)):
        raise refuse("the result would read as another cassette")
    for before, after in zip(old.interactions, cassette.interactions, strict=True):
        pairs = [(before.request.body, after.request.body)]
        if before.response is not None and after.response is not None:
            pairs.append((before.response.body, after.response.body))
        if any(x.data != y.data and try_json(x.data) is not None and try_json(y.data) is None
               for x, y in pairs):
            raise refuse(f"a JSON body of interaction {before.index} would no longer parse")
    left = [site for site in file_sites(redacted, cassette, rules)
            if options.selects(site, source.path)]
    if left:
        raise refuse(f"{left[0].label}: {left[0].finding.rule.code} would be left")
    if document is not None:
        try:
            spans.changed_scalars(document, spans.compose_file(redacted.data, redacted.path))
        except (SpanError, CassetteError) as exc:
            raise refuse(f"the document's structure would change ({exc})") from exc
