"""Command line: `pmip-verify tally|apportion|ranking FILE.json` (FILE may be '-' for stdin).

Exit codes: 0 result printed; 2 invalid input or usage (message on stderr, nothing on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any, NoReturn

from pmip_verify import __version__
from pmip_verify._numbers import VerifyError
from pmip_verify.apportion import apportion_doc
from pmip_verify.ranking import ranking
from pmip_verify.tally import tally

EXIT_OK = 0
EXIT_INVALID = 2


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj: dict[str, object] = {}
    for key, value in pairs:
        if key in obj:
            raise VerifyError("bad_json", f"JSON对象中字段“{key}”重复。")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise VerifyError("bad_json", f"JSON中不允许 {name}。")


def load_document(text: str) -> dict[str, Any]:
    """Parse JSON exactly: numbers with a fraction become Decimal (never float); duplicate keys are refused."""
    try:
        doc = json.loads(
            text,
            parse_float=Decimal,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise VerifyError(
            "bad_json", f"不是有效的JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}。"
        ) from exc
    if not isinstance(doc, dict):
        raise VerifyError("bad_json", "输入必须是一个JSON对象。")
    return doc


def _read(path: str) -> str:
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise VerifyError("cannot_read", f"无法读取文件“{path}”：{exc.strerror}。") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VerifyError("bad_json", "文件不是UTF-8编码。") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmip-verify",
        description="独立复核PMIP的表决结果（tally）、费用分摊（apportion）和评价排名（ranking）。Independent recount of PMIP results.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{tally,apportion,ranking}")
    for name, help_text in (
        ("tally", "recount an owners' co-decision from the roll and the valid ballots"),
        ("apportion", "apportion a bill in fen by weight, largest remainders"),
        ("ranking", "recompute an evaluation ranking (Bayesian shrunk score) from the open data"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", metavar="FILE.json", help="input file, or - for standard input")
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        doc = load_document(_read(args.file))
        commands = {"tally": tally, "apportion": apportion_doc, "ranking": ranking}
        result = commands[args.command](doc)
    except VerifyError as exc:
        print(f"pmip-verify: 错误 [{exc.code}] {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
