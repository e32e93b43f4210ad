"""The DynamoDB JSON wire protocol: ASGI app, request validation, codecs and error rendering."""
