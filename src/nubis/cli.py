"""The ``nubis`` command. Each subcommand has help text; ``nubis --help`` lists them all."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nubis import __version__
from nubis.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from nubis.server import serve

    settings = Settings(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        storage=args.storage or "",
        durability=args.durability,
        region=args.region,
        workers=args.workers,
        log_level=args.log_level,
    )
    serve(settings)
    return 0


def _tables(args: argparse.Namespace) -> int:
    from nubis.server import open_engine

    engine = open_engine(Settings(data_dir=args.data_dir, storage=args.storage or ""))
    try:
        for name in engine.list_tables(args.region, {})["TableNames"]:
            desc = engine.describe_table(args.region, {"TableName": name})["Table"]
            print(f"{name}\t{desc['ItemCount']} items\t{desc['TableSizeBytes']} bytes")
    finally:
        engine.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nubis", description="A self-hosted serverless cloud: API Gateway, Lambda and DynamoDB, the AWS way."
    )
    parser.add_argument("--version", action="version", version=f"nubis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser(
        "serve",
        help="serve the AWS-protocol endpoint (tables) on one HTTP port",
        description="Serve the DynamoDB-compatible table service on one HTTP endpoint. Data "
        "lives under --data-dir (default ./.nubis). Ctrl-C or SIGTERM shuts down cleanly.",
    )
    serve.add_argument("project", nargs="?", default=".", help="project folder (default: the current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=4566, help="port to listen on (default 4566)")
    serve.add_argument("--data-dir", default=".nubis", help="where embedded data lives (default ./.nubis)")
    serve.add_argument("--storage", help="storage URL instead of the embedded default: sqlite:PATH or memory:")
    serve.add_argument(
        "--durability",
        choices=["full", "relaxed"],
        default="full",
        help="full: every acknowledged write is fsynced (default); relaxed: development only",
    )
    serve.add_argument("--region", default="us-east-1", help="region for unsigned requests (default us-east-1)")
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the data (default 1)")
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    serve.set_defaults(func=_serve)

    tables = sub.add_parser("tables", help="list the tables stored in a data directory, with counts and sizes")
    tables.add_argument("--data-dir", default=".nubis", help="data directory (default ./.nubis)")
    tables.add_argument("--storage", help="storage URL instead of the data directory")
    tables.add_argument("--region", default="us-east-1", help="region whose tables to list (default us-east-1)")
    tables.set_defaults(func=_tables)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
