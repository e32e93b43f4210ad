"""Route selection: HTTP API route priority and the REST resource tree, without a server."""

from __future__ import annotations

import pytest

from nubis.gateway.routing import HttpRouter, RestRouter

HTTP_ROUTES = [
    "GET /pets/dog/{id}",
    "GET /pets/dog/1",
    "GET /pets/{proxy+}",
    "ANY /{proxy+}",
    "ANY /pets/{id}",
    "GET /pets/{id}",
    "$default",
]


@pytest.mark.D
@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat", "GET /pets/{id}", {"id": "cat"}),
        ("POST", "/pets/cat", "ANY /pets/{id}", {"id": "cat"}),
        ("GET", "/pets/a/b/c", "GET /pets/{proxy+}", {"proxy": "a/b/c"}),
        ("POST", "/test/5", "ANY /{proxy+}", {"proxy": "test/5"}),
        ("GET", "/", "$default", {}),
    ],
)
def test_http_route_priority_most_specific_wins(method: str, path: str, route_key: str, params: dict[str, str]):
    router = HttpRouter((key, key) for key in HTTP_ROUTES)
    found = router.match(method, path)
    assert found is not None
    assert (found.route_key, found.path_parameters) == (route_key, params)


@pytest.mark.D
def test_http_known_path_with_other_method_and_no_default_is_no_match():
    router = HttpRouter([("GET /items", "x")])
    assert router.match("POST", "/items") is None
    assert router.match("GET", "/other") is None


@pytest.mark.V
def test_rest_literal_beats_parameter_beats_greedy_and_trailing_slash_is_ignored():
    router = RestRouter(
        [
            ("/items/special", {"GET": "special"}),
            ("/items/{id}", {"GET": "item"}),
            ("/{proxy+}", {"ANY": "proxy"}),
        ]
    )
    assert router.match("GET", "/items/special/").target == "special"  # type: ignore[union-attr]
    found = router.match("GET", "/items/7")
    assert found is not None and (found.target, found.path_parameters) == ("item", {"id": "7"})
    found = router.match("DELETE", "/a//b/")
    assert found is not None and (found.http_method, found.path_parameters) == ("ANY", {"proxy": "a//b"})


@pytest.mark.V
def test_rest_wrong_method_on_matched_resource_is_no_match():
    router = RestRouter([("/items/{id}", {"GET": "item"}), ("/", {"GET": "root"})])
    assert router.match("POST", "/items/1") is None
    assert router.match("GET", "/") is not None
    assert router.match("GET", "/nothing/here") is None
