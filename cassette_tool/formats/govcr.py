"""go-vcr cassettes (`version: 1` and `version: 2`, written by go-vcr v1–v4).

Wire facts: `code` is an integer beside a `status` string ("200 OK"); `duration` is a Go
duration string ("1.02s"; v1 wrote integer nanoseconds); a request may have no `body` key;
Bedrock event-stream bodies are `!!binary`.
"""

from __future__ import annotations

from typing import Any

from ..model import Interaction, Request, Response
from ..source import Source
from .common import as_list, as_map, go_duration_ms, headers_from_map, item_lines, make_body

NAME = "go-vcr"


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict) or tree.get("version") not in (1, 2, "1", "2"):
        return False
    items = tree.get("interactions")
    if not isinstance(items, list):
        return False
    first = items[0] if items else {}
    request = first.get("request") if isinstance(first, dict) else None
    # VCR.py also writes `version: 1`; go-vcr requests carry `url`, VCR.py's `uri`.
    return not items or (isinstance(request, dict) and "url" in request)


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = item_lines(source.text, "interactions")
    result = []
    for index, item in enumerate(items):
        item = as_map(item, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        status = resp.get("code")
        reason = str(resp.get("status") or "")
        if not isinstance(status, int) and reason[:3].isdigit():
            status = int(reason[:3])
        if reason[:3].isdigit():
            reason = reason[3:].strip()
        body = req.get("body")
        if body in (None, "") and req.get("form"):
            body = "&".join(f"{k}={v}" for k, vs in req["form"].items() for v in as_list(vs, "form"))
        result.append(Interaction(
            index=index,
            request=Request(
                method=str(req.get("method") or "GET").upper(),
                url=str(req.get("url") or ""),
                headers=req_headers,
                body=make_body(body, req_headers),
            ),
            response=Response(
                status=status if isinstance(status, int) else None,
                reason=reason,
                headers=resp_headers,
                body=make_body(resp.get("body"), resp_headers),
                duration_ms=go_duration_ms(resp.get("duration")),
            ),
            line=lines[index] if len(lines) == len(items) else None,
        ))
    return result
