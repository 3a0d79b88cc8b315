"""Servers in a child process, for the benchmarks that must not measure the server's CPU.

The parent starts ``python -m <module> <args>``; the child starts listening, prints its port on
one line and serves until its stdin closes (the bench ended, or died) or a time bound passes.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parents[1]


@asynccontextmanager
async def child_server(module: str, *args: str, start_bound: float) -> AsyncIterator[int]:
    """Run ``python -m module *args`` from the repository; yield the port it prints."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args,
        cwd=_REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        async with asyncio.timeout(start_bound):
            line = await child.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"{module} {' '.join(args)}: no port printed (got {line!r})")
        yield int(line)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            async with asyncio.timeout(10):
                await child.wait()
        except TimeoutError:
            child.kill()
            await child.wait()


async def serve_until_stdin_closes(port: int, bound: float) -> None:
    """Child side: announce ``port``, then wait for stdin's EOF or ``bound`` seconds."""
    loop, closed = asyncio.get_running_loop(), asyncio.Event()

    def watch_stdin() -> None:
        sys.stdin.buffer.read()  # EOF: the bench closed the pipe or died
        loop.call_soon_threadsafe(closed.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(port, flush=True)
    try:
        async with asyncio.timeout(bound):
            await closed.wait()
    except TimeoutError:
        pass


async def serve_app_until_stdin_closes(app: Any, bound: float) -> None:
    """Child side: ``app`` (ASGI) on a uvicorn loopback port, announced as above, until stdin's
    EOF or ``bound`` seconds."""
    import uvicorn

    from mocks.serving import QuietServer, bound_port, listening_socket

    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        await serve_until_stdin_closes(bound_port(sock), bound)
    finally:
        server.should_exit = True
        await task
