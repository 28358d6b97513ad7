"""The `cassette` command: options in, library calls, a renderer, an exit code."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import CassetteError, ExitCode

if TYPE_CHECKING:
    from .model import Cassette

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
) -> None:
    """Show each cassette as a conversation: prompt, reassembled reply, usage and cost."""
    from .load import expand_paths, load

    files = expand_paths(paths)
    if not files:
        _fail("no cassette files found under " + ", ".join(paths))
    loaded: list[Cassette | CassetteError] = []
    for path in files:
        try:
            loaded.append(load(path))
        except CassetteError as exc:
            loaded.append(exc.with_path(path))
            print(str(exc), file=sys.stderr)
    if format is Format.json:
        from .render.data import loaded_data
        from .source import dump_json

        sys.stdout.write(dump_json([loaded_data(c, raw=raw, only=interaction) for c in loaded]))
        sys.stdout.write("\n")
    elif format is Format.markdown:
        from .render.markdown import render as render_markdown

        sys.stdout.write(render_markdown(loaded, only=interaction))
    else:
        _show_text(loaded, raw, interaction, color, pager, width)
    if any(isinstance(c, CassetteError) for c in loaded):
        raise typer.Exit(ExitCode.BAD_INPUT)


def _show_text(loaded: list[Cassette | CassetteError], raw: bool, only: int | None, color: Color,
               pager: bool | None, width: int | None) -> None:
    from rich.console import Console

    from .render.console import render

    console = Console(
        force_terminal=True if color is Color.always else None,
        no_color=True if color is Color.never else None,
        color_system=None if color is Color.never else "auto",
        width=width,
        highlight=False,
        soft_wrap=False,
    )
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


def _fail(message: str) -> None:
    print(f"cassette: {message}", file=sys.stderr)
    raise typer.Exit(ExitCode.BAD_INPUT)


def main() -> None:
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
        print(str(exc), file=sys.stderr)
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


def _quiet_broken_pipe() -> None:
    # Output cut short by `| head` is not an error; keep Python from complaining at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(ExitCode.OK)
