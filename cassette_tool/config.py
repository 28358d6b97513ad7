"""`[tool.cassette]` in the nearest `pyproject.toml`: what validate reports and what redact
replaces, beside the command-line options.

    [tool.cassette]
    severity = "warning"                # report warnings and errors (or "error": errors only)
    ignore = ["W405"]                   # codes never reported
    extra-headers = ["x-internal-token"]
    extra-params = ["sig"]
    extra-fields = ["service_password"]
    extra-patterns = { acme = "acme_[a-z0-9]{32}" }
    placeholder = "REDACTED"

    [tool.cassette.per-path-ignores]
    "tests/legacy/**" = ["S203", "W401"]
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CassetteError


@dataclass(frozen=True, slots=True)
class Config:
    severity: str = "warning"
    ignore: frozenset[str] = frozenset()
    per_path_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    extra_headers: tuple[str, ...] = ()
    extra_params: tuple[str, ...] = ()
    extra_fields: tuple[str, ...] = ()
    extra_patterns: dict[str, str] = field(default_factory=dict)
    placeholder: str = "REDACTED"
    root: Path | None = None  # the folder of the pyproject.toml it came from

    def ignored(self, code: str, path: str) -> bool:
        if code in self.ignore:
            return True
        relative = self._relative(path)
        return any(code in codes and fnmatch.fnmatch(relative, pattern)
                   for pattern, codes in self.per_path_ignores)

    def _relative(self, path: str) -> str:
        if self.root is None:
            return path
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path


def find_pyproject(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    path = find_pyproject(start or Path.cwd())
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CassetteError(f"cannot read [tool.cassette]: {exc}", str(path)) from exc
    table = data.get("tool", {}).get("cassette", {})
    if not isinstance(table, dict):
        raise CassetteError("[tool.cassette] must be a table", str(path))
    try:
        return _from_table(table, path.parent)
    except (TypeError, ValueError) as exc:
        raise CassetteError(f"[tool.cassette]: {exc}", str(path)) from exc


def _from_table(table: dict[str, Any], root: Path) -> Config:
    known = {"severity", "ignore", "per-path-ignores", "extra-headers", "extra-params",
             "extra-fields", "extra-patterns", "placeholder"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    severity = table.get("severity", "warning")
    if severity not in ("warning", "error"):
        raise ValueError('severity must be "warning" or "error"')
    patterns = table.get("extra-patterns", {})
    if isinstance(patterns, list):
        patterns = {f"custom-{i}": p for i, p in enumerate(patterns, 1)}
    return Config(
        severity=severity,
        ignore=frozenset(_strings(table, "ignore")),
        per_path_ignores=tuple((pattern, frozenset(codes)) for pattern, codes in
                               dict(table.get("per-path-ignores", {})).items()),
        extra_headers=tuple(_strings(table, "extra-headers")),
        extra_params=tuple(_strings(table, "extra-params")),
        extra_fields=tuple(_strings(table, "extra-fields")),
        extra_patterns={str(k): str(v) for k, v in dict(patterns).items()},
        placeholder=str(table.get("placeholder", "REDACTED")),
        root=root.resolve(),
    )


def _strings(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return value
