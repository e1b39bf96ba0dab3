"""The `longread` command line's arguments: the argparse parser and its value checks."""

from __future__ import annotations

import argparse


def build_parser() -> argparse.ArgumentParser:
    from core import __version__

    parser = argparse.ArgumentParser(
        prog="longread",
        description="Ask questions about your own documents, offline. "
        "With no command, opens the Longread window.",
    )
    parser.add_argument("--version", action="version", version=f"longread {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def library_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--library",
            metavar="DIR",
            help="the library folder (default: the one chosen in Settings, else "
            "$LONGREAD_HOME/library or your user data folder)",
        )

    def lan_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--allow-lan-server",
            action="store_true",
            help="allow a model server on your local network (a private address such as "
            "192.168.1.20) for this command; the text of your documents is sent to it",
        )

    def answer_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--mode",
            choices=["auto", "direct", "rag", "recursive"],
            default="auto",
            help="how to answer (default: auto, which explains its choice)",
        )
        p.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
        p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
        p.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
        lan_option(p)
        p.add_argument(
            "--max-tokens", type=_positive, default=384, help="longest answer, in tokens"
        )

    add = commands.add_parser("add", help="add files or folders to the library")
    library_option(add)
    add.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)"
    )
    add.add_argument("--password", help="password for protected PDFs")

    lst = commands.add_parser("list", help="list the documents in the library")
    library_option(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")

    remove = commands.add_parser("remove", help="remove a document from the library")
    library_option(remove)
    remove.add_argument(
        "document", metavar="DOC_ID|PATH", help="a document's id (see `list`) or path"
    )

    search = commands.add_parser("search", help="find the passages that match a question")
    library_option(search)
    search.add_argument("query", nargs="+", metavar="QUERY", help="words or a question")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "-k", "--top", type=int, default=5, metavar="N", help="how many passages (default 5)"
    )
    search.add_argument(
        "--document",
        action="append",
        metavar="DOC_ID|PATH",
        help="search only this document (may be repeated)",
    )

    ask = commands.add_parser("ask", help="answer a question about documents")
    ask.add_argument(
        "--library",
        metavar="DIR",
        help="use this library (paths given are added to it); without it, the files are read "
        "and embedded once and kept by their content in the cache folder (capped; the files "
        "asked about longest ago go first), so asking the same file again starts answering in "
        "seconds; with no paths the default library is used",
    )
    ask.add_argument(
        "--no-cache",
        action="store_true",
        help="read the files just for this question and keep nothing",
    )
    ask.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ask about")
    ask.add_argument("-q", "--question", required=True, help="the question")
    answer_options(ask)
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--history",
        metavar="FILE.json",
        help="earlier turns of the conversation, so a follow-up question is understood: a JSON "
        'list of {"question": ..., "answer": ...}, oldest first',
    )

    chat = commands.add_parser(
        "chat",
        help="a conversation about documents: one question per line, until /quit or end of input",
    )
    chat.add_argument(
        "--library",
        metavar="DIR",
        help="use this library (paths given are added to it); without it, the files are read "
        "once and kept by their content in the cache folder, as for ask; with no paths the "
        "default library is used",
    )
    chat.add_argument(
        "--no-cache",
        action="store_true",
        help="read the files just for this conversation and keep nothing",
    )
    chat.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to talk about")
    answer_options(chat)

    evaluate = commands.add_parser("eval", help="check how well a model answers, on this machine")
    evaluations = evaluate.add_subparsers(dest="evaluation", metavar="EVALUATION", required=True)
    niah = evaluations.add_parser(
        "niah",
        help="needle in a haystack: find a planted fact at chosen depths in texts of chosen "
        "lengths",
        description="Plants a sentence (the needle) at each depth of a haystack of each length, "
        "asks for it in each mode, and prints which cells found it. Lengths are in the model's "
        "tokens; lengths beyond the model's window cannot run in direct mode.",
    )
    niah.add_argument(
        "--mode",
        choices=["all", "auto", "direct", "rag", "recursive"],
        default="all",
        help="the mode to test (default: all, which is direct, rag and recursive)",
    )
    niah.add_argument(
        "--lengths",
        type=_counts,
        default=None,
        metavar="N,N,...",
        help="haystack lengths in tokens, e.g. 1k,4k,16k (default: 1k,2k,4k,8k)",
    )
    niah.add_argument(
        "--depths",
        type=_percents,
        default=None,
        metavar="P,P,...",
        help="needle depths in percent of the haystack, e.g. 0,50,100 (default: 0,25,50,75,100)",
    )
    niah.add_argument(
        "--haystack",
        nargs="+",
        metavar="PATH",
        help="your own documents (files or folders) as the haystack (default: a generated "
        "town chronicle)",
    )
    niah.add_argument("--needle", help="the sentence to plant (with --question and --answer)")
    niah.add_argument("--question", help="the question that asks for the needle")
    niah.add_argument(
        "--answer", help="the words a correct answer contains (they must be in the needle)"
    )
    niah.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
    lan_option(niah)
    niah.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    niah.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
    niah.add_argument(
        "--max-tokens", type=_positive, default=64, help="longest answer, in tokens (default 64)"
    )
    niah.add_argument("--plot", type=_png, metavar="FILE.png", help="also write a heat map")
    niah.add_argument("--json", action="store_true", help="print the results as JSON")
    qa = evaluations.add_parser(
        "qa",
        help="answer quality: ask a set of questions with known answers and score the answers",
        description="Asks each question of FILE.jsonl in each mode and scores the answers. Each "
        'line is a JSON object: {"id": "q1", "documents": ["report.pdf"], "question": "…", '
        '"answer": "…" (or a number, or a list of accepted answers), "choices": ["…", "…"] '
        '(multiple choice; the answer is a letter), "evidence_pages": [4], "type": "fact"}. '
        "Document paths are relative to the file's folder. Numbers are right within 1 % "
        "(whole numbers below 10,000 exactly); texts when the gold answer's words are in the "
        "answer or their word overlap (F1) is at least 0.8.",
    )
    qa.add_argument("file", metavar="FILE.jsonl", help="the questions, one JSON object a line")
    qa.add_argument(
        "--mode",
        choices=["all", "auto", "direct", "rag", "recursive"],
        default="all",
        help="the mode to test (default: all, which is direct, rag, recursive and auto)",
    )
    qa.add_argument("--type", metavar="TYPE", help="only the questions of this type")
    qa.add_argument("--limit", type=_positive, metavar="N", help="only the first N questions")
    qa.add_argument(
        "--library",
        metavar="DIR",
        help="keep the documents in this library folder, so a later run reads nothing again "
        "(default: a throw-away library)",
    )
    qa.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
    qa.add_argument(
        "--retrieval-only",
        action="store_true",
        help="no model: measure only whether search finds the evidence pages (recall@5, @10)",
    )
    lan_option(qa)
    qa.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    qa.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
    qa.add_argument(
        "--max-tokens", type=_positive, default=128, help="longest answer, in tokens (default 128)"
    )
    qa.add_argument(
        "--plot", type=_chart_png, metavar="FILE.png", help="also write a bar chart of accuracy"
    )
    qa.add_argument("--json", action="store_true", help="print every answer and the summaries")

    models = commands.add_parser("models", help="list the language models Longread can use")
    models.add_argument("--json", action="store_true", help="print JSON")
    models.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="SPEC",
        help="also describe this model (default, hf:DIR, gguf:FILE, openai:URL#NAME)",
    )
    models.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    lan_option(models)
    actions = models.add_subparsers(dest="action", metavar="ACTION")
    catalog = actions.add_parser(
        "catalog", help="the models Longread offers to download, and whether each fits here"
    )
    catalog.add_argument("--json", action="store_true", help="print JSON")
    pull = actions.add_parser(
        "pull",
        help="download a model (the only time Longread connects to the internet)",
        description="Download a model from the catalog (its name, e.g. qwen3-1.7b) or any GGUF "
        "file on the hub (REPO/FILE, e.g. Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf). The "
        "hub's address comes from HF_ENDPOINT (a mirror may stand in); proxies from "
        "HTTPS_PROXY. An interrupted download resumes where it stopped. Nothing but the "
        "file's name is sent.",
    )
    pull.add_argument("name", metavar="NAME|REPO/FILE")
    pull.add_argument("--no-probe", action="store_true", help="skip the 15-second speed probe")
    pull.add_argument("--use", action="store_true", help="answer with this model from now on")
    actions.add_parser("list", help="the models downloaded so far")
    remove = actions.add_parser("remove", help="delete a downloaded model")
    remove.add_argument("name", metavar="NAME|FILE")
    probe = actions.add_parser(
        "probe", help="measure a model's speed on this computer (about 15 s)"
    )
    probe.add_argument("spec", nargs="?", metavar="SPEC", help="a model (default: the chosen one)")
    probe.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")

    extract = commands.add_parser("extract", help="print the pages Longread reads from a file")
    extract.add_argument("path", metavar="PATH")
    extract.add_argument("--json", action="store_true", help="print JSON")
    extract.add_argument("--password", help="password for a protected PDF")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number above 0")
    return value


def _counts(text: str) -> list[int]:
    """ "1k,2k,4000" -> [1000, 2000, 4000]: token counts, each at least 100."""
    values = []
    for item in text.replace(" ", "").split(","):
        number = item.lower().removesuffix("k")
        try:
            value = int(float(number) * (1000 if number != item.lower() else 1))
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f"“{item}” is not a length in tokens; give numbers like 1000 or 4k, "
                "separated by commas"
            ) from None
        if not 100 <= value <= 10_000_000:
            raise argparse.ArgumentTypeError(
                f"{item} tokens is not a usable length: give lengths from 100 tokens up"
            )
        values.append(value)
    return sorted(set(values))


def _percents(text: str) -> list[int]:
    """ "0,50,100" -> [0, 50, 100]: depths in percent."""
    values = []
    for item in text.replace(" ", "").replace("%", "").split(","):
        try:
            value = int(item)
        except ValueError:
            value = -1
        if not 0 <= value <= 100:
            raise argparse.ArgumentTypeError(
                f"“{item}” is not a depth: give whole percents from 0 (the start of the "
                "haystack) to 100 (its end), separated by commas"
            )
        values.append(value)
    return sorted(set(values))


def _png(text: str) -> str:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"“{text}”: the heat map is a PNG; name it FILE.png")
    return text


def _chart_png(text: str) -> str:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"“{text}”: the bar chart is a PNG; name it FILE.png")
    return text
