"""One module per pipeline step; they never import each other and meet only in ``pipelines.py``."""
