"""Models against ``nubis serve --verify-signatures``: the ``signed-*`` runs of every model test show that the
HTTP transport signs correctly; these show that a bad key surfaces as the client's typed error, unchanged."""

from __future__ import annotations

import asyncio

import pytest

from nubis.client import AsyncClient, Client
from nubis.client.errors import InvalidSignatureException, UnrecognizedClientException
from nubis.models import AsyncSession, Session
from nubis.testing import NubisServer

from .conftest import SIGNED_CREDENTIALS
from .models import User

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)


def test_a_wrong_secret_fails_with_the_typed_error(signed_server: NubisServer):
    with Client.http(signed_server.url, "us-east-1", (SIGNED_CREDENTIALS[0], "wrong-secret")) as client:
        with pytest.raises(InvalidSignatureException) as info:
            Session(client, prefix="wrong_").find(User, "u1")
    assert (info.value.code, info.value.status, info.value.message) == ("InvalidSignatureException", 400, MISMATCH)


def test_an_unknown_key_fails_with_the_typed_error_in_async_too(signed_server: NubisServer):
    async def find() -> None:
        async with AsyncClient.http(signed_server.url, "us-east-1", ("AKIDNOBODY", "x")) as client:
            await AsyncSession(client, prefix="unknown_").find(User, "u1")

    with pytest.raises(UnrecognizedClientException) as info:
        asyncio.run(find())
    assert info.value.message == "The security token included in the request is invalid."
