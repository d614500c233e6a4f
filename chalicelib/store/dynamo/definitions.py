"""A poll's definition item in DynamoDB, both ways: the domain's Poll from a stored item, and the item from a Poll."""

from __future__ import annotations

from typing import Any

from chalicelib.core.languages import DEFAULT_LANG, Translation
from chalicelib.core.poll import (
    AddressBlock,
    AddressLimit,
    Allowance,
    Block,
    Challenge,
    Option,
    Poll,
    PollKind,
    ProofAlgorithm,
    Visibility,
)
from chalicelib.store.dynamo.models import DEFINITION, OptionMap, PollModel

SNAPSHOT_DUE = "due"


def poll_from_model(item: PollModel) -> Poll:
    """Turn a stored definition into the domain's Poll."""
    return Poll(
        id=item.id,
        question=item.question,
        options=tuple(Option(id=o.id, label=o.label) for o in item.options),
        opens_at=int(item.opens_at),
        closes_at=None if item.closes_at is None else int(item.closes_at),
        closed=bool(item.closed),
        closed_at=None if item.closed_at is None else int(item.closed_at),
        max_choices=int(item.max_choices),
        results_visibility=Visibility(item.results_visibility),
        block=Block(item.block),
        ip_limit=int(item.ip_limit),
        created_at=int(item.created_at),
        incarnation=item.epoch,
        challenge=Challenge(item.challenge or Challenge.NONE.value),
        proof_algorithm=ProofAlgorithm(item.proof_algorithm or ProofAlgorithm.PBKDF2.value),
        address_limit=_address_limit(item),
        lang=item.lang or DEFAULT_LANG,
        translations=_translations(item),
        randomize_options=bool(item.randomize_options),
        version=int(item.version or 0),
        keep_until=int(item.keep_until or 0),
        disclaimer=_disclaimer(item),
        article_url=item.article_url,
        kind=PollKind(item.kind or PollKind.POLL.value),
        correct=tuple(str(option) for option in item.correct or ()),
    )


def _disclaimer(item: PollModel) -> bool | str:
    """Read a definition's disclaimer: custom text, off, or (absent, as on polls stored before it) the standard one."""
    if item.disclaimer_text is not None:
        return str(item.disclaimer_text)
    return not item.disclaimer_off


def _translations(item: PollModel) -> dict[str, Translation]:
    """Read a definition's translations (none when the attribute is absent, as on polls stored before them)."""
    stored = item.translations.as_dict() if item.translations is not None else {}
    return {
        tag: Translation(
            question=str(entry["question"]),
            labels={k: str(v) for k, v in entry["options"].items()},
            disclaimer=None if entry.get("disclaimer") is None else str(entry["disclaimer"]),
        )
        for tag, entry in stored.items()
    }


def _address_limit(item: PollModel) -> AddressLimit | None:
    """Read a definition's address limit (none, or no blocks, on polls stored before limits, or blocks, existed)."""
    if item.address_votes is None or item.address_minutes is None:
        return None
    stored = item.address_blocks.as_dict() if item.address_blocks is not None else {}
    known = {block.value: block for block in AddressBlock}  # a block a later version added is none here
    blocks = {known[k]: Allowance(int(v["votes"]), int(v["minutes"])) for k, v in stored.items() if k in known}
    return AddressLimit(votes=int(item.address_votes), minutes=int(item.address_minutes), blocks=blocks)


def changeable(poll: Poll) -> dict[str, Any]:
    """Return the attributes an editor's change may set (None removes one)."""
    limit = poll.address_limit
    return {
        "question": poll.question,
        "options": [OptionMap(id=o.id, label=o.label) for o in poll.options],
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "closed": poll.closed,
        "closed_at": poll.closed_at,
        "challenge": poll.challenge.value,
        "proof_algorithm": poll.proof_algorithm.value,
        "address_votes": None if limit is None else limit.votes,
        "address_minutes": None if limit is None else limit.minutes,
        "address_blocks": None if limit is None or not limit.blocks else limit.as_dict()["blocks"],
        "lang": poll.lang,
        "translations": poll.translations_dict() or None,
        "randomize_options": poll.randomize_options or None,
        "keep_until": poll.keep_until or None,
        "disclaimer_text": poll.disclaimer if isinstance(poll.disclaimer, str) else None,
        "disclaimer_off": True if poll.disclaimer is False else None,
        "article_url": poll.article_url,
        "kind": None if poll.kind is PollKind.POLL else poll.kind.value,
        "correct": list(poll.correct) or None,
    }


def poll_to_model(model: type[PollModel], poll: Poll) -> PollModel:
    """Turn a domain Poll into a definition item (due for a snapshot)."""
    return model(
        id=poll.id,
        part=DEFINITION,
        max_choices=poll.max_choices,
        results_visibility=poll.results_visibility.value,
        block=poll.block.value,
        ip_limit=poll.ip_limit,
        created_at=poll.created_at,
        epoch=poll.incarnation,
        version=poll.version,
        kept_until=poll.keep_until or None,
        snapshot_due=SNAPSHOT_DUE,
        **changeable(poll),
    )
