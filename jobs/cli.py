"""The ``piisweep`` command. Every sub-command is ``main(argv) -> int``-shaped: parse, build
config, call the same functions tests and notebooks call. Operator mistakes (a missing file,
a bad policy key) print one line and exit 2, without a traceback."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from detectors.config import DEFAULT_ENGINE, ENGINE_KINDS, load_engine
from detectors.errors import PiisweepError
from detectors.keys import KeyRing
from detectors.policy import Policy
from jobs import local_detect
from jobs.localfiles import FORMATS, infer_format, open_input, open_output, refuse_binary

log = logging.getLogger("piisweep")

DEFAULT_CONF = Path("conf")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a file (gzip/bz2/xz/zstd are decompressed) or - for stdin")
    parser.add_argument("--format", choices=("auto", *FORMATS), default="auto")
    parser.add_argument("--output", "-o", help="output file (default: stdout)")
    parser.add_argument(
        "--policy", help="redaction policy YAML (default: conf/policy.yaml if present)"
    )
    parser.add_argument(
        "--conf-dir",
        help="directory with detectors/*.yaml custom detectors and lists (default: conf/)",
    )
    parser.add_argument("--threshold", type=float, help="override the policy's score threshold")
    add_engine_option(parser)


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    """``--engine``, for every sub-command that runs detection."""
    parser.add_argument(
        "--engine",
        choices=ENGINE_KINDS,
        default=DEFAULT_ENGINE,
        help="detection engine: the compiled core (default) or the pure-Python reference, "
        "for debugging; both give the same findings",
    )


def _version() -> str:
    try:
        return importlib.metadata.version("piisweep")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="piisweep", description="Find and remove personal data in logs and exports."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"piisweep {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    detect = sub.add_parser("detect", help="write findings as JSON Lines")
    _common(detect)
    redact = sub.add_parser("redact", help="write the input back, redacted, in its own format")
    _common(redact)
    redact.add_argument(
        "--line-buffered",
        action="store_true",
        help="flush after every line (default when reading a pipe)",
    )
    for module in _command_modules():
        module.add_parsers(sub)
    return parser


# Modules that add sub-commands: each has ``add_parsers(sub)`` and ``COMMANDS`` (name ->
# function of the parsed arguments returning the exit code). Imported when the parser is
# built, so ``piisweep detect`` does not pay for Spark or Great Expectations imports.
COMMAND_MODULES = ("jobs.scan_cli", "jobs.records_cli", "jobs.validate_cli", "jobs.reveal_cli")


def _command_modules() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in COMMAND_MODULES]


def _context(args: argparse.Namespace) -> local_detect.Context:
    policy_path = args.policy or (
        DEFAULT_CONF / "policy.yaml" if (DEFAULT_CONF / "policy.yaml").exists() else None
    )
    policy = Policy.load(policy_path) if policy_path else Policy.default()
    if args.threshold is not None:
        policy = policy.with_threshold(args.threshold)
    conf_dir = Path(args.conf_dir) if args.conf_dir else DEFAULT_CONF
    engine = load_engine(conf_dir, threshold=policy.threshold, engine=args.engine)
    policy.check_entities(engine.entity_types)
    keys = KeyRing.load()
    policy.check_keys(keys)
    uri = "stdin" if args.path == "-" else Path(args.path).resolve().as_uri()
    return local_detect.Context(engine=engine, policy=policy, keys=keys, source_uri=uri)


@contextmanager
def _opened(
    args: argparse.Namespace,
) -> Iterator[tuple[local_detect.Context, BinaryIO, str, BinaryIO]]:
    """Everything a command needs, in order: config, the input (refused if binary) and its
    format, the output; closed again whatever happens."""
    ctx = _context(args)
    stream, name = open_input(args.path)
    try:
        refuse_binary(stream, args.path)
        fmt = infer_format(name, stream, args.format)
        out = open_output(args.output)
        try:
            yield ctx, stream, fmt, out
        finally:
            out.flush()
            if out is not sys.stdout.buffer:
                out.close()
    finally:
        stream.close()


def run_detect(args: argparse.Namespace) -> int:
    count = 0
    with _opened(args) as (ctx, stream, fmt, out):
        for rows, text in local_detect.detect(stream, fmt, ctx):
            out.write(text)
            count += rows
    log.info("%d findings in %s (%s)", count, ctx.source_uri, fmt)
    return 0


def run_redact(args: argparse.Namespace) -> int:
    line_mode = args.line_buffered or (args.path == "-" and not _is_regular(sys.stdin))
    with _opened(args) as (ctx, stream, fmt, out):
        local_detect.redact(stream, out, fmt, ctx, line_mode)
    return 0


def _is_regular(fh: object) -> bool:
    try:
        return os.path.isfile(f"/proc/self/fd/{fh.fileno()}")  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return False


COMMANDS = {"detect": run_detect, "redact": run_redact}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="piisweep: %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_after_interrupt)
    try:
        commands = dict(COMMANDS)
        for module in _command_modules():
            commands.update(module.COMMANDS)
        return commands[args.command](args)
    except PiisweepError as exc:
        print(f"piisweep: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `piisweep redact big.log | head`
        return 0
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:
        if _after_interrupt(exc):
            return _interrupted()
        raise


def _after_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a Ctrl-C was being handled. On SIGINT PySpark's
    handler cancels every job and raises KeyboardInterrupt; the collect it interrupted
    then fails with the job's cancellation (a Py4JJavaError) chained to that interrupt."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def _quiet_after_interrupt(record: logging.LogRecord) -> bool:
    """Once Ctrl-C is in, Py4J's reports of the calls it cut short (logged with
    tracebacks on the root logger) are dropped: they say nothing the one line of
    :func:`_interrupted` does not."""
    from jobs.spark import interrupted

    return not (interrupted.is_set() and f"{os.sep}py4j{os.sep}" in record.pathname)


def _interrupted() -> int:
    """Ctrl-C: one line and the shell's exit status for SIGINT (128 + 2), no traceback.
    Spark's jobs are cancelled already and its JVM ends with this process; a scan commits
    nothing before its summary is written, so the same scan id can simply be run again."""
    print("piisweep: interrupted; nothing was committed", file=sys.stderr)
    return 130


if __name__ == "__main__":
    sys.exit(main())
