"""Storage: the port services depend on, its DynamoDB and S3 adapters, and the choice between adapters."""
