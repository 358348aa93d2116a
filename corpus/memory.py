"""``python -m corpus.memory DOCUMENT N``: the mock's RSS as it answers its first N GETs.

Serves the document in-process (stateful unless ``--stateless``), sends the harness's valid GET
to each operation in document order and prints the resident memory every 100 answers: what a
long-running mock on a giant document keeps (README, "The corpus").
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from starlette.applications import Starlette

from corpus.requests import Unprobeable, build_body, build_request
from mockserver import create_app, load_spec
from mockserver.server.engine import Engine

__all__ = ["main", "rss_mb"]


def rss_mb() -> int:
    """This process's resident memory in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


async def _answer(engine: Engine, app: Starlette, count: int, began: float) -> tuple[int, int]:
    done = fivexx = 0
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        for compiled in (c for c in engine.operations if c.operation.method == "get"):
            if done >= count:
                break
            try:
                path, query, headers = build_request(engine, compiled)
                body = build_body(engine, compiled)
            except Unprobeable:
                continue
            if body is not None:
                headers = {**headers, "Content-Type": body[0]}
            content = body[1] if body else None
            answer = await client.request(
                "GET", path, params=query, headers=headers, content=content
            )
            done += 1
            fivexx += answer.status_code >= 500
            if done % 100 == 0:
                took = time.perf_counter() - began
                print(f"{done} GETs: {rss_mb()} MB, {took:.0f} s", flush=True)
    return done, fivexx


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus.memory", description=__doc__)
    parser.add_argument("document", type=Path)
    parser.add_argument("count", type=int, help="how many GETs to answer")
    parser.add_argument("--stateless", action="store_true")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    app = create_app(load_spec(args.document), seed=1, stateful=not args.stateless)
    engine: Engine = app.state.engine
    print(f"ready in {time.perf_counter() - began:.1f} s: {rss_mb()} MB", flush=True)
    done, fivexx = asyncio.run(_answer(engine, app, args.count, began))
    took = time.perf_counter() - began
    print(f"after {done} GETs ({fivexx} answered 5xx): {rss_mb()} MB, {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
