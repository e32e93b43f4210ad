"""The composition helpers ``nubis serve`` prints and runs with: outputs rewritten to local URLs, runtime warnings,
inline code written to the data directory, and ``--stage``/``--region`` reaching serverless.yml (reference §11-12).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nubis.project.model import (
    Api,
    ApiKind,
    FunctionDef,
    Integration,
    IntegrationType,
    Method,
    Project,
    Resource,
    Route,
    Stage,
    api_id_for,
)
from nubis.server import function_spec, local_outputs, open_project, runtime_warnings
from nubis.settings import Settings

MOCK = Integration(type=IntegrationType.MOCK)
BASE = "http://127.0.0.1:4566"


def rest(logical: str, stage: str) -> Api:
    resources = (Resource("/", {"GET": Method("GET", MOCK)}),)
    return Api(api_id_for("s", logical), logical, ApiKind.REST, logical, (Stage(stage),), resources)


def http(logical: str) -> Api:
    route = Route("$default", MOCK)
    return Api(api_id_for("s", logical), logical, ApiKind.HTTP, logical, (Stage("$default"),), routes=(route,))


def websocket(logical: str, stage: str) -> Api:
    route = Route("$default", MOCK)
    return Api(
        api_id_for("s", logical),
        logical,
        ApiKind.WEBSOCKET,
        logical,
        (Stage(stage),),
        routes=(route,),
        route_selection_expression="$request.body.action",
    )


@pytest.mark.D
def test_outputs_point_at_the_local_listener() -> None:
    first, second, root, chat = rest("First", "Prod"), rest("Second", "Prod"), http("Root"), websocket("Chat", "dev")
    outputs = {
        "First": f"https://{first.id}.execute-api.us-east-1.amazonaws.com/Prod/hello/",
        # Same stage name as the first API: the path alone reaches the first, so the host form is printed.
        "Second": f"https://{second.id}.execute-api.eu-west-1.amazonaws.com/Prod",
        "Root": f"https://{root.id}.execute-api.us-east-1.amazonaws.com",
        "Chat": f"wss://{chat.id}.execute-api.us-east-1.amazonaws.com/dev",
        "Id": root.id,
        "Other": "https://abcdefghij.execute-api.us-east-1.amazonaws.com/Prod",  # not an API of this project
        "Number": 3,
    }
    project = Project(name="s", apis=(first, second, root, chat), outputs=outputs, format="openapi")
    assert local_outputs(project, BASE) == {
        "First": f"{BASE}/Prod/hello/",
        "Second": f"http://{second.id}.execute-api.localhost:4566/Prod",
        "Root": BASE,
        "Chat": "ws://127.0.0.1:4566/dev",
        "Id": root.id,
        "Other": "https://abcdefghij.execute-api.us-east-1.amazonaws.com/Prod",
        "Number": 3,
    }


def test_a_declared_runtime_other_than_the_servers_is_a_warning(tmp_path: Path) -> None:
    host = f"{sys.version_info.major}.{sys.version_info.minor}"
    runtimes = (("same", f"python{host}"), ("new1", "python3.14"), ("new2", "python3.14"), ("old", "python3.8"))
    functions = {
        name: FunctionDef(name=name, handler="app.main", runtime=runtime, code_dir=tmp_path)
        for name, runtime in runtimes
    }
    assert runtime_warnings(Project(name="p", functions=functions)) == [
        f"functions new1, new2 declare python3.14; they run on this server's Python {host}",
        f"function old declares python3.8; it runs on this server's Python {host}",
    ]


@pytest.mark.D
def test_inline_code_is_written_as_index_py(tmp_path: Path) -> None:
    source = "def handler(event, context):\n    return 1\n"
    function = FunctionDef(
        name="F", handler="index.handler", runtime="python3.12", code_dir=tmp_path, inline_code=source
    )
    spec = function_spec(function, tmp_path / "data")
    assert spec.code_dir == (tmp_path / "data" / "functions" / "inline" / "F").resolve()
    assert (spec.code_dir / "index.py").read_text() == source
    assert function_spec(function, tmp_path / "data").code_dir == spec.code_dir  # unchanged source: kept


@pytest.mark.D
def test_stage_and_region_options_reach_serverless_variables(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """\
service: todos
provider:
  name: aws
  runtime: python3.12
  environment:
    TABLE: ${self:service}-${opt:stage, self:provider.stage}-${opt:region, self:provider.region}
functions:
  f: {handler: app.main}
"""
    )
    settings = Settings(project_dir=str(tmp_path), stage="dev", project_region="eu-west-1")
    project = open_project(settings)
    assert project is not None and (project.stage, project.region) == ("dev", "eu-west-1")
    assert project.functions["f"].environment["TABLE"] == "todos-dev-eu-west-1"


@pytest.mark.parametrize("freeze", [True, False])
def test_a_server_process_freezes_its_start_up_heap_and_an_embedded_app_does_not(tmp_path: Path, freeze: bool) -> None:
    import asyncio
    import gc

    from nubis.server import NubisApp

    app = NubisApp(Settings(data_dir=str(tmp_path), storage="memory:", project_dir=str(tmp_path)), freeze_heap=freeze)
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return messages.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            frozen.append(gc.get_freeze_count())

    frozen: list[int] = []
    before = gc.get_freeze_count()
    try:
        asyncio.run(app({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
    finally:
        gc.unfreeze()
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert (frozen[0] > before) is freeze
