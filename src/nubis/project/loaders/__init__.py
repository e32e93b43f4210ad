"""Loaders: one per definition format, each producing a ``nubis.project.model.Project``."""
