"""The poll backend's domain, storage and settings, packaged with the Lambda function."""
