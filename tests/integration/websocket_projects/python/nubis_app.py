"""A WebSocket API defined in Python, written for Nubis's tests."""

from nubis.project import function, project as define, websocket_api

project = define(
    "pyws",
    functions=[
        function("connect", "handlers.connect"),
        function("disconnect", "handlers.disconnect"),
        function("whoami", "handlers.whoami"),
    ],
    apis=[
        websocket_api(
            "py-ws",
            {"$connect": "connect", "$disconnect": "disconnect", "whoami": "whoami"},  # no $default
            stage="live",
            route_selection_expression="$request.body.op",
            two_way=["whoami"],
        )
    ],
)
