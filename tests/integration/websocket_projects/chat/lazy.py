"""A handler that imports boto3 inside the function, on its first invocation."""


def push(event, context):
    import boto3

    ctx = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"lazy")
    return {"statusCode": 200}
