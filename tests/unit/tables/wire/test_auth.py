"""``SignatureVerifier``: botocore signs a request, the verifier checks it as the server receives it.

Each test signs with botocore's own ``SigV4Auth`` (the client every Python SDK user has), turns the request into the
ASGI scope uvicorn would build (raw path and query bytes, lowercase header names, the ``Host`` header the HTTP
client adds), changes one thing or none, and verifies. Evidence markers cite where AWS's texts come from: ``V`` a
DynamoDB answer quoted in a public issue, ``P`` dynalite's notes of AWS's answers (index.js) or the
scratchstack-aws-signature verifier's constants.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nubis.tables.errors import (
    DynamoDBError,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from nubis.tables.wire.auth import (
    MISMATCH,
    Credential,
    SignatureVerifier,
    canonical_path,
    canonical_query,
    parse_credentials,
)

BODY = b'{"TableName": "items", "Key": {"pk": {"S": "a"}}}'
HEADERS = {"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}
KEYS = [Credential("AKIDGOOD", "good-secret"), Credential("ASIATEMP", "temp-secret", "the-token")]


def signed(
    url: str = "http://127.0.0.1:4566/",
    body: bytes = BODY,
    *,
    key: tuple[str, ...] = ("AKIDGOOD", "good-secret"),
    service: str = "dynamodb",
    region: str = "eu-west-1",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body, headers={**HEADERS, **(headers or {})})
    SigV4Auth(Credentials(*key), service, region).add_auth(request)
    return request


def scope_of(request: AWSRequest, *, host: str | None = None) -> dict[str, Any]:
    """The ASGI scope of ``request`` as uvicorn hands it over (the HTTP client adds ``Host``)."""
    url = urlsplit(request.url)
    headers = [(name.lower().encode(), value.encode()) for name, value in request.headers.items()]
    headers.append((b"host", (host or url.netloc).encode()))
    return {
        "type": "http",
        "method": request.method,
        "path": url.path,
        "raw_path": url.path.encode(),
        "query_string": url.query.encode(),
        "headers": headers,
    }


def set_header(scope: dict[str, Any], name: bytes, value: bytes) -> None:
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k != name] + [(name, value)]


def verifier(offset: float = 0.0) -> SignatureVerifier:
    return SignatureVerifier(KEYS, clock=lambda: time.time() + offset)


def refusal(call: Callable[[], object]) -> DynamoDBError:
    with pytest.raises(DynamoDBError) as info:
        call()
    return info.value


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566/",
        "http://127.0.0.1:4566/2015-03-31/functions/my%20fn/invocations?Qualifier=%24LATEST&b=2&a=z&a=y&empty=",
        "http://localhost/prod/@connections/R0oXAdfD0kwCH6w%3D",
        "http://localhost/a/./b/../c/",
        "https://dynamodb.eu-west-1.amazonaws.com/",
    ],
)
def test_a_botocore_signature_verifies_and_names_its_region(url):
    assert verifier().verify(scope_of(signed(url)), BODY, "dynamodb") == "eu-west-1"


def test_the_canonical_path_and_query_are_botocores():
    assert canonical_path(b"/prod/@connections/R0oX%3D") == "/prod/%40connections/R0oX%253D"
    assert canonical_path(b"/a/./b/../c/") == "/a/c/"
    assert canonical_path(b"") == "/"
    assert canonical_query(b"b=2&a=z&a=y&empty=&flag&sp=a%20b&t=%7e") == "a=y&a=z&b=2&empty=&flag=&sp=a%20b&t=~"
    assert canonical_query(b"X-Amz-Signature=abc&x=1", presigned=True) == "x=1"


def test_a_tampered_body_is_refused():
    request = signed()
    error = refusal(lambda: verifier().verify(scope_of(request), BODY.replace(b'"a"', b'"b"'), "dynamodb"))
    assert isinstance(error, InvalidSignatureException) and error.message == MISMATCH


def test_a_tampered_signed_header_is_refused():
    scope = scope_of(signed())
    set_header(scope, b"x-amz-target", b"DynamoDB_20120810.DeleteItem")
    assert refusal(lambda: verifier().verify(scope, BODY, "dynamodb")).message == MISMATCH


def test_a_header_added_after_signing_is_ignored_but_a_changed_host_is_not():
    scope = scope_of(signed())
    scope["headers"].append((b"user-agent", b"added-later"))
    assert verifier().verify(scope, BODY, "dynamodb") == "eu-west-1"
    other_host = scope_of(signed(), host="127.0.0.1:9999")
    assert refusal(lambda: verifier().verify(other_host, BODY, "dynamodb")).message == MISMATCH


@pytest.mark.parametrize(
    "change", [("query_string", b"Qualifier=%24LATEST&a=x"), ("raw_path", b"/2015-03-31/functions/other/invocations")]
)
def test_a_tampered_query_or_path_is_refused(change):
    request = signed("http://127.0.0.1:4566/2015-03-31/functions/fn/invocations?Qualifier=%24LATEST&a=z")
    scope = scope_of(request)
    assert verifier().verify(scope, BODY, "dynamodb") == "eu-west-1"
    scope[change[0]] = change[1]
    assert refusal(lambda: verifier().verify(scope, BODY, "dynamodb")).message == MISMATCH


@pytest.mark.V  # ttsuruoka/php-simple-amazon-dynamodb#1 (DynamoDB's 178-character message)
def test_a_wrong_secret_gets_dynamodbs_signature_mismatch():
    error = refusal(lambda: verifier().verify(scope_of(signed(key=("AKIDGOOD", "bad"))), BODY, "dynamodb"))
    assert isinstance(error, InvalidSignatureException)
    assert error.type_name == "com.amazon.coral.service#InvalidSignatureException" and error.status == 400
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details."
    )


@pytest.mark.V  # baopham/laravel-dynamodb#228, yegor256/s3auth#237: DynamoDB's body and message
def test_an_unknown_key_gets_unrecognized_client():
    error = refusal(lambda: verifier().verify(scope_of(signed(key=("AKIDWHO", "x"))), BODY, "dynamodb"))
    assert isinstance(error, UnrecognizedClientException)
    assert error.type_name == "com.amazon.coral.service#UnrecognizedClientException"
    assert error.message == "The security token included in the request is invalid."


@pytest.mark.V  # hassy/artillery-dino#2, remind101/logspout-kinesis#21: "(... - 5 min.)"
def test_a_date_older_than_five_minutes_has_expired():
    request = signed()
    amz_date = request.headers["X-Amz-Date"]
    now = time.time() + 400
    error = refusal(lambda: SignatureVerifier(KEYS, clock=lambda: now).verify(scope_of(request), BODY, "dynamodb"))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    earliest = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 300))
    assert isinstance(error, InvalidSignatureException)
    assert error.message == f"Signature expired: {amz_date} is now earlier than {earliest} ({stamp} - 5 min.)"


@pytest.mark.V  # s12v/awsbeats#48, basak/glacier-cli#36: "(... + 5 min.)"
def test_a_date_more_than_five_minutes_ahead_is_not_yet_current():
    request = signed()
    amz_date = request.headers["X-Amz-Date"]
    now = time.time() - 400
    error = refusal(lambda: SignatureVerifier(KEYS, clock=lambda: now).verify(scope_of(request), BODY, "dynamodb"))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    latest = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + 300))
    assert error.message == f"Signature not yet current: {amz_date} is still later than {latest} ({stamp} + 5 min.)"


def test_a_clock_four_minutes_off_either_way_is_fine():
    request = signed()
    for offset in (-240, 240):
        assert verifier(offset).verify(scope_of(request), BODY, "dynamodb") == "eu-west-1"


@pytest.mark.P  # dynalite's notes of AWS's answers (index.js)
def test_a_malformed_date_is_an_incomplete_signature():
    scope = scope_of(signed())
    set_header(scope, b"x-amz-date", b"201")
    error = refusal(lambda: verifier().verify(scope, BODY, "dynamodb"))
    assert isinstance(error, IncompleteSignatureException)
    assert (
        error.message == "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_an_http_date_header_signs_as_well():
    request = AWSRequest(method="POST", url="http://127.0.0.1:4566/", data=BODY, headers={**HEADERS, "Date": "x"})
    SigV4Auth(Credentials("AKIDGOOD", "good-secret"), "dynamodb", "us-east-1").add_auth(request)
    assert "X-Amz-Date" not in request.headers and request.headers["Date"][3:5] == ", "  # RFC 1123
    assert verifier().verify(scope_of(request), BODY, "dynamodb") == "us-east-1"


@pytest.mark.P  # scratchstack-aws-signature's MSG_HOST_AUTHORITY_MUST_BE_SIGNED
def test_host_must_be_signed():
    scope = scope_of(signed())
    authorization = dict(scope["headers"])[b"authorization"]
    set_header(scope, b"authorization", authorization.replace(b"host;", b""))
    error = refusal(lambda: verifier().verify(scope, BODY, "dynamodb"))
    assert error.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


@pytest.mark.P  # dynalite's notes of AWS's answers (index.js)
def test_another_algorithm_is_unsupported():
    scope = scope_of(signed())
    authorization = dict(scope["headers"])[b"authorization"]
    set_header(scope, b"authorization", authorization.replace(b"AWS4-HMAC-SHA256", b"AWS4-HMAC-SHA512"))
    error = refusal(lambda: verifier().verify(scope, BODY, "dynamodb"))
    assert isinstance(error, IncompleteSignatureException)
    assert error.message == "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "


@pytest.mark.P  # dynalite's notes of AWS's answers (index.js)
def test_a_credential_needs_five_elements():
    scope = scope_of(signed())
    authorization = dict(scope["headers"])[b"authorization"].decode()
    credential = authorization.split("Credential=")[1].split(",")[0]
    short = credential.rsplit("/", 1)[0]
    set_header(scope, b"authorization", authorization.replace(credential, short).encode())
    error = refusal(lambda: verifier().verify(scope, BODY, "dynamodb"))
    assert isinstance(error, IncompleteSignatureException)
    assert error.message == (
        f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{short}'"
    )


@pytest.mark.V  # arnemolland/sigv4#15: a DynamoDB request scoped to execute-api
def test_the_scope_must_name_the_endpoints_service():
    error = refusal(lambda: verifier().verify(scope_of(signed(service="execute-api")), BODY, "dynamodb"))
    assert isinstance(error, InvalidSignatureException)
    assert error.message == "Credential should be scoped to correct service: 'dynamodb'. "


@pytest.mark.P  # dynalite's notes of AWS's answers (index.js)
def test_the_scope_day_must_be_the_dates():
    scope = scope_of(signed())
    authorization = dict(scope["headers"])[b"authorization"].decode()
    amz_date = dict(scope["headers"])[b"x-amz-date"].decode()
    set_header(scope, b"authorization", authorization.replace(f"/{amz_date[:8]}/", "/20200101/").encode())
    error = refusal(lambda: verifier().verify(scope, BODY, "dynamodb"))
    assert error.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20200101' != '{amz_date[:8]}', from '{amz_date}'."
    )


def test_no_signature_is_a_missing_token():
    scope = scope_of(AWSRequest(method="POST", url="http://127.0.0.1:4566/", data=BODY, headers=HEADERS))
    assert isinstance(refusal(lambda: verifier().verify(scope, BODY, "dynamodb")), MissingAuthenticationTokenException)


@pytest.mark.P  # dynalite's notes: the token is checked last, and its message has no full stop
def test_a_temporary_key_needs_its_own_session_token():
    good = signed(key=("ASIATEMP", "temp-secret", "the-token"))
    assert verifier().verify(scope_of(good), BODY, "dynamodb") == "eu-west-1"
    for token in ("another-token", None):
        request = signed(key=("ASIATEMP", "temp-secret", *([token] if token else [])))
        error = refusal(lambda request=request: verifier().verify(scope_of(request), BODY, "dynamodb"))
        assert isinstance(error, UnrecognizedClientException)
        assert error.message == "The security token included in the request is invalid"
    permanent_with_token = signed(key=("AKIDGOOD", "good-secret", "stray-token"))
    error = refusal(lambda: verifier().verify(scope_of(permanent_with_token), BODY, "dynamodb"))
    assert isinstance(error, UnrecognizedClientException)


def test_unsigned_payload_leaves_the_body_free_but_a_declared_hash_must_match():
    request = signed(headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert verifier().verify(scope_of(request), b"anything", "dynamodb") == "eu-west-1"
    declared = signed(headers={"X-Amz-Content-SHA256": hashlib.sha256(BODY).hexdigest()})
    assert verifier().verify(scope_of(declared), BODY, "dynamodb") == "eu-west-1"
    assert refusal(lambda: verifier().verify(scope_of(declared), BODY + b" ", "dynamodb")).message == MISMATCH


def test_a_presigned_url_verifies_until_it_expires():
    request = AWSRequest(method="GET", url="http://127.0.0.1:4566/?Action=x", data=b"", headers={})
    SigV4QueryAuth(Credentials("AKIDGOOD", "good-secret"), "dynamodb", "us-east-1", expires=60).add_auth(request)
    assert verifier().verify(scope_of(request), b"", "dynamodb") == "us-east-1"
    tampered = scope_of(request)
    tampered["query_string"] = tampered["query_string"].replace(b"Action=x", b"Action=y")
    assert refusal(lambda: verifier().verify(tampered, b"", "dynamodb")).message == MISMATCH
    error = refusal(lambda: verifier(120).verify(scope_of(request), b"", "dynamodb"))
    assert isinstance(error, InvalidSignatureException) and error.message.startswith("Signature expired: ")


def test_signing_keys_are_derived_once_per_key_day_region_and_service():
    check = verifier()
    for _ in range(3):
        check.verify(scope_of(signed()), BODY, "dynamodb")
    check.verify(scope_of(signed(region="us-west-2")), BODY, "dynamodb")
    assert len(check._signing_keys) == 2


def test_credentials_parse_from_commas_newlines_and_spaces():
    assert parse_credentials("A:a, B:b:tok\nC:c:with:colon") == (
        Credential("A", "a"),
        Credential("B", "b", "tok"),
        Credential("C", "c", "with:colon"),
    )
    assert parse_credentials("") == ()
    with pytest.raises(ValueError, match="ACCESS_KEY:SECRET"):
        parse_credentials("lonely")
