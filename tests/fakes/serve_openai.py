"""Serve the fake OpenAI-compatible API by hand, for trying Nova without a model:

    python -m tests.fakes.serve_openai [--port 8765] [--reply TEXT] [--model M] [--api-key K]

It prints its base URL (for NOVA_LLM_BASE_URL) and runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from tests.fakes.openai_server import ANY_MODEL, FakeOpenAI, Text


async def _serve(args: argparse.Namespace) -> None:
    default = (lambda _body: Text(args.reply)) if args.reply is not None else None
    fake = FakeOpenAI(
        models=args.model or (ANY_MODEL,), api_key=args.api_key, default=default, port=args.port
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stopped.set)
    async with fake:
        print(fake.base_url, flush=True)
        await stopped.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake OpenAI-compatible API.")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--reply", help="answer every request with this text (default: echo)")
    parser.add_argument("--model", action="append", help="accepted model (repeat; default any)")
    parser.add_argument("--api-key", help="require this bearer key")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
