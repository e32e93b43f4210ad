"""Integrations: where a matched route or method sends the request (Lambda proxy, MOCK)."""
