"""The `cassette` command: options in, library calls, a renderer, an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .errors import CassetteError, ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from .diff import CassetteDiff
    from .load import InteractionStream
    from .model import Interaction

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Read, review and keep safe recorded LLM API traffic (VCR cassettes).")
_state = {"debug": False}


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def _version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"cassette {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool | None, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks of internal errors.")] = False,
) -> None:
    _state["debug"] = debug


@app.command()
def show(
    paths: Annotated[list[str], typer.Argument(help="Cassette files or directories.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    raw: Annotated[bool, typer.Option(
        help="Also show headers and bodies as recorded (decoded).")] = False,
    interaction: Annotated[int | None, typer.Option(
        "--interaction", "-i", help="Show only the interaction with this index.")] = None,
    color: Annotated[Color, typer.Option(help="Colour output.")] = Color.auto,
    pager: Annotated[bool | None, typer.Option(
        "--pager/--no-pager",
        help="Page long output (default: when stdout is a terminal).")] = None,
    width: Annotated[int | None, typer.Option(help="Line width (default: the terminal's).")] = None,
    canonical: Annotated[bool, typer.Option(
        help="Stable plain text without durations, for git's textconv; a file that is no "
             "cassette is printed as it is.")] = False,
) -> None:
    """Show each cassette as a conversation: prompt, reassembled reply, usage and cost."""
    from .load import expand_paths, open_stream
    from .source import read_source

    if canonical:
        _show_canonical(paths)
        return

    files = expand_paths(paths)
    if not files:
        _fail("no cassette files found under " + ", ".join(paths))
    failed = False

    def reported(items: Iterator[tuple[Interaction, Any]]) -> Iterator[tuple[Interaction, Any]]:
        nonlocal failed
        try:
            yield from items
        except CassetteError as exc:  # a long file broken further on: shown up to there
            failed = True
            print(str(exc), file=sys.stderr)

    def opened() -> Iterator[InteractionStream | CassetteError]:
        """Each file as it is shown: a long cassette is never whole in memory."""
        nonlocal failed
        for path in files:
            try:
                stream = open_stream(read_source(path))
            except CassetteError as exc:
                failed = True
                print(str(exc.with_path(path)), file=sys.stderr)
                yield exc.with_path(path)
                continue
            yield replace(stream, items=reported(stream.items))

    if format is Format.json:
        from .render.data import loaded_json

        opening = "["  # written with the first file: a failure before it leaves no output
        for item in opened():
            sys.stdout.write(opening)
            sys.stdout.writelines(loaded_json(item, raw=raw, only=interaction))
            opening = ","
        sys.stdout.write("[]\n" if opening == "[" else "]\n")
    elif format is Format.markdown:
        from .model import Cassette
        from .render.markdown import render as render_markdown

        whole = [item if isinstance(item, CassetteError) else Cassette(
            item.path, item.format, tuple(i for i, _ in item.items)) for item in opened()]
        sys.stdout.write(render_markdown(whole, only=interaction))
    else:
        _show_text(opened(), raw, interaction, color, pager, width)
    if failed:
        raise typer.Exit(ExitCode.BAD_INPUT)


def _show_text(loaded: Iterable[InteractionStream | CassetteError], raw: bool, only: int | None,
               color: Color,
               pager: bool | None, width: int | None) -> None:
    from .render.console import render

    console = _console(color, width)
    use_pager = pager if pager is not None else (sys.stdout.isatty() and console.is_terminal)
    if not use_pager:
        render(console, loaded, raw=raw, only=only)
        return
    with console.capture() as capture:
        render(console, loaded, raw=raw, only=only)
    output = capture.get()
    if output.count("\n") <= console.height:
        sys.stdout.write(output)
        return
    os.environ.setdefault("LESS", "-R")  # let less pass colours through
    import pydoc

    pydoc.pager(output)


def _show_canonical(paths: list[str]) -> None:
    from rich.console import Console

    from .load import load
    from .render.console import render_cassette

    # A fixed width, so the same cassette always gives the same lines.
    console = Console(width=100, color_system=None, force_terminal=False, highlight=False)
    for path in paths:
        try:
            cassette = load(path)
        except CassetteError as exc:
            # git runs textconv on every file its attributes match: show others unchanged.
            try:
                with open(path, "rb") as raw:
                    data = raw.read()
            except OSError:
                raise exc.with_path(path) from None  # no file to show: say why, one line
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            continue
        render_cassette(console, cassette, canonical=True)


@app.command()
def diff(
    paths: Annotated[list[str] | None, typer.Argument(
        help="OLD NEW (files or directories); with --rev, paths to limit the comparison to. "
             "Git's 7 or 9 external-diff arguments are understood too.")] = None,
    rev: Annotated[str | None, typer.Option(
        help="Compare the working tree with this git revision (e.g. HEAD, origin/main).")] = None,
    strict: Annotated[bool, typer.Option(
        help="Show every difference, noise (ids, timestamps, durations, headers) included.")
    ] = False,
    ignore: Annotated[list[str] | None, typer.Option(
        help="Leave out a field, e.g. usage, cost, reply.reasoning, prompt.params.*; repeatable.")
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    color: Annotated[Color, typer.Option(help="Colour output.")] = Color.auto,
    width: Annotated[int | None, typer.Option(help="Line width (default: the terminal's).")] = None,
) -> None:
    """What changed in meaning between two recordings: prompt, reply, tool calls, usage, cost.

    Exit 0: no semantic change; 1: changes; 2: a file could not be read or bad usage."""
    from .diff import Options, diff_paths
    from .gitdiff import diff_against_revision, diff_external, parse_external_args

    options = Options(strict=strict, ignore=tuple(ignore or ()))
    args = paths or []
    external = parse_external_args(args) if rev is None else None
    if rev is not None:
        results = diff_against_revision(rev, args, options)
    elif external is not None:
        outcome = diff_external(external, options)
        if isinstance(outcome, str):  # not a cassette: git's kind of plain diff
            sys.stdout.write(outcome)
            return
        results = [outcome]
    elif len(args) == 2:
        results = diff_paths(args[0], args[1], options)
    else:
        _fail("diff takes OLD NEW, or --rev REV [PATH...]")
        return
    _print_changes(results, format, color, width, single=len(args) == 2 and len(results) == 1
                   or external is not None)
    if external is not None:
        return  # git stops at the first external diff that exits non-zero
    if any(r.status == "error" for r in results):
        raise typer.Exit(ExitCode.BAD_INPUT)
    if any(r.status != "unchanged" for r in results):
        raise typer.Exit(ExitCode.FINDINGS)


def _print_changes(results: list[CassetteDiff], format: Format, color: Color,
                   width: int | None, single: bool) -> None:
    from .render import changes as render

    if format is Format.json:
        from .source import dump_json

        sys.stdout.write(dump_json(render.changes_data(results)) + "\n")
    elif format is Format.markdown:
        sys.stdout.write(render.render_markdown(results))
    else:
        render.render_text(_console(color, width), results, summary=not single)


def _console(color: Color, width: int | None) -> Console:
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1; output cut short by `| head` is no error (main() exits 0).
            raise BrokenPipeError

    console = PipeConsole(
        force_terminal=True if color is Color.always else None,
        no_color=True if color is Color.never else None,
        color_system=None if color is Color.never else "auto",
        width=width,
        highlight=False,
        soft_wrap=False,
    )
    if not console.legacy_windows:  # whose width rich corrects as it measures it
        # Measured once: unpinned, rich asks the terminal for its size at every print
        # (a tenth of the time of showing many interactions).
        console.size = console.size
    return console


@app.command("git-setup")
def git_setup(
    patterns: Annotated[list[str] | None, typer.Argument(
        help=".gitattributes patterns of your cassettes (default: found in the repository).")
    ] = None,
    apply: Annotated[bool, typer.Option(
        help="Write .gitattributes and the git config instead of printing them.")] = False,
) -> None:
    """Make `git diff`, `git log -p` and `git show` readable for cassettes."""
    from .gitdiff import apply_setup, default_patterns, setup_lines

    chosen = patterns or default_patterns()
    if not chosen:
        _fail("no cassettes found in this repository; give their .gitattributes patterns")
    if apply:
        path = apply_setup(chosen)
        print(f"wrote {len(chosen)} pattern(s) to {path} and the git config for the "
              "'cassette' diff driver")
        return
    attributes, config = setup_lines(chosen)
    print("# add to .gitattributes:")
    print("\n".join(attributes))
    print("# then run:")
    print("\n".join(" ".join(_quote(arg) for arg in command) for command in config))
    print("# or run: cassette git-setup --apply")


class FindingFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class SeverityLevel(StrEnum):
    warning = "warning"
    error = "error"


@app.command()
def validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Cassette files or directories.")
                     ] = None,
    format: Annotated[FindingFormat, typer.Option("--format", "-f", help="Output format.")
                      ] = FindingFormat.text,
    severity: Annotated[SeverityLevel | None, typer.Option(
        help="Lowest severity reported (default: from [tool.cassette], else warning).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        help="A finding code never to report, e.g. W405; repeatable.")] = None,
    list_checks: Annotated[bool, typer.Option(
        "--list-checks", help="Print every check with its code and exit.")] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Processes to use (default: one per core).")] = None,
) -> None:
    """Check cassettes: well formed, bodies decode, streams complete, no secrets.

    Findings print as `path:line:col: CODE message`. Exit 0: clean; 1: findings; 2: usage."""
    from . import __version__
    from .config import load_config
    from .load import expand_paths
    from .render import findings as render
    from .secrets import RULES, Rules
    from .validate import CHECKS, check_files

    if list_checks:
        for check in CHECKS.values():
            print(f"{check.code}  {check.severity:<7}  {check.title}: {check.description}")
        for rule in RULES:
            print(f"{rule.code}  {rule.severity:<7}  {rule.name}: {rule.description}")
        return
    if not paths:
        _fail("validate takes one or more files or directories")
        return
    config = load_config()
    rules = Rules.from_options(extra_headers=config.extra_headers,
                               extra_params=config.extra_params,
                               extra_fields=config.extra_fields,
                               extra_patterns=config.extra_patterns)
    threshold = (severity or SeverityLevel(config.severity)).value
    ignored = set(ignore or ())
    found = []
    files = expand_paths(paths)
    for path, findings in zip(files, check_files(files, rules, jobs), strict=True):
        for finding in findings:
            if finding.code in ignored or config.ignored(finding.code, path):
                continue
            if threshold == "error" and finding.severity != "error":
                continue
            found.append(finding)
    writer = {FindingFormat.text: render.text, FindingFormat.json: render.json_text,
              FindingFormat.github: render.github}.get(format)
    sys.stdout.write(writer(found) if writer else render.sarif(found, __version__))
    if found:
        raise typer.Exit(ExitCode.FINDINGS)


@app.command()
def redact(
    paths: Annotated[list[str] | None, typer.Argument(help="Cassette files or directories.")
                     ] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; exit 1 when something would be redacted.")] = False,
    diff: Annotated[bool, typer.Option(
        "--diff",
        help="Print what would change as a unified diff (secrets masked); change nothing.")
    ] = False,
    include_warnings: Annotated[bool, typer.Option(
        "--include-warnings",
        help="Also replace identifying values (W4xx: organisation and project ids, CDN "
             "cookies); errors are always replaced.")] = False,
    placeholder: Annotated[str | None, typer.Option(
        help="What replaces a secret (default: from [tool.cassette], else REDACTED); may use "
             "{code}, {name}, {NAME}, {prefix}; 'same-length' keeps each length.")] = None,
    extra_header: Annotated[list[str] | None, typer.Option(
        help="Another credential header name; repeatable.")] = None,
    extra_param: Annotated[list[str] | None, typer.Option(
        help="Another credential query or form parameter; repeatable.")] = None,
    extra_field: Annotated[list[str] | None, typer.Option(
        help="Another credential body field; repeatable.")] = None,
    extra_pattern: Annotated[list[str] | None, typer.Option(
        help="A regular expression for another secret (group `secret`: the part to "
             "replace); repeatable.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        help="A finding code never to redact, e.g. W405; repeatable.")] = None,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks",
        help="Also redact files that symbolic links lead to outside the folders given.")
    ] = False,
) -> None:
    """Replace every secret validate finds by a placeholder, in place, changing no other byte.

    Exit 0: nothing to redact, or redacted; 1: with --check, something would be redacted;
    2: usage, or a file that could not be read, redacted or written (it is left unchanged)."""
    from .config import load_config
    from .load import expand_paths
    from .redact import Options, masked_diff, redact_file
    from .secrets import Rules

    if not paths:
        _fail("redact takes one or more files or directories")
        return
    config = load_config()
    patterns = {**config.extra_patterns,
                **{f"option-{i}": p for i, p in enumerate(extra_pattern or (), 1)}}
    rules = Rules.from_options(extra_headers=[*config.extra_headers, *(extra_header or ())],
                               extra_params=[*config.extra_params, *(extra_param or ())],
                               extra_fields=[*config.extra_fields, *(extra_field or ())],
                               extra_patterns=patterns)
    ignored = set(ignore or ())
    options = Options(placeholder if placeholder is not None else config.placeholder,
                      include_warnings,
                      lambda code, path: code in ignored or config.ignored(code, path))
    failed, files, secrets = 0, 0, 0
    # A link is followed only within the folder named (a file argument: its own folder).
    named = [(path, None if follow_symlinks else argument if os.path.isdir(argument)
              else os.path.dirname(argument) or ".")
             for argument in paths for path in expand_paths([argument])]
    for path, tree in named:
        try:
            result = redact_file(path, rules, options, write=not (check or diff), tree=tree)
        except CassetteError as exc:
            print(str(exc.with_path(path)), file=sys.stderr)
            failed += 1
            continue
        if result.skipped:
            print(f"{path}: skipped: {result.skipped}", file=sys.stderr)
        elif diff:
            sys.stdout.write(masked_diff(result))
        for item in result.replaced if not diff else ():
            print(f"{path}:{item.line or 1}:{item.column or 1}: {item}")
        files += result.changed
        secrets += len(result.replaced)
    if secrets:
        verb = "would redact" if check or diff else "redacted"
        print(f"{verb} {secrets} secret(s) in {files} file(s)", file=sys.stderr)
    if failed:
        raise typer.Exit(ExitCode.BAD_INPUT)
    if check and files:
        raise typer.Exit(ExitCode.FINDINGS)


class StatsKey(StrEnum):
    model = "model"
    provider = "provider"
    api = "api"
    directory = "directory"


@app.command()
def stats(
    paths: Annotated[list[str], typer.Argument(help="Cassette files or directories.")],
    by: Annotated[list[StatsKey] | None, typer.Option(
        help="Group by model (default), provider, api or directory; repeatable, one table "
             "each (a table by format is always shown).")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    top: Annotated[int, typer.Option(
        min=0, help="How many of the largest and most expensive cassettes to list.")] = 10,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Processes to use (default: one per core).")] = None,
    color: Annotated[Color, typer.Option(help="Colour output.")] = Color.auto,
    width: Annotated[int | None, typer.Option(help="Line width (default: the terminal's).")] = None,
) -> None:
    """Count cassettes, interactions, tokens and cost, by format and by model, provider,
    API or directory.

    Exit 0: every file read; 2: a file could not be read (listed on stderr, the others are
    counted) or bad usage."""
    from rich.console import Console

    from .render import stats as render
    from .stats import summarise

    with render.progress_bar(Console(stderr=True)) as progress:
        result = summarise(paths, by=[key.value for key in by or [StatsKey.model]], jobs=jobs,
                           progress=progress)
    if not result.files:
        _fail("no cassette files found under " + ", ".join(paths))
    # Before the tables: output cut short by `| head` must not take these lines with it.
    for file in result.unreadable:
        print(file.error_line(), file=sys.stderr)
    sys.stderr.flush()
    if format is Format.json:
        sys.stdout.write(render.render_json(result, top=top))
    elif format is Format.markdown:
        sys.stdout.write(render.render_markdown(result, top=top))
    else:
        render.render_text(_console(color, width), result, top=top)
    if result.unreadable:
        raise typer.Exit(ExitCode.BAD_INPUT)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _fail(message: str) -> None:
    print(f"cassette: {message}", file=sys.stderr)
    raise typer.Exit(ExitCode.BAD_INPUT)


class _PipeSafe:
    """stdout whose broken pipe is raised without its errno: the argument parser (click)
    exits 1 on EPIPE before `main` sees it, and output cut short by `| head` is no error."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except BrokenPipeError:
            raise BrokenPipeError from None

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise BrokenPipeError from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def main() -> None:
    import warnings

    warnings.showwarning = _one_line_warning
    stdout, sys.stdout = sys.stdout, _PipeSafe(sys.stdout)
    try:
        _run()
    finally:
        sys.stdout = stdout


def _run() -> None:
    try:
        code = app(standalone_mode=False)
        # Without standalone mode the parser returns the code of a `typer.Exit`.
        sys.exit(code if isinstance(code, int) else ExitCode.OK)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except (KeyboardInterrupt, typer.Abort):
        sys.exit(ExitCode.INTERRUPTED)
    except CassetteError as exc:
        print(str(exc) if exc.path else f"cassette: {exc.message}", file=sys.stderr)
        sys.exit(ExitCode.BAD_INPUT)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as exc:
        show = getattr(exc, "show", None)
        if callable(show) and getattr(exc, "exit_code", None) is not None:
            show()  # a usage error from the argument parser
            sys.exit(ExitCode.BAD_INPUT)
        if _state["debug"]:
            raise
        print(f"cassette: internal error: {type(exc).__name__}: {exc} (run with --debug for "
              "the traceback)", file=sys.stderr)
        sys.exit(ExitCode.INTERNAL)


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: object = None, line: str | None = None) -> None:
    print(f"cassette: warning: {message}", file=sys.stderr)


def _quiet_broken_pipe() -> None:
    # Output cut short by `| head` is not an error; keep Python from complaining at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(ExitCode.OK)
