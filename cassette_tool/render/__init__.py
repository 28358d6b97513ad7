"""Renderers: each takes loaded cassettes (or the error that stopped one) and writes to a
Console or returns text. Nothing here reads files."""

from __future__ import annotations

from ..errors import CassetteError
from ..model import Cassette

Loaded = Cassette | CassetteError
