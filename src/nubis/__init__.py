"""Nubis: a self-hosted serverless cloud (API Gateway, Lambda and DynamoDB, the AWS way)."""

__version__ = "0.1.0"
