"""The ``nubis`` command. Each subcommand has help text; ``nubis --help`` lists them all."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nubis import __version__
from nubis.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from nubis.functions.spec import FunctionSpecError, parse_function_option
    from nubis.server import serve
    from nubis.tables.wire.auth import parse_credentials

    for option in args.function or []:
        try:
            parse_function_option(option, base_dir=args.project)
        except FunctionSpecError as exc:
            print(f"nubis serve: {exc}", file=sys.stderr)
            return 2
    credentials = "\n".join([os.environ.get("NUBIS_CREDENTIALS", ""), *(args.credentials or [])]).strip()
    try:
        parse_credentials(credentials)
    except ValueError as exc:
        print(f"nubis serve: {exc}", file=sys.stderr)
        return 2
    if args.verify_signatures and not credentials:
        print(
            "nubis serve: --verify-signatures needs the keys to accept: --credentials ACCESS_KEY:SECRET "
            "(repeatable) or NUBIS_CREDENTIALS",
            file=sys.stderr,
        )
        return 2
    if args.credentials and not args.verify_signatures:
        print("nubis serve: warning: --credentials has no effect without --verify-signatures", file=sys.stderr)
    settings = Settings(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        storage=args.storage or "",
        durability=args.durability,
        region=args.region or "us-east-1",
        project_region=args.region or "",
        workers=args.workers,
        log_level=args.log_level,
        ttl_interval=args.ttl_interval,
        project_dir=args.project,
        stage=args.stage or "",
        functions="\n".join(args.function or []),
        reload={None: "auto", True: "on", False: "off"}[args.reload],
        async_retry_delays=args.async_retry_delays,
        verify_signatures=args.verify_signatures,
        credentials=credentials,
        websocket_idle_timeout=args.ws_idle_timeout,
        websocket_max_duration=args.ws_max_duration,
        websocket_binary_frames=args.ws_binary_frames,
    )
    from nubis.project.errors import ProjectError

    try:
        serve(settings)
    except ProjectError as exc:
        print(f"nubis serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _logs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nubis.functions.logs import follow, read_log

    directory = Path(args.data_dir) / "functions" / "logs"
    text = read_log(directory, args.function)
    if args.lines is not None:
        text = "".join(text.splitlines(keepends=True)[-args.lines :]) if args.lines > 0 else ""
    sys.stdout.write(text)
    sys.stdout.flush()
    if not args.follow:
        if not text and not (directory / f"{args.function}.log").exists():
            print(f"nubis logs: no logs for {args.function!r} under {directory}", file=sys.stderr)
            return 1
        return 0
    try:
        for chunk in follow(directory, args.function, from_end=True):
            sys.stdout.write(chunk)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return 0


def _tables(args: argparse.Namespace) -> int:
    from nubis.server import open_engine

    engine = open_engine(Settings(data_dir=args.data_dir, storage=args.storage or "", ttl_interval=0))
    try:
        for name in engine.list_tables(args.region, {})["TableNames"]:
            desc = engine.describe_table(args.region, {"TableName": name})["Table"]
            print(f"{name}\t{desc['ItemCount']} items\t{desc['TableSizeBytes']} bytes")
    finally:
        engine.close()
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nubis.project.discover import load_project
    from nubis.project.errors import ProjectError
    from nubis.project.exporters.openapi import export_openapi_text
    from nubis.project.loaders._options import LoadOptions
    from nubis.project.model import ApiKind

    try:
        project = load_project(Path(args.project), LoadOptions(stage=args.stage, region=args.region))
    except ProjectError as exc:
        print(f"nubis export: {exc}", file=sys.stderr)
        return 2
    if project is None:
        print(f"nubis export: no project definition in {args.project}", file=sys.stderr)
        return 2
    exportable = [api for api in project.apis if api.kind is not ApiKind.WEBSOCKET]
    names = ", ".join(f"{api.name} ({api.kind.value}, {api.id})" for api in exportable) or "none"
    chosen = exportable
    if args.api is not None:
        chosen = [a for a in exportable if args.api in (a.id, a.name, a.logical_id) or args.api.upper() == a.kind.value]
    if len(chosen) != 1:
        problem = "choose an API with --api" if not chosen or args.api is None else f"--api {args.api!r} is ambiguous"
        if args.api is not None and not chosen:
            problem = f"no API {args.api!r}"
        print(f"nubis export: {problem}; the project's APIs: {names}", file=sys.stderr)
        return 2
    api = chosen[0]
    stages = [stage.name for stage in api.stages]
    # serverless.yml: --stage is ${opt:stage}, which names REST stages; an HTTP API keeps its $default stage.
    if args.stage is not None and stages and args.stage not in stages and project.format != "serverless":
        print(
            f"nubis export: API {api.name!r} has no stage {args.stage!r} (stages: {', '.join(stages)})", file=sys.stderr
        )
        return 2
    output = args.format or ("yaml" if args.output and args.output.endswith((".yaml", ".yml")) else "json")
    try:
        text = export_openapi_text(
            api,
            output=output,
            stage=args.stage if args.stage in stages else None,
            region=project.region,
            functions=project.functions,
        )
    except ProjectError as exc:
        print(f"nubis export: {exc}", file=sys.stderr)
        return 2
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _seconds(text: str) -> float:
    """A duration option: a number of seconds, not negative."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nubis", description="A self-hosted serverless cloud: API Gateway, Lambda and DynamoDB, the AWS way."
    )
    parser.add_argument("--version", action="version", version=f"nubis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser(
        "serve",
        help="serve a project (its APIs, functions and tables) and the AWS-protocol endpoint on one HTTP port",
        description="Serve the project in PROJECT (serverless.yml, template.yaml, openapi.yaml or nubis_app.py): "
        "its functions, its DynamoDB tables and its HTTP, REST and WebSocket APIs (REST at /{stage}/..., an HTTP "
        "API's $default stage at /..., WebSocket at ws://HOST:PORT/{stage} with @connections at "
        "/{stage}/@connections/{id}, any API at {api-id}.execute-api.localhost), plus the DynamoDB-compatible table "
        "service and the Lambda API, on one HTTP endpoint. Data lives under --data-dir (default ./.nubis). "
        "More functions can be declared with --function. Ctrl-C or SIGTERM shuts down cleanly.",
    )
    serve.add_argument("project", nargs="?", default=".", help="project folder (default: the current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=4566, help="port to listen on (default 4566)")
    serve.add_argument("--data-dir", default=".nubis", help="where embedded data lives (default ./.nubis)")
    serve.add_argument("--storage", help="storage URL instead of the embedded default: sqlite:PATH or memory:")
    serve.add_argument(
        "--durability",
        choices=["full", "pipelined", "relaxed"],
        default="full",
        help="full (default): a write is acknowledged once fsynced, and no read reveals it before; pipelined: "
        "acknowledged once fsynced too, but reads may see it just before it is on disk; relaxed: never fsynced, "
        "acknowledged writes survive a crash or kill -9 of Nubis but not a power loss (fastest)",
    )
    serve.add_argument(
        "--region",
        help="region for unsigned requests (default us-east-1); also serverless.yml's ${opt:region}, as "
        "'serverless deploy --region'",
    )
    serve.add_argument(
        "--stage",
        help="the stage a serverless.yml deploys to, as 'serverless deploy --stage' (${opt:stage}; default: the "
        "file's provider.stage, else dev)",
    )
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the data (default 1)")
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    serve.add_argument(
        "--ttl-interval",
        type=float,
        default=30.0,
        help="seconds between Time to Live sweeps that delete expired items (0: never; default 30)",
    )
    serve.add_argument(
        "--function",
        action="append",
        metavar="NAME=module.handler[:key=value,...]",
        help="declare a Lambda function (repeatable); keys: timeout (s, default 3), memory (MB, default 128), "
        "concurrency (reserved), code (dir, relative to the project), runtime (python3.11|python3.12), "
        "description, env.VAR=value. Example: --function hello=app.handler:timeout=10,env.TABLE=orders",
    )
    serve.add_argument(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pick up code changes on the next invocation (default: on when functions are declared)",
    )
    serve.add_argument(
        "--async-retry-delays",
        default="60,120",
        metavar="SECONDS,SECONDS",
        help="delays before the retries of a failed Event invocation (default 60,120, as Lambda)",
    )
    serve.add_argument(
        "--verify-signatures",
        action="store_true",
        help="refuse DynamoDB, Lambda API and @connections requests unless SigV4-signed with a known key (with "
        "AWS's errors: UnrecognizedClientException, InvalidSignatureException...); the keys come from --credentials "
        "and NUBIS_CREDENTIALS. Default: any credentials are accepted",
    )
    serve.add_argument(
        "--credentials",
        action="append",
        metavar="ACCESS_KEY:SECRET[:SESSION_TOKEN]",
        help="a key --verify-signatures accepts (repeatable). Arguments show in the process list: prefer "
        "NUBIS_CREDENTIALS, the same entries separated by commas or newlines, for real secrets",
    )
    serve.add_argument(
        "--ws-idle-timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="close a WebSocket connection with no message either way for this long (default 600, API "
        "Gateway's 10 minutes; 0: never)",
    )
    serve.add_argument(
        "--ws-max-duration",
        type=_seconds,
        default=7200.0,
        metavar="SECONDS",
        help="close a WebSocket connection this long after it opened, active or not (default 7200, API Gateway's "
        "2 hours; 0: no limit)",
    )
    serve.add_argument(
        "--ws-binary-frames",
        choices=("close", "base64"),
        default="close",
        help="a binary WebSocket frame: close the connection with 1003 as API Gateway does (default), or deliver "
        "it to $default base64-encoded with isBase64Encoded true (for clients that send binary and cannot change)",
    )
    serve.set_defaults(func=_serve)

    logs = sub.add_parser(
        "logs",
        help="show a function's logs (START/END/REPORT and its output), optionally following new ones",
        description="Print the logs kept for FUNCTION under --data-dir; with --follow, keep printing new ones.",
    )
    logs.add_argument("function", metavar="FUNCTION", help="the function's name")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new log lines until Ctrl-C")
    logs.add_argument("--lines", "-n", type=int, help="print only the last N lines first")
    logs.add_argument("--data-dir", default=".nubis", help="data directory of the server (default ./.nubis)")
    logs.set_defaults(func=_logs)

    tables = sub.add_parser("tables", help="list the tables stored in a data directory, with counts and sizes")
    tables.add_argument("--data-dir", default=".nubis", help="data directory (default ./.nubis)")
    tables.add_argument("--storage", help="storage URL instead of the data directory")
    tables.add_argument("--region", default="us-east-1", help="region whose tables to list (default us-east-1)")
    tables.set_defaults(func=_tables)

    export = sub.add_parser(
        "export",
        help="write an API's OpenAPI 3 definition with the API Gateway extensions, as get-export does",
        description="Write the OpenAPI 3 definition of one of PROJECT's REST or HTTP APIs, with the "
        "x-amazon-apigateway-* extensions (integrations, authorizers, CORS, binary media types...), as "
        "'aws apigateway get-export --export-type oas30 --parameters extensions=integrations' and "
        "'aws apigatewayv2 export-api --specification OAS30' write them. WebSocket APIs have no OpenAPI form.",
    )
    export.add_argument("project", nargs="?", default=".", help="project folder (default: the current folder)")
    export.add_argument(
        "--api", help="the API's name, id, logical id, or its kind (rest, http); needed when the project has several"
    )
    export.add_argument("--stage", help="the stage named in servers (and serverless ${opt:stage}); default: the first")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.add_argument(
        "--format", choices=["json", "yaml"], help="json (default) or yaml; a .yaml/.yml --output implies yaml"
    )
    export.add_argument("--region", help="region used in URLs and Lambda ARNs (default: the project's)")
    export.set_defaults(func=_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
