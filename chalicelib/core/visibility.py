"""The visibility rule: who may see a poll's results, and when."""

from __future__ import annotations

from chalicelib.core.errors import ResultsHidden
from chalicelib.core.poll import Poll, Status, Visibility

_HIDDEN = {
    Visibility.AFTER_VOTE: "results are shown to those who have voted",
    Visibility.AFTER_CLOSE: "results are published when the poll closes",
    Visibility.NEVER: "results of this poll are not published",
}


def shown(poll: Poll, now: float, *, voted: bool) -> bool:
    """Tell whether a reader (who has voted, or not) may see the results now: the one statement of the rule."""
    visibility = poll.results_visibility
    if visibility is Visibility.ALWAYS:
        return True
    if visibility is Visibility.AFTER_VOTE:
        return voted
    return visibility is Visibility.AFTER_CLOSE and poll.status_at(now) is Status.CLOSED


def is_public(poll: Poll, now: float) -> bool:
    """Tell whether anyone may see the results now (so they may be cached and served by a CDN)."""
    return shown(poll, now, voted=False)


def needs_ballot_check(poll: Poll, now: float) -> bool:
    """Tell whether showing results to a reader depends on whether that reader has voted."""
    return not is_public(poll, now) and shown(poll, now, voted=True)


def hidden(poll: Poll) -> ResultsHidden:
    """Return the error that explains why this poll's results are hidden from a reader."""
    return ResultsHidden(_HIDDEN.get(poll.results_visibility, "results are hidden"))
