"""The bundled notes app runs unchanged from its serverless.yml and from its SAM template (both loaders)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from nubis.testing import NubisServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.D
@pytest.mark.parametrize("project", ["notes", "notes-sam"])
def test_notes_example_crud(project, tmp_path):
    with (
        NubisServer(tmp_path / "data", extra_args=[str(EXAMPLES / project)]) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        assert http.post("/notes", json={}).status_code == 400
        created = http.post("/notes", json={"text": "first", "tags": ["x"]})
        assert created.status_code == 201
        note = created.json()
        assert note["text"] == "first" and note["tags"] == ["x"]
        http.post("/notes", json={"text": "second"})
        listing = http.get("/notes").json()["notes"]
        assert [n["text"] for n in listing] == ["second", "first"]  # newest first
        updated = http.put(f"/notes/{note['id']}", json={"text": "changed"})
        assert updated.status_code == 200 and updated.json()["text"] == "changed"
        assert http.get(f"/notes/{note['id']}").json()["text"] == "changed"
        assert http.delete(f"/notes/{note['id']}").status_code == 204
        assert http.get(f"/notes/{note['id']}").status_code == 404
        assert http.delete(f"/notes/{note['id']}").status_code == 404
        assert http.put("/notes/nope", json={"text": "x"}).status_code == 404
