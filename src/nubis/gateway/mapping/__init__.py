"""Pure request and response mapping (parameters, templates): no I/O, no globals."""
