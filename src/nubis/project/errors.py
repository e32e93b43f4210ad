"""Definition-time errors: one class, stable codes, and a location (file, line, key path).

Why one class with codes rather than a tree: callers (the CLI, the console, tests) need to show *where* a project
file is wrong and let users search for *what* is wrong; the code is the stable, searchable part (as pydantic's
``PydanticUserError`` codes are), the message is for humans and may improve. The rendering is fixed::

    serverless.yml:12: functions.hello.events[0].http.path: path must be a string [bad-type]

Loaders raise with a location; model validation raises without one and the loader that built the object adds it
(``ProjectError.located``), so the model stays independent of files.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["KeyPath", "ProjectError", "format_key_path"]

KeyPath = Sequence[str | int]
"""A path into a document: mapping keys (str) and sequence indexes (int)."""

_PLAIN_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-$/{}+*:@")


def format_key_path(path: KeyPath) -> str:
    """Renders ``("functions", "hello", "events", 0, "http")`` as ``functions.hello.events[0].http``.

    Keys with characters that would make the rendering ambiguous (dots, spaces) are quoted: ``paths["/v1.0"]``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part and all(c in _PLAIN_KEY for c in part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f'["{part}"]')
    return "".join(out)


class ProjectError(Exception):
    """A project definition that cannot be loaded.

    Attributes:
        code: stable identifier of the kind of mistake (``yaml-syntax``, ``missing-key``, ``bad-type``,
            ``bad-value``, ``variable-cycle``, ``unknown-variable-source``, ``unknown-reference``,
            ``unsupported``, ...).
        message: what is wrong, for a human.
        file: the file name as the user knows it (relative when possible), or None.
        line: 1-based line in ``file``, or None when unknown.
        key: the key path rendered with ``format_key_path``, or None.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        super().__init__(self.render())

    def render(self) -> str:
        """The one-line form ``file:line: key: message [code]`` (parts that are unknown are left out)."""
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message} [{self.code}]"

    def located(self, file: str | None, line: int | None, key: str | None) -> ProjectError:
        """A copy with the location filled in where this error has none (an inner location wins)."""
        return ProjectError(
            self.code,
            self.message,
            file=self.file if self.file is not None else file,
            line=self.line if self.line is not None else line,
            key=self.key if self.key is not None else key,
        )

    def __reduce__(self) -> tuple[object, ...]:  # pragma: no cover - pickling across worker processes
        return (_rebuild, (self.code, self.message, self.file, self.line, self.key))


def _rebuild(code: str, message: str, file: str | None, line: int | None, key: str | None) -> ProjectError:
    return ProjectError(code, message, file=file, line=line, key=key)
