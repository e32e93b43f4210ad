"""The worker process: import the handler once, then run invocations from the parent until told to stop.

The parent starts ``python -c "from nubis.functions.worker import main; main()"`` in the function's code
directory, with Lambda's environment, stdout and stderr on a log pipe, and one end of a socket pair whose fd is
in ``_NUBIS_CONTROL_FD``. The loop mirrors awslambdaric's ``bootstrap.py`` [P]:

1. ``sys.path[0]`` is the code root; stdout becomes line-buffered (so output before a timeout is not lost);
   ``logging``'s root logger gets Lambda's handler and format (its level is left alone, as in Lambda).
2. Import the handler (``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``, ... on failure: reported as
   INIT_ERROR and the process exits, so the next invocation retries the init, as Lambda does).
3. For each INVOKE: decode the event with ``json``, call ``handler(event, context)``, encode the result as
   awslambdaric does (``json`` with its separators, Decimals as numbers), flush the output, then send RESULT or
   ERROR with the duration and the peak RSS. Output is flushed *before* the reply so the parent, draining the log
   pipe when the reply arrives, sees all of it.

``SystemExit`` and other ``BaseException``s are not caught, as in awslambdaric: ``sys.exit(3)`` in a handler
ends the runtime, and the parent reports ``Runtime.ExitError``.
"""

from __future__ import annotations

import decimal
import importlib
import io
import json
import logging
import os
import re
import resource
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import orjson

from nubis.functions import logs, protocol
from nubis.functions.context import LambdaContext
from nubis.functions.endpoints import install_endpoint_rewrite

_request_id = ""
HandlerFunction = Callable[[Any, LambdaContext], Any]


class FaultError(Exception):
    """A runtime fault with Lambda's ``Runtime.*`` type (import failures, unmarshalling)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def make_error(message: str, error_type: str, stack: list[str] | None, request_id: str = "") -> dict[str, Any]:
    """The error document, key for key as awslambdaric's ``make_error`` (``requestId`` empty during init)."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack or [],
    }


def load_handler(handler: str) -> HandlerFunction:
    """Import ``module.function`` with awslambdaric's fault types and messages [P bootstrap.py ``_get_handler``]."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from exc
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {modname} as a handler module"
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}") from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {exc}", trace) from exc
    try:
        function: HandlerFunction = getattr(module, fname)
    except AttributeError as exc:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from exc
    return function


def user_traceback(tb: Any) -> list[str]:
    """The traceback without this module's frames, formatted as ``traceback.format_list`` (Lambda's stackTrace)."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    index = 0
    while index < len(frames) and frames[index][0] == __file__:
        index += 1
    # Plain tuples, as awslambdaric passes them: no column carets in the formatted lines.
    return traceback.format_list(frames[index:])  # type: ignore[arg-type]


def _encode_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        # awslambdaric writes Decimals as their exact digits; the stdlib encoder can only write int or float.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def make_encoder() -> json.JSONEncoder:
    # python3.12's runtime writes non-ASCII characters as they are; earlier runtimes escape them [P marshaller].
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
    return json.JSONEncoder(ensure_ascii=ascii_only, default=_encode_default)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


class _LambdaLoggerHandler(logging.Handler):
    """Writes formatted records to stdout as they are (the format ends with its own newline)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def setup_logging() -> None:
    logging.Formatter.converter = time.gmtime
    handler = _LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(logs.LOGGING_FORMAT, logs.LOGGING_DATE_FORMAT))
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _limit_memory() -> None:
    """A virtual-memory ceiling far above the memory size: a backstop against one huge allocation.

    The real limit is resident memory, enforced by the parent (it kills the worker, as Lambda does); address
    space is much larger than RSS for threaded code, so this ceiling only stops runaway allocations.
    """
    memory = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    ceiling = (memory * 4 + 4096) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    except (ValueError, OSError):  # pragma: no cover - a lower hard limit already applies
        pass


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the server dies, so a hung handler never outlives it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, 9, 0, 0, 0)
    except Exception:  # pragma: no cover - best effort
        pass


class PeakMemory:
    """This process's peak resident memory, in KB (Lambda's "Max Memory Used"), read only when it can have grown.

    ``VmHWM`` from ``/proc/self/status``, not ``getrusage``'s ``ru_maxrss``: Linux carries the pre-``exec`` peak of
    the *parent* into ``ru_maxrss``, so a worker started by a large server would report the server's peak and be
    killed for memory it never used. Reading ``status`` costs about 9 µs, a tenth of a warm invocation, so it is
    read only after page faults: resident memory grows only by faulting pages in, so with no new minor or major
    fault since the last read the peak cannot have moved (``getrusage`` is a cheap system call).
    """

    __slots__ = ("_faults", "_fd", "_peak")

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/self/status", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self._fd = None
        self._faults = -1
        self._peak = 0

    def kb(self) -> int:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        faults = usage.ru_minflt + usage.ru_majflt
        if faults == self._faults:
            return self._peak
        self._faults = faults
        if self._fd is not None:
            data = os.pread(self._fd, 8192, 0)
            start = data.find(b"VmHWM:")
            if start >= 0:
                self._peak = int(data[start + 6 : data.index(b"kB", start)])
                return self._peak
        peak = usage.ru_maxrss
        self._peak = peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KB elsewhere
        return self._peak


_LONG_NUMBER = re.compile(rb"\d{19}")


def decode_event(body: bytes) -> Any:
    """The event as ``json.loads`` gives it; orjson (five times faster) unless the text has a run of 19 digits
    (orjson reads integers past 64 bits as floats) or is refused by it (``NaN``, which ``json`` accepts)."""
    if _LONG_NUMBER.search(body) is None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body)


def main() -> None:
    global _request_id
    control = socket.socket(fileno=int(os.environ.pop("_NUBIS_CONTROL_FD")))
    _die_with_parent()
    _limit_memory()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if sys.path and sys.path[0] in ("", "."):
        sys.path[0] = task_root
    else:
        sys.path.insert(0, task_root)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    setup_logging()
    reader = io.BufferedReader(socket.SocketIO(control, "rb"), 256 * 1024)

    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as exc:
        if isinstance(exc, FaultError):
            error = make_error(exc.message, exc.error_type, exc.trace)
        else:
            error = make_error(str(exc), type(exc).__name__, user_traceback(exc.__traceback__))
        sys.stdout.write(logs.format_error_lines(error))
        _flush()
        control.sendall(protocol.encode_frame(protocol.INIT_ERROR, None, json.dumps(error).encode()))
        return
    _flush()
    control.sendall(protocol.encode_frame(protocol.READY))

    encoder = make_encoder()
    peak_memory = PeakMemory()
    perf_counter = time.perf_counter
    while True:
        frame = protocol.read_frame(reader)
        if frame is None:
            return
        _kind, meta, body = frame
        request_id = _request_id = meta["id"]
        trace_id = meta.get("trace")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        context = LambdaContext(request_id, meta["deadline"], meta["arn"], meta.get("client"), meta.get("identity"))
        started = perf_counter()
        kind = protocol.RESULT
        try:
            try:
                event = decode_event(body) if body else {}
            except ValueError as exc:
                raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc
            install_endpoint_rewrite()  # boto3 imported by the handler (at load or lazily) reaches Nubis
            response = handler(event, context)
            if isinstance(response, bytes):
                result = response
            else:
                try:
                    result = encoder.encode(response).encode()
                except Exception as exc:
                    raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
        except FaultError as exc:
            kind = protocol.ERROR
            error = make_error(exc.message, exc.error_type, exc.trace, request_id)
        except Exception as exc:
            kind = protocol.ERROR
            error = make_error(str(exc), type(exc).__name__, user_traceback(exc.__traceback__), request_id)
        duration_ms = (perf_counter() - started) * 1000.0
        if kind == protocol.ERROR:
            sys.stdout.write(logs.format_error_lines(error))
            result = encoder.encode(error).encode()
        _flush()
        control.sendall(protocol.encode_frame(kind, {"d": duration_ms, "m": peak_memory.kb()}, result))
        _request_id = ""


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
