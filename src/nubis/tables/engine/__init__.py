"""The DynamoDB operations as a plain Python API over a ``Storage``; ``Engine`` is the only public entry."""
