"""The API Gateway: HTTP and REST APIs of a project served in front of its functions, the AWS way."""

from nubis.gateway.app import GatewayApp

__all__ = ["GatewayApp"]
