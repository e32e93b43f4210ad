"""The DynamoDB data model, engine, storage and wire protocol. Imports nothing else of nubis."""
