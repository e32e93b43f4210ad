"""Exporters: the model written back out in formats other tools read."""
