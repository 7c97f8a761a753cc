"""The `cs-archive` command: parse, call one library function, print. See README.md.

Exit codes: 0 done; 1 nothing could be done; 2 usage error or no archive at the given place.
Heavy libraries are imported inside the commands, so `--help` is instant.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .models import META_FIELDS  # (standard library only: --help stays instant)


def _archive_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="archive folder (default: $CS_ARCHIVE_INDEX or ./index)")
    p.add_argument("--store", metavar="URL", help="store URL, faiss:///PATH or postgresql://… (default: $CS_ARCHIVE_STORE)")


def _filter_args(p: argparse.ArgumentParser, topic_and_type: bool = True) -> None:
    p.add_argument("--since", metavar="DATE", help="meeting date on or after (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="meeting date on or before (YYYY-MM-DD)")
    p.add_argument("--committee", metavar="TEXT", help="committee name contains TEXT ('&' = 'and')")
    p.add_argument("--council", metavar="TEXT", help="council name contains TEXT")
    if topic_and_type:
        p.add_argument("--topic", metavar="TEXT", help="one of the documented topics")
        p.add_argument("--type", dest="doc_type", metavar="TEXT",
                       help="report, minutes, agenda, decision, strategy, appendix, other")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="cs-archive", description="Search council committee papers, cited to the paragraph.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", help="add or update papers (files or folders)", description=(
        "Add papers to the archive. Unchanged files are skipped; changed files replace their chunks. "
        "Each file that cannot be read is reported on one line; the rest go on."))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--rebuild", action="store_true", help="start the archive afresh (e.g. after changing the model)")

    p = sub.add_parser("search", help="search the archive", description="Search; prints cited passages (or JSON).")
    p.add_argument("query", nargs="?", help='the question; "quoted phrases" must match exactly')
    p.add_argument("-k", type=int, default=10, help="how many hits (default 10)")
    _filter_args(p)
    p.add_argument("--include-exempt", action="store_true", help="include papers marked exempt from publication")
    p.add_argument("--no-highlights", action="store_true", help="skip picking the best sentences")
    p.add_argument("--json", action="store_true", help="print a JSON list of hits")
    p.add_argument("--queries", metavar="FILE", help="batch: one JSON object per line; prints one JSON line each")

    p = sub.add_parser("show", help="print one passage with its neighbours")
    p.add_argument("chunk_id")
    p.add_argument("--context", type=int, default=0, metavar="N", help="neighbours each side")
    p.add_argument("--include-exempt", action="store_true", help="show it even if its paper is marked exempt")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("papers", help="list every paper with its metadata and where each value came from",
                       description="List every paper (a component of a pack is its own), by source and position "
                                   "in the file, with its council, committee, date, type and title and where each "
                                   "came from (printed in the paper, the file name, the folder, the meeting, "
                                   "manifest.csv / .meta.json, or a correction).")
    p.add_argument("--unknown", choices=META_FIELDS, metavar="FIELD",
                   help=f"only papers lacking this field: {', '.join(META_FIELDS)}")
    p.add_argument("--include-exempt", action="store_true", help="include papers marked exempt from publication")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")

    p = sub.add_parser("stats", help="counts of papers and chunks")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="drop papers by their source path")
    p.add_argument("paths", nargs="+", metavar="PATH")

    p = sub.add_parser("check", help="verify the archive (exit 0 healthy, 1 damaged)")

    p = sub.add_parser("commitments", help="the commitments register: actions, decisions, promises and their status",
                       description="List every commitment printed in the papers (ACTION lines, RESOLVED items, "
                                   "promises and recommendations), who owns it, when it is due, and whether a later "
                                   "paper of the same council followed it up.")
    p.add_argument("--kind", choices=("action", "decision", "promise"), help="only this kind")
    p.add_argument("--owner", metavar="TEXT", help="owner contains TEXT (case-insensitive)")
    p.add_argument("--status", choices=("followed_up", "open", "overdue", "undated"), help="only this status")
    _filter_args(p, topic_and_type=False)
    p.add_argument("--as-of", metavar="DATE", help="judge due dates and follow-ups as of this date (default: today)")
    p.add_argument("--procedural", action="store_true",
                   help="include procedural items (minutes approved, apologies, declarations, next meeting)")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")

    p = sub.add_parser("migrate", help="copy an embedded archive into PostgreSQL without re-embedding",
                       description="Copy papers, chunks and their stored vectors from a FAISS archive into an "
                                   "empty PostgreSQL one (ids kept, nothing re-embedded).")
    p.add_argument("--from", dest="source", required=True, metavar="URL", help="faiss:///PATH or a folder")
    p.add_argument("--to", dest="target", required=True, metavar="URL", help="postgresql://…")

    p = sub.add_parser("eval", help="measure retrieval quality on a question set", description=(
        "Run every question of QRELS (eval/README.md) through search and print Recall@1/5/10, MRR@10, "
        "nDCG@10, section accuracy, the off-topic error rate, answers that lose their confident mark, and the misses."))
    p.add_argument("qrels", metavar="QRELS", help="questions with their expected paragraphs (JSON lines)")
    p.add_argument("-k", type=int, default=10, help="hits per question (default 10)")
    p.add_argument("--json", action="store_true", help="print the metrics and misses as JSON")

    p = sub.add_parser("follow", help="saved searches that say when new papers mention a topic", description=(
        "Save a search; after every ingest it runs over the papers that ingest added or changed, and its "
        "confident new passages are recorded (`follow news`), put in its Atom feed and e-mailed (`follow send`)."),
        epilog="Each action takes --index DIR or --store URL, as `search` does.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="save a search under a name")
    a.add_argument("name", metavar="NAME")
    a.add_argument("query", metavar="QUERY", help='the words, as for `search`; "quoted phrases" must match exactly')
    _filter_args(a)
    a.add_argument("--email", metavar="ADDRESS", help="send its new passages to this address (`follow send`)")
    a.add_argument("--every", choices=("now", "daily", "weekly"), default="daily",
                   help="how often its digest may go (default daily)")
    a.add_argument("--include-exempt", action="store_true",
                   help="run it as a member: include papers marked exempt, each marked not for publication")
    a = actions.add_parser("list", help="the saved searches, with their feed addresses")
    a.add_argument("--json", action="store_true", help="print a JSON list of records")
    a = actions.add_parser("remove", help="forget a saved search, its news and its feed")
    a.add_argument("name", metavar="NAME")
    a = actions.add_parser("news", help="new passages the saved searches found, newest first")
    a.add_argument("name", metavar="NAME", nargs="?", help="only this saved search's")
    a.add_argument("--since", metavar="DATE", help="first seen on or after this date (YYYY-MM-DD)")
    a.add_argument("--json", action="store_true", help="print a JSON list of records")
    a = actions.add_parser("send", help="e-mail the digests that are due (from cron or a systemd timer)",
                           description="E-mail each recipient one digest of the new passages of their saved searches "
                                       "that are due, through the SMTP server named by CS_ARCHIVE_SMTP_HOST (README, "
                                       "Following a topic). Exit 0 when all went (or none was due), 1 when a send "
                                       "failed: it is tried again next time.")
    # Every command but migrate (which names both its stores) reads one archive, named last.
    for name, p in [*sub.choices.items(), *actions.choices.items()]:
        if name not in ("migrate", "follow"):
            _archive_args(p)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .index.store import ArchiveBusy, ArchiveError

    try:
        return COMMANDS[args.command](args)
    except ArchiveBusy as e:
        print(f"cs-archive: {e}", file=sys.stderr)
        return 1
    except (ArchiveError, ValueError, RuntimeError) as e:  # ArchiveMissing too: exit 2
        print(f"cs-archive: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cs-archive: interrupted; the archive is unchanged", file=sys.stderr)
        return 1


def _folder(args) -> Path:
    from .config import store_location

    return store_location(args.store, args.index)


def _open(args, exempt: bool = False):
    """The archive the options name, opened for papers marked exempt only when ``exempt``."""
    from .config import model_name
    from .index import open_archive

    archive = open_archive(_folder(args), exempt=exempt)
    archive.check_model(model_name())
    return archive


def cmd_ingest(args) -> int:
    from .embed import get_embedder
    from .ingest import ingest

    folder = _folder(args)
    embedder = get_embedder()
    report = ingest(args.paths, folder, embedder, rebuild=args.rebuild,
                    progress=lambda s: print(s, file=sys.stderr, flush=True))
    for _, line in report.failed + report.notes:
        print(line, file=sys.stderr)
    print(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
          f"{len(report.failed)} failed; {report.chunks} chunks ({report.embedded} embedded) -> {folder}",
          file=sys.stderr)
    return 1 if report.all_failed else 0


def _iso_date(value, name: str) -> str | None:
    """A --since/--until value as an ISO date, or a ValueError that says what is wanted."""
    import datetime as dt

    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2024-01-31") from None


_YES, _NO = ("true", "yes"), ("false", "no")


def _flag(value, name: str, default: bool = False) -> bool:
    """A batch line's true/false field: JSON true or false, or the words true/yes/false/no;
    anything else is a ValueError, never read as true (``bool("false")`` is)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES + _NO:
        return value.strip().lower() in _YES
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _filters(d: dict):
    from .search import Filters

    return Filters(since=_iso_date(d.get("since"), "since"), until=_iso_date(d.get("until"), "until"),
                   committee=d.get("committee"),
                   council=d.get("council"), topic=d.get("topic"), doc_type=d.get("type") or d.get("doc_type"),
                   include_exempt=_flag(d.get("include_exempt"), "include_exempt"))


def cmd_search(args) -> int:
    if not args.query and not args.queries:
        print("cs-archive search: give a QUERY or --queries FILE", file=sys.stderr)
        return 2
    from .embed import get_embedder
    from .search import search

    # A batch line asks for exempt papers itself (its filters narrow what the reader may show).
    archive = _open(args, exempt=bool(args.include_exempt or args.queries))
    embedder = get_embedder()
    if args.queries:
        return _batch(args, archive, embedder)
    hits = search(archive, embedder, args.query, k=args.k, filters=_filters(vars(args)),
                  highlights=not args.no_highlights)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("No passages match (check the filters).")
        return 0
    if not any(h.confident for h in hits):
        print("No confident match. The nearest passages, which may not answer the question:\n")
    for h in hits:
        mark = "" if h.confident else "  [weak match]"
        _print_hit(f"{h.rank}. {h.citation()}{mark}", h)
    return 0


def _print_hit(title: str, hit) -> None:
    """A hit as the CLI prints it: a title line, where it is, its text (indented), a blank line."""
    print(title)
    print(f"   {hit.source}  ({hit.chunk_id})")
    print("   " + hit.text.replace("\n", "\n   ")[:1200])
    print()


def _batch(args, archive, embedder) -> int:
    from .search import search

    try:
        lines = Path(args.queries).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        print(f"cs-archive: cannot read {args.queries}: {e.strerror}", file=sys.stderr)
        return 1
    for line in lines:
        if not line.strip():
            continue
        q = None
        try:
            q = json.loads(line)
            if not isinstance(q, dict) or not isinstance(q.get("query"), str):
                raise ValueError('each line needs a "query" string')
            _no_lone_surrogates(q)
            hits = search(archive, embedder, q["query"], k=int(q.get("k", args.k)), filters=_filters(q),
                          highlights=_flag(q.get("highlights"), "highlights", not args.no_highlights))
            out = {"query": q["query"], "hits": [h.to_json() for h in hits]}
        except (ValueError, TypeError) as e:
            query = q.get("query") if isinstance(q, dict) else None
            out = {"query": _SURROGATE.sub("\ufffd", query) if isinstance(query, str) else query, "error": str(e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogates(q: dict) -> None:
    """JSON lets a line escape half a UTF-16 pair ("\\ud800"), which is no character: nothing
    downstream (SQLite, the model, the output) can encode it."""
    try:
        json.dumps(q, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        half = e.object[e.start]
        raise ValueError(f"the line holds a lone surrogate (\\u{ord(half):04x}), which is not text: write the "
                         "characters themselves or their \\u escapes in pairs") from None


def cmd_show(args) -> int:
    from .models import long_date

    archive = _open(args, exempt=args.include_exempt)
    row = archive.chunk_by_id(args.chunk_id)
    if row is None:
        if not args.include_exempt and _open(args, exempt=True).chunk_by_id(args.chunk_id) is not None:
            print(f"cs-archive: {args.chunk_id} is in a paper marked exempt from publication; "
                  "add --include-exempt to show it", file=sys.stderr)
        else:
            print(f"cs-archive: no passage {args.chunk_id!r} in {archive.folder}; search to find chunk ids",
                  file=sys.stderr)
        return 1
    rows = archive.neighbours(row, max(0, args.context))
    if args.json:
        print(json.dumps([{k: (bool(r[k]) if k in ("ocr", "exempt") else r[k])
                           for k in r.keys() if k not in ("vector", "norm")} for r in rows], indent=1))
        return 0
    print(f"{row['committee'] or 'Unknown committee'} · {long_date(row['date'])} · {row['title'] or 'Untitled'}"
          f" · {row['source']}")
    for r in rows:
        label = f"para {r['section']}" if r["section"] else (r["heading"] or "")
        here = ">>" if r["chunk_id"] == row["chunk_id"] else "  "
        print(f"\n{here} [{label}{', p. ' + str(r['page']) if r['page'] else ''}] ({r['chunk_id']})")
        print(r["text"])
    return 0


def cmd_stats(args) -> int:
    archive = _open(args, exempt=True)  # counts everything, and lists what is withheld
    s = archive.stats()
    if args.json:
        print(json.dumps(s, indent=1))
        return 0
    print(f"{s['files']} files, {s['papers']} papers, {s['chunks']} chunks in {archive.folder}")
    for key in ("by_type", "by_committee", "by_year"):
        print(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in s[key].items()))
    print("papers lacking a field: " + ", ".join(f"{k} {v}" for k, v in s["unknown"].items())
          + " (`cs-archive papers --unknown FIELD` lists them)")
    print(f"read by OCR: {len(s['ocr_done'])}")
    for r in s["ocr_done"]:
        print(f"  {r['source']} ({r['pages']} pages)")
    print(f"needing OCR: {len(s['needs_ocr'])}")
    for r in s["needs_ocr"]:
        print(f"  {r['source']} ({r['pages']} pages): {r['reason']}")
    print(f"exempt from publication (withheld from search unless --include-exempt): {len(s['exempt_withheld'])}")
    for r in s["exempt_withheld"]:
        print(f"  {r['source']} · {r['title'] or 'Untitled'} · {r['reason']}")
    return 0


_FIELD_WORDS = {"council": "a council", "committee": "a committee", "date": "a date", "doc_type": "a type",
                "title": "a title"}


def cmd_papers(args) -> int:
    from .explore import catalogue

    found = catalogue(_open(args, exempt=args.include_exempt), unknown=args.unknown)
    if args.json:
        print(json.dumps([p.to_json() for p in found], ensure_ascii=False, indent=1))
        return 0
    for p in found:
        where = f" (paper {p.idx + 1} of the pack)" if p.part_of_pack else ""
        print(p.source + where + ("  [exempt]" if p.exempt else ""))
        bits = []
        for name in META_FIELDS:
            label = "type" if name == "doc_type" else name
            if not getattr(p, name):
                bits.append(f"{label} unknown")
                continue
            origin = p.provenance.get(name)
            bits.append(f"{label} {getattr(p, name)}" + (f" ({origin})" if origin and origin != "paper" else ""))
        size = f"{p.page_count} pages, " if p.page_count else ""
        print("   " + " · ".join(bits) + f" · {size}{p.passages} passages")
    lacking = [(name, sum(p.lacks(name) for p in found)) for name in META_FIELDS]
    print(f"{len(found)} papers; " + ", ".join(f"{n} {'lacks' if n == 1 else 'lack'} {_FIELD_WORDS[name]}"
                                             for name, n in lacking))
    return 0


def cmd_remove(args) -> int:
    from .ingest import remove

    archive = _open(args)
    model, dim = archive.manifest.model, archive.manifest.dim
    archive.close()
    gone = remove(args.paths, _folder(args), model, dim)
    for p in args.paths:
        print(f"{'removed' if p in gone or str(Path(p)) in gone else 'not in the archive'}: {p}", file=sys.stderr)
    return 0 if gone else 1


def cmd_check(args) -> int:
    from .config import shown
    from .index import check, open_archive
    from .index.store import ArchiveMissing

    try:
        open_archive(_folder(args)).close()
    except ArchiveMissing:
        raise  # no archive here at all: a usage error (exit 2), not damage
    except Exception:  # noqa: BLE001 — damage; check() below says what is wrong
        pass
    problems = check(_folder(args))
    for p in problems:
        print(f"damaged: {p}")
    if not problems:
        print(f"ok: {shown(_folder(args))}")
    return 1 if problems else 0


def cmd_migrate(args) -> int:
    from .config import resolve, shown
    from .index.pg import migrate

    src, dst = resolve(args.source), resolve(args.target)
    if isinstance(src, str):
        raise ValueError(f"--from must be a folder or faiss:///PATH, not {shown(src)}")
    if not isinstance(dst, str):
        raise ValueError(f"--to must be a postgresql://… URL, not {dst}")
    counts = migrate(src, dst, progress=lambda s: print(s, file=sys.stderr, flush=True))
    print(f"copied {counts.get('papers', 0)} papers and {counts.get('chunks', 0)} chunks from {src} to {shown(dst)}")
    return 0


def cmd_commitments(args) -> int:
    from .commitments.register import Selection, register
    from .embed import get_embedder
    from .models import long_date
    from .search import Filters

    selection = Selection(kind=args.kind, owner=args.owner, status=args.status, as_of=args.as_of,
                          procedural=args.procedural,
                          filters=Filters(since=args.since, until=args.until, committee=args.committee,
                                          council=args.council))
    selection.check()  # a bad date is a usage error before the model loads
    records = register(_open(args), get_embedder, selection)  # the model loads only if the store is stale
    if args.json:
        print(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=1))
        return 0
    if not records:
        print("No commitments match (check the filters).")
        return 0
    for r in records:
        due = f"due {long_date(r.due)} ({r.due_text})" if r.due else "no due date"
        where = " · ".join(x for x in (r.committee or "Unknown committee", long_date(r.date),
                                       f"para {r.section}" if r.section else "", f"p. {r.page}" if r.page else "") if x)
        print(f"[{r.status}] {r.kind} · {due} · owner: {r.owner or 'not stated'}"
              + (" · procedural" if r.procedural else ""))
        print(f"   {r.text[:600]}")
        decided = " · ".join(x for x in (f"decision {r.decision_number}" if r.decision_number else "",
                                         f"by {r.decision_maker}" if r.decision_maker else "",
                                         f"on report {r.report}" if r.report else "") if x)
        if decided:
            print(f"   {decided}")
        print(f"   {where} · {r.source} ({r.chunk_id})")
        for f in r.follow_ups:
            print(f"   followed up: {long_date(f['date'])} · {f['source']} ({f['chunk_id']}) · score {f['score']}")
        print()
    counts = {s: sum(r.status == s for r in records) for s in ("followed_up", "open", "overdue", "undated")}
    print(f"{len(records)} commitments: " + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items()))
    return 0


def cmd_eval(args) -> int:
    from .embed import get_embedder
    from .evaluate import QrelsError, evaluate, load_qrels, search_runner

    try:
        questions = load_qrels(args.qrels)
    except QrelsError as e:
        print(f"cs-archive: {e}", file=sys.stderr)
        return 1
    report = evaluate(questions, search_runner(_open(args), get_embedder()), k=args.k)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print("\n".join(report.lines()))
    return 0


def cmd_follow(args) -> int:
    from . import follow
    from .follow.settings import base_url

    where = _folder(args)
    try:
        if args.action == "add":
            return _follow_add(args, where)
        if args.action == "list":
            found = follow.follows(where)
            if args.json:
                print(json.dumps([f.to_json(base_url()) for f in found], ensure_ascii=False, indent=1))
                return 0
            if not found:
                print("No saved searches: `cs-archive follow add NAME \"QUERY\"` saves one.")
            for f in found:
                _print_follow(f, base_url())
            return 0
        if args.action == "remove":
            follow.remove(where, args.name)
            print(f"removed: {args.name}", file=sys.stderr)
            return 0
        if args.action == "news":
            return _follow_news(args, where)
        return _follow_send(where)
    except follow.FollowError as e:
        print(f"cs-archive: {e}", file=sys.stderr)
        return 1


def _follow_add(args, where) -> int:
    from . import follow
    from .access import Role
    from .follow.settings import base_url

    filters = {"since": _iso_date(args.since, "--since"), "until": _iso_date(args.until, "--until"),
               "committee": args.committee, "council": args.council, "topic": args.topic, "type": args.doc_type}
    role = Role.MEMBER if args.include_exempt else Role.PUBLIC
    try:
        f = follow.add(where, args.name, args.query, filters, role, email=args.email, every=args.every)
    except follow.FollowError as e:  # a usage error: nothing was saved
        print(f"cs-archive: {e}", file=sys.stderr)
        return 2
    _print_follow(f, base_url())
    return 0


def _print_follow(f, base: str) -> None:
    from .follow.store import FILTER_KEYS, feed_url

    bits = ", ".join(f"{k} {f.filters[k]}" for k in FILTER_KEYS if f.filters.get(k))
    print(f"{f.name}: {f.query}" + (f" ({bits})" if bits else "") + (" [includes exempt papers]" if f.role.sees_exempt else ""))
    print(f"   feed: {feed_url(base, f)}")
    if f.email:
        print(f"   e-mail: {f.email}, {f.every}" + (f"; last sent {f.sent}" if f.sent else "")
              + (f"; last send failed: {f.send_error}" if f.send_error else ""))


def _follow_news(args, where) -> int:
    from . import follow

    found = follow.news(where, args.name, _iso_date(args.since, "--since"))
    if args.json:
        print(json.dumps([n.to_json() for n in found], ensure_ascii=False, indent=1))
        return 0
    if not found:
        print("Nothing new" + (f" for {args.name}" if args.name else "") + ".")
    for n in found:
        _print_hit(f"{n.first_seen} · {n.follow}: {n.citation()}", n.as_hit())
    return 0


def _follow_send(where) -> int:
    from .follow.mail import send

    report = send(where)
    for recipient, n in report.sent:
        print(f"sent {n} passage{'s' * (n != 1)} to {recipient}", file=sys.stderr)
    for recipient, why in report.failed:
        print(f"not sent to {recipient}: {why}. It will be tried again next time.", file=sys.stderr)
    if not report.sent and not report.failed:
        print("nothing due", file=sys.stderr)
    return 1 if report.failed else 0


COMMANDS = {"ingest": cmd_ingest, "search": cmd_search, "show": cmd_show, "stats": cmd_stats, "remove": cmd_remove,
            "check": cmd_check, "commitments": cmd_commitments, "papers": cmd_papers, "eval": cmd_eval,
            "migrate": cmd_migrate, "follow": cmd_follow}

if __name__ == "__main__":
    sys.exit(main())
