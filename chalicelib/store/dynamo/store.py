"""DynamoStore: the DynamoDB adapter as one object that satisfies the Store port."""

from __future__ import annotations

from chalicelib.store.dynamo import counts, forensics, polls, reshard, votes


class DynamoStore:
    """The Store port over the stage's DynamoDB tables."""

    create_poll = staticmethod(polls.create_poll)
    get_poll = staticmethod(polls.get_poll)
    list_polls = staticmethod(polls.list_polls)
    replace_poll = staticmethod(polls.replace_poll)
    delete_poll = staticmethod(polls.delete_poll)
    add_shards = staticmethod(reshard.add_shards)
    claim_reshard = staticmethod(reshard.claim_reshard)
    due_polls = staticmethod(polls.due_polls)
    mark_snapshot = staticmethod(polls.mark_snapshot)
    read_counts = staticmethod(counts.read_counts)
    read_many_counts = staticmethod(counts.read_many_counts)
    shard_counts = staticmethod(counts.shard_counts)
    replace_shard_counts = staticmethod(counts.replace_shard_counts)
    write_vote = staticmethod(votes.write_vote)
    ballot_exists = staticmethod(votes.ballot_exists)
    ballots_in_shard = staticmethod(votes.ballots_in_shard)
    ballot_records = staticmethod(forensics.ballot_records)
    void_ballots = staticmethod(forensics.void_ballots)
    voids = staticmethod(forensics.voids)
