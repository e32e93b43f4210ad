"""Drives the notes API over HTTP, as a browser or a mobile app would: create, list, update, read, delete.

Run it against a server: ``python demo.py --url http://127.0.0.1:4566``.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from typing import Any


def call(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:4566")
    url = parser.parse_args().url
    for text in ("buy milk", "write the report", "call Ana"):
        status, note = call(url, "POST", "/notes", {"text": text, "tags": ["demo"]})
        print(f"POST   /notes            -> {status} {note['id']}  {note['text']}")
    status, listing = call(url, "GET", "/notes")
    print(f"GET    /notes            -> {status} {len(listing['notes'])} notes, newest first")
    first = listing["notes"][0]["id"]
    status, note = call(url, "PUT", f"/notes/{first}", {"text": "call Ana at 5"})
    print(f"PUT    /notes/{first} -> {status} {note['text']}")
    status, _ = call(url, "DELETE", f"/notes/{first}")
    print(f"DELETE /notes/{first} -> {status}")
    status, body = call(url, "GET", f"/notes/{first}")
    print(f"GET    /notes/{first} -> {status} {body}")


if __name__ == "__main__":
    main()
