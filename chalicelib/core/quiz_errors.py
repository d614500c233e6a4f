"""The errors of quizzes: a quiz poll's answer breaking a rule, and multi-question quizzes' own."""

from __future__ import annotations

from chalicelib.core.errors import DomainError


class _QuizRule(DomainError):
    """A quiz's answer breaks a rule; `field` names the field at fault."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"field": field})


class InvalidQuiz(DomainError):
    """A quiz definition (create or change) is invalid; the message names the field."""

    status, code = 400, "invalid_quiz"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"field": field})


class QuizWithoutAnswer(_QuizRule):
    """A quiz names no correct option."""

    code = "quiz_without_answer"


class QuizUnknownAnswer(_QuizRule):
    """A quiz's `correct` names an id that is not one of its options."""

    code = "quiz_unknown_answer"


class QuizTooManyAnswers(_QuizRule):
    """A quiz names more correct options than a reader may choose (`max_choices`)."""

    code = "quiz_too_many_answers"


class AnswerOnPlainPoll(_QuizRule):
    """A plain poll (kind `poll`) was given `correct` or an explanation: only a quiz has an answer."""

    code = "answer_on_plain_poll"


class QuizNotFound(DomainError):
    """No quiz has this id."""

    status, code = 404, "quiz_not_found"


class QuizExists(DomainError):
    """A quiz with this id exists already."""

    status, code = 409, "quiz_exists"


class QuizUnanswered(DomainError):
    """The voter has no ballot in any of the quiz's polls yet: there is no score to count."""

    status, code = 409, "quiz_unanswered"
