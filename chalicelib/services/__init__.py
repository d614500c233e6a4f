"""The use cases: polls, votes, results, recounts and snapshots, over the store port and the catalog."""
