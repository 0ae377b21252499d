"""The two error types of the definitions package."""


class DefinitionError(ValueError):
    """A survey definition is invalid: names the file, the question and the problem."""

    def __init__(self, problem: str, *, source: str | None = None, question: str | None = None):
        self.problem = problem
        self.source = source
        self.question = question
        where = source or "<definition>"
        if question:
            where += f", question '{question}'"
        super().__init__(f"{where}: {problem}")


class AnswerError(ValueError):
    """One answer is invalid. `code` is stable and translated by the app; `params` fill the message."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)
