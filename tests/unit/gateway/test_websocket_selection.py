"""Route selection expressions and the worker's endpoint rewrite, one rule at a time."""

from __future__ import annotations

import pytest

from nubis.functions.endpoints import rewrite_endpoint
from nubis.gateway.events.websocket import error_frame, reply_body
from nubis.gateway.websocket.selection import compile_route_selection


@pytest.mark.D
@pytest.mark.parametrize(
    ("expression", "message", "expected"),
    [
        ("$request.body.action", '{"action": "join"}', "join"),
        ("$request.body.action", '{"other": 1}', ""),
        ("$request.body.a.b", '{"a": {"b": 7}}', "7"),
        ("$request.body.items", '{"items": ["x", "y"]}', "[x, y]"),
        ("${request.body.action}-${request.body.invalidPath}", '{"action": "join"}', "join-"),
        ("action", '{"action": "join"}', "action"),
        ("\\$default", "{}", "$default"),
        ("$request.body.action", "not json", None),
    ],
)
def test_route_selection_expression(expression: str, message: str, expected: str | None):
    assert compile_route_selection(expression)(message) == expected


@pytest.mark.D
def test_error_frame_has_aws_spacing():
    assert error_frame("Forbidden", "c=", "r=") == '{"message": "Forbidden", "connectionId":"c=", "requestId":"r="}'


@pytest.mark.D
def test_reply_body_is_the_result_body():
    assert reply_body(b'{"statusCode": 200, "body": "hi"}') == "hi"
    assert reply_body(b'"plain"') == "plain"
    assert reply_body(b"null") is None


@pytest.mark.D
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://127.0.0.1:4566/dev", "http://127.0.0.1:4566/dev"),
        ("https://localhost:4566/dev", "http://127.0.0.1:4566/dev"),
        ("https://abcdefghij.execute-api.localhost:4566/dev", "http://127.0.0.1:4566/dev"),
        ("https://abcdefghij.execute-api.us-east-1.amazonaws.com/prod", None),
        ("http://127.0.0.1:4566/dev", None),
    ],
)
def test_management_endpoint_rewrite(url: str, expected: str | None):
    assert rewrite_endpoint(url, "http://127.0.0.1:4566") == (expected or url)


@pytest.mark.D
@pytest.mark.parametrize(("fixture", "stage", "route"), [("chat_sam", "prod", "x"), ("chat_sls", "dev", "sendMessage")])
def test_sam_and_serverless_websocket_apis_compile(fixture: str, stage: str, route: str):
    from pathlib import Path

    from nubis.gateway.websocket.server import compile_websocket_deployments
    from nubis.project.discover import load_project

    project = load_project(Path(__file__).parents[1] / "project" / "fixtures" / fixture)
    assert project is not None
    (deployment,) = compile_websocket_deployments(project)
    assert deployment.stage.name == stage
    assert "$connect" in deployment.routes
    assert all(deployment.function_for(r) for r in deployment.routes.values())
    assert deployment.select('{"type": "sendMessage", "action": "x"}') == route


@pytest.mark.D
@pytest.mark.parametrize("when", ["before", "after"])
def test_management_endpoint_rewrite_covers_boto3_imported_before_or_after_install(when: str):
    """A fresh interpreter, as a worker is: the handler's module imported boto3 already, or imports it later."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import os, sys
        os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9999"
        from nubis.functions.endpoints import install_endpoint_rewrite
        if {when == "before"!r}:
            import boto3
        install_endpoint_rewrite()
        import boto3
        client = boto3.client("apigatewaymanagementapi", endpoint_url="https://127.0.0.1:4566/dev",
                              region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
        print(client.meta.endpoint_url)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "http://127.0.0.1:9999/dev"
