"""The pure domain: polls, votes, counts, validation and errors (no Chalice, no AWS)."""
