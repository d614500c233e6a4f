"""The DynamoDB adapter: the only package that talks to the tables or knows their errors."""
