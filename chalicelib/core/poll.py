"""A poll's definition: its closed sets (blocking, visibility, status), open window and defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.core.disclaimers import default_for
from chalicelib.core.languages import DEFAULT_LANG, Translation, choose
from chalicelib.core.times import to_iso


class Status(StrEnum):
    """Where a poll is in its life."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class Block(StrEnum):
    """How repeat votes are blocked; each mode says what a vote must carry and write."""

    VOTER = "voter"
    VOTER_AND_IP = "voter_and_ip"
    NONE = "none"

    @property
    def keeps_ballots(self) -> bool:
        """Whether votes need a voter token and write a ballot (so repeats and recounts are possible)."""
        return self is not Block.NONE

    @property
    def limits_addresses(self) -> bool:
        """Whether votes count against a per-address limit in the poll."""
        return self is Block.VOTER_AND_IP


class Challenge(StrEnum):
    """What a vote must prove besides its voter token: nothing, a solved proof of work, or a Turnstile pass."""

    NONE = "none"
    PROOF_OF_WORK = "proof_of_work"
    TURNSTILE = "turnstile"


class ProofAlgorithm(StrEnum):
    """The function a proof of work repeats: PBKDF2 (WebCrypto, cheap on GPUs) or scrypt (memory-hard)."""

    PBKDF2 = "pbkdf2"
    SCRYPT = "scrypt"

    @property
    def altcha_name(self) -> str:
        """Return ALTCHA v2's name for it (the challenge's `algorithm`)."""
        return "PBKDF2/SHA-256" if self is ProofAlgorithm.PBKDF2 else "SCRYPT"


class PollKind(StrEnum):
    """A plain poll, or a quiz poll that has correct options."""

    POLL = "poll"
    QUIZ = "quiz"


class Visibility(StrEnum):
    """Who may see a poll's results, and when."""

    ALWAYS = "always"
    AFTER_VOTE = "after_vote"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


DEFAULT_MAX_CHOICES = 1
DEFAULT_VISIBILITY = Visibility.ALWAYS
DEFAULT_BLOCK = Block.VOTER
DEFAULT_IP_LIMIT = 20
# New polls are protected by default (stored polls without these attributes keep none: see the store).
DEFAULT_CHALLENGE = Challenge.PROOF_OF_WORK
DEFAULT_PROOF_ALGORITHM = ProofAlgorithm.SCRYPT  # the stage's PROOF_ALGORITHM unless set (stored polls: PBKDF2)


@dataclass(frozen=True)
class Allowance:
    """At most `votes` votes in each fixed window of `minutes` minutes."""

    votes: int
    minutes: int

    @property
    def seconds(self) -> int:
        """Return the window's length in seconds."""
        return self.minutes * 60

    def window_start(self, now: float) -> int:
        """Return the start (epoch seconds) of the window containing `now`."""
        return int(now) // self.seconds * self.seconds

    def as_dict(self) -> dict[str, int]:
        """Return the API representation."""
        return {"votes": self.votes, "minutes": self.minutes}


class AddressBlock(StrEnum):
    """A block of addresses wider than one reader's, with a window of its own: an IPv4 /24, an IPv6 /56 or /48."""

    IPV4_24 = "ipv4_24"
    IPV6_56 = "ipv6_56"
    IPV6_48 = "ipv6_48"

    @property
    def version(self) -> int:
        """Return the IP version the block applies to."""
        return 4 if self is AddressBlock.IPV4_24 else 6

    @property
    def bits(self) -> int:
        """Return the block's prefix length."""
        return int(self.value.rsplit("_", 1)[1])


@dataclass(frozen=True)
class AddressLimit(Allowance):
    """An allowance per address prefix (an IPv4 /32 or IPv6 /64 by default) and one per wider block it is in."""

    blocks: Mapping[AddressBlock, Allowance] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:  # type: ignore[override]
        """Return the API representation, the blocks by name."""
        blocks = {block.value: allowance.as_dict() for block, allowance in sorted(self.blocks.items())}
        return {**super().as_dict(), "blocks": blocks}


# 60 a prefix per 10 minutes: 50 readers behind one NAT fit in any one window, and one address adds
# at most 360 votes an hour. The blocks bound many addresses: 500 an hour from an IPv4 /24 (300 readers of a
# university's /24 in an hour fit) or an IPv6 /56, 2,000 an hour from an IPv6 /48 (BENCHMARKS.md, stuffing drill).
DEFAULT_BLOCK_LIMITS: Mapping[AddressBlock, Allowance] = {
    AddressBlock.IPV4_24: Allowance(votes=500, minutes=60),
    AddressBlock.IPV6_56: Allowance(votes=500, minutes=60),
    AddressBlock.IPV6_48: Allowance(votes=2000, minutes=60),
}
DEFAULT_ADDRESS_LIMIT = AddressLimit(votes=60, minutes=10, blocks=DEFAULT_BLOCK_LIMITS)


@dataclass(frozen=True)
class Option:
    """One answer of a poll."""

    id: str
    label: str


@dataclass(frozen=True)
class Window:
    """When votes count: from opens_at until closes_at (epoch seconds), unless closed by an editor."""

    opens_at: int
    closes_at: int | None
    closed: bool

    def status_at(self, now: float) -> Status:
        """Return the status at the given time: the one statement of the open-window rule."""
        if self.closed or (self.closes_at is not None and self.closes_at <= now):
            return Status.CLOSED
        if now < self.opens_at:
            return Status.SCHEDULED
        return Status.OPEN


@dataclass(frozen=True)
class Poll:
    """A poll's definition as the domain sees it; times (opens_at, closes_at, created_at) are epoch seconds.

    `incarnation` is a random id drawn when the poll is created, so a deleted and re-created poll id
    never matches the old poll's ballots or tallies. `version` counts the stored definition's changes (a change is
    written only over the version it was made from); `keep_until` is the least expiry every ballot of the poll has.
    """

    id: str
    question: str
    options: tuple[Option, ...]
    opens_at: int
    closes_at: int | None
    closed: bool
    max_choices: int
    results_visibility: Visibility
    block: Block
    ip_limit: int
    created_at: int
    incarnation: str
    # Defaults for polls stored before these fields existed; new polls get DEFAULT_CHALLENGE and
    # DEFAULT_ADDRESS_LIMIT from validation.
    challenge: Challenge = Challenge.NONE
    proof_algorithm: ProofAlgorithm = ProofAlgorithm.PBKDF2  # new polls get the stage's PROOF_ALGORITHM
    address_limit: AddressLimit | None = None
    lang: str = DEFAULT_LANG  # the language of question and labels
    translations: Mapping[str, Translation] = field(default_factory=dict)
    randomize_options: bool = False  # the widget shows each reader their own (stable) order
    version: int = 0
    keep_until: int = 0
    closed_at: int | None = None  # when an editor closed it (None while open, or closed only by its schedule)
    disclaimer: bool | str = True  # True: the standard text in the reader's language; False: none; else custom text
    article_url: str | None = None  # the story the poll belongs to, linked back to from its pages
    kind: PollKind = PollKind.POLL
    correct: tuple[str, ...] = ()  # a quiz poll's right option ids (never public before it closes)

    @property
    def scope(self) -> str:
        """Identify this incarnation of the poll id (mixed into ballot and address hashes)."""
        return f"{self.id}/{self.incarnation}"

    @property
    def window(self) -> Window:
        """Return the poll's open window."""
        return Window(self.opens_at, self.closes_at, self.closed)

    def status_at(self, now: float) -> Status:
        """Return the poll's status at the given time."""
        return self.window.status_at(now)

    def option_ids(self) -> list[str]:
        """Return the option ids in display order."""
        return [option.id for option in self.options]

    def languages(self) -> list[str]:
        """Return the languages the poll can be read in: its own first, then its translations."""
        return [self.lang, *sorted(self.translations)]

    def text_in(self, requested: str | None) -> tuple[str, str, dict[str, str]]:
        """Return the language answered in (asked for, a shorter form of it, or the original), question and labels."""
        lang = choose(requested, self.lang, self.translations)
        found = self.translations.get(lang)
        if found is None:
            return self.lang, self.question, {o.id: o.label for o in self.options}
        return lang, found.question, {o.id: found.labels.get(o.id, o.label) for o in self.options}

    def disclaimer_in(self, requested: str | None) -> str | None:
        """Return the disclaimer to show in a language: a translation's own, the custom text, or the standard one."""
        if self.disclaimer is False:
            return None
        lang = choose(requested, self.lang, self.translations)
        found = self.translations.get(lang)
        if found is not None and found.disclaimer is not None:
            return found.disclaimer
        if isinstance(self.disclaimer, str):
            return self.disclaimer
        return default_for(lang)

    def _disclaimer_field(self, lang: str) -> bool | str:
        """Return the API's `disclaimer` in a language: false, true (the standard text) or the custom text."""
        found = self.translations.get(lang)
        if self.disclaimer is not False and found is not None and found.disclaimer is not None:
            return found.disclaimer
        return self.disclaimer

    def translations_dict(self) -> dict[str, Any]:
        """Return every translation in its API form."""
        ids = self.option_ids()
        return {tag: self.translations[tag].as_dict(ids) for tag in sorted(self.translations)}

    def public_dict(self, now: float, requested: str | None = None) -> dict[str, Any]:
        """Return the public representation (GET /polls/{id}), in the language asked for where there is one."""
        lang, question, labels = self.text_in(requested)
        return {
            "id": self.id,
            "lang": lang,
            "languages": self.languages(),
            "question": question,
            "options": [{"id": o.id, "label": labels[o.id]} for o in self.options],
            "randomize_options": self.randomize_options,
            "status": self.status_at(now).value,
            "opens_at": to_iso(self.opens_at),
            "closes_at": to_iso(self.closes_at),
            "max_choices": self.max_choices,
            "results_visibility": self.results_visibility.value,
            "challenge": self.challenge.value,
            "disclaimer": self._disclaimer_field(lang),
            "article_url": self.article_url,
        }

    def admin_dict(self, now: float) -> dict[str, Any]:
        """Return the full representation editors see (the original language, and every translation)."""
        body = self.public_dict(now)
        body["translations"] = self.translations_dict()
        body["proof_algorithm"] = self.proof_algorithm.value
        repeat: dict[str, Any] = {"block": self.block.value}
        if self.block.limits_addresses:
            repeat["ip_limit"] = self.ip_limit
        limit = None if self.address_limit is None else self.address_limit.as_dict()
        body.update(repeat_votes=repeat, address_limit=limit, created_at=to_iso(self.created_at))
        body.update(kind=self.kind.value, correct=list(self.correct))
        return body
