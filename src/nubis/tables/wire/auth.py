"""What the DynamoDB front end checks of a request's signature, and the region it names.

Nubis accepts any credentials for now (issue #3); what it does check is what AWS checks before it looks at the
signature itself: that there is an ``AWS4-`` Authorization header (or presigned query), that it has its parts,
and that a date header exists ([P] dynalite index.js, checked against AWS). The credential scope's region scopes
the table namespace.
"""

from __future__ import annotations

from nubis.tables.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)


def region_from_request(authorization: str | None, query: dict[str, str], has_date: bool, default: str) -> str:
    """Check the signature's presence and form; return the region of its credential scope."""
    presigned = "X-Amz-Algorithm" in query
    if authorization and presigned:
        raise InvalidSignatureException(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
        )
    if not presigned and (not authorization or not authorization.strip().startswith("AWS4-")):
        raise MissingAuthenticationTokenException()
    if presigned:
        missing = [
            p
            for p in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
            if not query.get(p)
        ]
        if missing:
            msg = "".join(f"AWS query-string parameters must include '{p}'. " for p in missing)
            raise IncompleteSignatureException(msg + "Re-examine the query-string parameters.")
        return _scope_region(query["X-Amz-Credential"], default)
    assert authorization is not None
    params: dict[str, str] = {}
    for part in authorization.replace(",", " ").split()[1:]:
        name, _, value = part.partition("=")
        params[name] = value
    msg = "".join(
        f"Authorization header requires '{p}' parameter. "
        for p in ("Credential", "Signature", "SignedHeaders")
        if not params.get(p)
    )
    if not has_date:
        msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    if msg:
        raise IncompleteSignatureException(msg + "Authorization=" + authorization)
    return _scope_region(params["Credential"], default)


def _scope_region(credential: str, default: str) -> str:
    parts = credential.split("/")
    return parts[2] if len(parts) >= 5 and parts[2] else default
