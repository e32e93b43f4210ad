"""Storage backends behind one small protocol (``base``); ``nubis.tables.open`` picks one from a URL."""
