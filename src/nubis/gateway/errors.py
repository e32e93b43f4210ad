"""Deployment and configuration errors: a project API the gateway cannot serve as defined."""

from __future__ import annotations


class GatewayConfigError(Exception):
    """An API definition the gateway cannot compile (reported at start-up, never at request time)."""
