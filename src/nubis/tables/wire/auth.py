"""SigV4 on the AWS-protocol endpoints: what is checked of a request's signature, and the region it names.

Two levels. ``region_from_request`` always runs: what AWS checks before it looks at the signature itself (an
``AWS4-`` Authorization header or a presigned query, with its parts, and a date header), and any credentials are
accepted. ``SignatureVerifier`` runs under ``nubis serve --verify-signatures``: it recomputes the signature with
the secret of a known key and refuses the request unless it matches. Either way the credential scope's region
scopes the table namespace.

The verifier's checks, in AWS's order ([P] dynalite's notes of AWS's answers, index.js; [P] scratchstack-aws-
signature's "auth error ordering"; the first failing check answers):

1. presence and form: ``MissingAuthenticationTokenException``, ``IncompleteSignatureException``;
2. the date: ISO 8601 basic format (``IncompleteSignatureException``), within 5 minutes of the server's clock
   (``InvalidSignatureException`` "Signature expired: ..." / "Signature not yet current: ...");
3. ``host`` among the signed headers (``InvalidSignatureException``);
4. the algorithm, ``AWS4-HMAC-SHA256`` (``IncompleteSignatureException``);
5. the credential: five elements (``IncompleteSignatureException``), then its scope's service, terminator and date
   (``InvalidSignatureException``, the failing parts' messages joined);
6. the access key is known (``UnrecognizedClientException``, "... is invalid.");
7. the signature itself (``InvalidSignatureException``, "The request signature we calculated does not match ...");
8. the session token belongs to the key (``UnrecognizedClientException``, "... is invalid", without the full stop).

The canonical request is botocore's (``botocore.auth.SigV4Auth``), computed from the request as received: the raw
path with dot segments removed, URI-encoded once more (every AWS service but S3 signs the encoded path encoded
again); query pairs decoded and re-encoded (RFC 3986 unreserved characters left alone), sorted by key then value;
each signed header's values trimmed, inner whitespace runs collapsed, joined with commas; the payload's SHA-256,
or ``x-amz-content-sha256`` when the client sent one (``UNSIGNED-PAYLOAD`` then leaves the body unsigned, as S3
allows). A request costs two SHA-256 and one HMAC: signing keys are cached per (secret, date, region, service).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes

from nubis.tables.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW_SECONDS = 300
"""How far a header-signed request's date may be from the server's clock, either way (AWS: 5 minutes) [V]."""
MAX_PRESIGNED_EXPIRES = 604800
"""The longest ``X-Amz-Expires`` SigV4 allows (one week) [D]."""
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
"""DynamoDB's message, without the canonical string older endpoints appended [V DynamoDB answer quoted in
ttsuruoka/php-simple-amazon-dynamodb#1, 178 characters]."""
_PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
_ISO_BASIC = re.compile(r"\d{8}T\d{6}Z")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SIGNING_KEY_CACHE = 1024

Scope = MutableMapping[str, Any]


@dataclass(frozen=True, slots=True)
class Credential:
    """A key the verifier knows: an access key id, its secret, and the session token temporary keys carry."""

    access_key: str
    secret_key: str
    session_token: str | None = None


def parse_credentials(text: str) -> tuple[Credential, ...]:
    """``ACCESS_KEY:SECRET[:SESSION_TOKEN]`` entries, separated by commas or whitespace (AWS keys hold neither).

    Raises:
        ValueError: an entry lacks its secret.
    """
    found: list[Credential] = []
    for entry in text.replace(",", " ").split():
        access_key, _, rest = entry.partition(":")
        secret, _, token = rest.partition(":")
        if not access_key or not secret:
            raise ValueError(f"credentials must be ACCESS_KEY:SECRET[:SESSION_TOKEN], got {entry.split(':')[0]!r}:...")
        found.append(Credential(access_key, secret, token or None))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Signature:
    """The signature's parts, from the Authorization header or a presigned query."""

    algorithm: str
    credential: str
    signature: str
    signed_headers: str
    presigned: bool


def _authorization_params(authorization: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in authorization.replace(",", " ").split()[1:]:
        name, _, value = part.partition("=")
        params[name] = value
    return params


def _signature_parts(authorization: str | None, query: Mapping[str, str], has_date: bool) -> _Signature:
    """Presence and form ([P] dynalite index.js, checked against AWS): the errors come before any verification."""
    presigned = "X-Amz-Algorithm" in query
    if authorization and presigned:
        raise InvalidSignatureException(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
        )
    if not presigned and (not authorization or not authorization.strip().startswith("AWS4-")):
        raise MissingAuthenticationTokenException()
    if presigned:
        missing = [p for p in _PRESIGN_PARAMS if not query.get(p)]
        if missing:
            msg = "".join(f"AWS query-string parameters must include '{p}'. " for p in missing)
            raise IncompleteSignatureException(msg + "Re-examine the query-string parameters.")
        return _Signature(
            query["X-Amz-Algorithm"],
            query["X-Amz-Credential"],
            query["X-Amz-Signature"],
            query["X-Amz-SignedHeaders"],
            presigned=True,
        )
    assert authorization is not None
    params = _authorization_params(authorization)
    msg = "".join(
        f"Authorization header requires '{p}' parameter. "
        for p in ("Credential", "Signature", "SignedHeaders")
        if not params.get(p)
    )
    if not has_date:
        msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    if msg:
        raise IncompleteSignatureException(msg + "Authorization=" + authorization)
    return _Signature(
        authorization.split()[0], params["Credential"], params["Signature"], params["SignedHeaders"], presigned=False
    )


def region_from_request(authorization: str | None, query: dict[str, str], has_date: bool, default: str) -> str:
    """Check the signature's presence and form; return the region of its credential scope."""
    if authorization is not None and has_date and not query:
        # Every request of a well-behaved client: the same checks as ``_signature_parts``, none of its error text.
        params = _authorization_params(authorization)
        credential = params.get("Credential")
        if credential and params.get("Signature") and params.get("SignedHeaders"):
            if authorization.strip().startswith("AWS4-"):
                return _scope_region(credential, default)
    return _scope_region(_signature_parts(authorization, query, has_date).credential, default)


def _scope_region(credential: str, default: str) -> str:
    parts = credential.split("/")
    return parts[2] if len(parts) >= 5 and parts[2] else default


def _format(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _parse_date(text: str, *, http_date: bool) -> float:
    """Seconds since the epoch of an ISO 8601 basic date (``X-Amz-Date``), or of an HTTP ``Date`` header."""
    if _ISO_BASIC.fullmatch(text):
        try:
            return datetime(
                int(text[0:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[9:11]),
                int(text[11:13]),
                int(text[13:15]),
                tzinfo=UTC,
            ).timestamp()
        except ValueError:
            pass
    elif http_date:
        try:
            parsed = parsedate_to_datetime(text)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    raise IncompleteSignatureException(
        f"Date must be in ISO-8601 'basic format'. Got '{text}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, keeping a trailing slash (botocore's ``normalize_url_path``)."""
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    normalized = "/" + "/".join(output)
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return normalized


def canonical_path(raw_path: bytes) -> str:
    """The path as SigV4 signs it for every service but S3: normalized, then URI-encoded once more."""
    if raw_path == b"/":
        return "/"
    return quote(_remove_dot_segments(raw_path.decode("latin-1")).encode("latin-1"), safe="/~")


def canonical_query(raw_query: bytes, *, presigned: bool = False) -> str:
    """The query as SigV4 signs it: each key and value decoded and re-encoded, sorted by key, then value."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        name = quote(unquote_to_bytes(key), safe="-_.~")
        if presigned and name == "X-Amz-Signature":
            continue
        pairs.append((name, quote(unquote_to_bytes(value), safe="-_.~")))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


class SignatureVerifier:
    """Checks SigV4 signatures against known keys (see the module docstring for the checks and their order).

    Args:
        credentials: the keys requests may be signed with.
        clock: seconds since the epoch (tests pass a fixed one).
    """

    def __init__(self, credentials: Iterable[Credential], *, clock: Callable[[], float] = time.time) -> None:
        self._keys = {credential.access_key: credential for credential in credentials}
        self._clock = clock
        self._signing_keys: dict[tuple[str, str, str, str], bytes] = {}

    def verify(self, scope: Scope, body: bytes, service: str) -> str:
        """Verify an ASGI request's signature for ``service`` (``dynamodb``, ``lambda``, ``execute-api``).

        Returns:
            The region of the signature's credential scope.

        Raises:
            MissingAuthenticationTokenException, IncompleteSignatureException, InvalidSignatureException,
            UnrecognizedClientException: the request is refused, with AWS's type and message.
        """
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        raw_query: bytes = scope.get("query_string", b"")
        query: dict[str, str] = {}
        if raw_query:
            for part in raw_query.split(b"&"):
                name, _, value = part.decode("latin-1").partition("=")
                query.setdefault(unquote(name), unquote(value))
        authorization = headers.get("authorization", [None])[0]
        signature = _signature_parts(authorization, query, "x-amz-date" in headers or "date" in headers)
        # 2. The date, and the window around it.
        now = self._clock()
        if signature.presigned:
            amz_date = query["X-Amz-Date"]
            signed_at = _parse_date(amz_date, http_date=False)
            expires = _presigned_expires(query.get("X-Amz-Expires"))
            if now > signed_at + expires:  # [?] the coral template with the URL's own window
                raise InvalidSignatureException(
                    f"Signature expired: {amz_date} is now earlier than {_format(now - expires)} "
                    f"({_format(now)} - {expires} sec.)"
                )
        else:
            if "x-amz-date" in headers:
                amz_date = headers["x-amz-date"][0]
                signed_at = _parse_date(amz_date, http_date=False)
            else:
                signed_at = _parse_date(headers["date"][0], http_date=True)
                amz_date = _format(signed_at)
            if signed_at < now - MAX_SKEW_SECONDS:  # [V] aws-sdk-js#254, hassy/artillery-dino#2
                raise InvalidSignatureException(
                    f"Signature expired: {amz_date} is now earlier than {_format(now - MAX_SKEW_SECONDS)} "
                    f"({_format(now)} - 5 min.)"
                )
        if signed_at > now + MAX_SKEW_SECONDS:  # [V] s12v/awsbeats#48, basak/glacier-cli#36
            raise InvalidSignatureException(
                f"Signature not yet current: {amz_date} is still later than {_format(now + MAX_SKEW_SECONDS)} "
                f"({_format(now)} + 5 min.)"
            )
        # 3. Host signed [P scratchstack: the current wording names :authority too].
        signed_names = signature.signed_headers.split(";")
        if "host" not in signed_names and ":authority" not in signed_names:
            raise InvalidSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        # 4. The algorithm [P dynalite's notes].
        if signature.algorithm != ALGORITHM:
            if signature.presigned:
                raise MissingAuthenticationTokenException()
            raise IncompleteSignatureException(
                f"Unsupported AWS 'algorithm': '{signature.algorithm}' (only AWS4-HMAC-SHA256 for now). "
            )
        # 5. The credential and its scope [P dynalite's notes; V arnemolland/sigv4#15 for the service].
        parts = signature.credential.rstrip("/").split("/")
        if len(parts) != 5:
            raise IncompleteSignatureException(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                f"got '{signature.credential}'"
            )
        access_key, day, region, scope_service, terminator = parts
        problems = ""
        if not region:
            problems += f"Credential should be scoped to a valid region, not '{region}'. "
        if scope_service != service:
            problems += f"Credential should be scoped to correct service: '{service}'. "
        if terminator != TERMINATOR:
            problems += f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. "
        if day != amz_date[:8]:
            problems += (
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{day}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        if problems:
            raise InvalidSignatureException(problems)
        # 6. A known key.
        credential = self._keys.get(access_key)
        if credential is None:
            raise UnrecognizedClientException()
        # 7. The signature.
        string_to_sign_head = f"{ALGORITHM}\n{amz_date}\n{day}/{region}/{service}/{TERMINATOR}\n"
        signing_key = self._signing_key(credential.secret_key, day, region, service)
        given = signature.signature.encode("latin-1")
        matched = False
        for payload_hash in _payload_hashes(headers, body, presigned=signature.presigned):
            canonical = "\n".join(
                (
                    scope["method"],
                    canonical_path(scope.get("raw_path") or scope["path"].encode("utf-8")),
                    canonical_query(raw_query, presigned=signature.presigned),
                    _canonical_headers(signed_names, headers),
                    signature.signed_headers,
                    payload_hash,
                )
            )
            digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            expected = hmac.new(signing_key, (string_to_sign_head + digest).encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected.encode(), given):
                matched = True
                break
        if not matched:
            raise InvalidSignatureException(MISMATCH)
        # 8. The session token: temporary keys must carry theirs, permanent keys none [P dynalite's notes].
        token = query.get("X-Amz-Security-Token") if signature.presigned else None
        if token is None and "x-amz-security-token" in headers:
            token = headers["x-amz-security-token"][0]
        if (token or None) != credential.session_token:
            raise UnrecognizedClientException("The security token included in the request is invalid")
        return region

    def _signing_key(self, secret: str, day: str, region: str, service: str) -> bytes:
        cache_key = (secret, day, region, service)
        found = self._signing_keys.get(cache_key)
        if found is not None:
            return found
        key = ("AWS4" + secret).encode()
        for part in (day, region, service, TERMINATOR):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if len(self._signing_keys) >= _SIGNING_KEY_CACHE:
            self._signing_keys.clear()
        self._signing_keys[cache_key] = key
        return key


def _presigned_expires(raw: str | None) -> int:
    if raw is None:
        return MAX_SKEW_SECONDS
    if not raw.isdigit():
        raise IncompleteSignatureException("X-Amz-Expires should be a number")  # [?] S3's wording
    expires = int(raw)
    if expires > MAX_PRESIGNED_EXPIRES:
        raise IncompleteSignatureException(  # [?] S3's wording
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less "
            "than 604800 seconds"
        )
    return expires


def _canonical_headers(signed_names: Sequence[str], headers: Mapping[str, list[str]]) -> str:
    return "".join(
        f"{name}:{','.join(' '.join(value.split()) for value in headers.get(name, ()))}\n" for name in signed_names
    )


def _payload_hashes(headers: Mapping[str, list[str]], body: bytes, *, presigned: bool) -> tuple[str, ...]:
    """The payload hashes the client may have signed, most likely first.

    A declared ``x-amz-content-sha256`` is what was signed; a hash there must be the body's, or the body is not
    the one signed. A presigned URL signs its body's hash (botocore for every service but S3) or, as S3's do,
    ``UNSIGNED-PAYLOAD``.
    """
    declared = headers.get("x-amz-content-sha256", [None])[0]
    if declared == UNSIGNED_PAYLOAD:
        return (declared,)
    actual = hashlib.sha256(body).hexdigest()
    if declared is not None:
        if not _HEX64.fullmatch(declared) or declared.lower() != actual:
            raise InvalidSignatureException(MISMATCH)
        return (declared,)
    return (actual, UNSIGNED_PAYLOAD) if presigned else (actual,)
