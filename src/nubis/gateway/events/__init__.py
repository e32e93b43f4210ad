"""Pure builders of Lambda proxy events and readers of their results (no I/O, no globals)."""
