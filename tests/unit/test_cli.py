"""The command line: every subcommand has help text, and ``nubis serve`` shuts down cleanly on SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nubis.cli import build_parser
from nubis.settings import Settings
from nubis.testing import NubisServer


def test_help_lists_every_subcommand_with_help_text():
    out = subprocess.run([sys.executable, "-m", "nubis", "--help"], capture_output=True, text=True, check=True).stdout
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = list(sub.choices)  # type: ignore[union-attr]
    assert {"serve", "tables"} <= set(names)
    for action in sub._choices_actions:  # type: ignore[union-attr]
        assert action.help, f"{action.dest} has no help text"
        assert action.dest in out and action.help.split()[0] in out


def test_serve_websocket_limits_are_seconds_and_zero_turns_them_off(capsys):
    args = build_parser().parse_args(["serve", "--ws-idle-timeout", "1.5", "--ws-max-duration", "0"])
    assert (args.ws_idle_timeout, args.ws_max_duration) == (1.5, 0.0)
    defaults = build_parser().parse_args(["serve"])
    assert (defaults.ws_idle_timeout, defaults.ws_max_duration) == (600.0, 7200.0)  # API Gateway's [D limits.md]
    for bad in ("-1", "soon", "inf", "nan"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "--ws-idle-timeout", bad])
    assert "--ws-idle-timeout" in capsys.readouterr().err


def test_serve_stops_cleanly_on_sigterm_and_keeps_data(tmp_path):
    server = NubisServer(tmp_path / "d").start()
    import boto3

    ddb = boto3.client(
        "dynamodb", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    ddb.create_table(
        TableName="keep",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="keep", Item={"id": {"S": "1"}})
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM: the status is 0 or -SIGTERM.
    assert server.stop() in (0, -15)
    log = server.log_path.read_text()
    assert "Application shutdown complete" in log and "Traceback" not in log
    listing = subprocess.run(
        [sys.executable, "-m", "nubis", "tables", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert listing.startswith("keep\t1 items")


def test_verify_signatures_needs_keys_and_refuses_malformed_ones():
    env = {k: v for k, v in os.environ.items() if k != "NUBIS_CREDENTIALS"}
    for args, expected in [
        ([], "--verify-signatures needs the keys to accept"),
        (["--credentials", "lonely"], "credentials must be ACCESS_KEY:SECRET[:SESSION_TOKEN]"),
    ]:
        out = subprocess.run(
            [sys.executable, "-m", "nubis", "serve", "--verify-signatures", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert out.returncode == 2 and expected in out.stderr


def test_signature_settings_travel_to_worker_processes(monkeypatch):
    from nubis.server import with_function_credentials

    settings = with_function_credentials(Settings(verify_signatures=True, credentials="A:a,B:b:tok"))
    assert settings.function_credentials.startswith("ASIA") and settings.function_credentials.count(":") == 2
    assert with_function_credentials(settings) == settings  # drawn once, then kept
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == settings
    assert with_function_credentials(Settings()).function_credentials == ""
