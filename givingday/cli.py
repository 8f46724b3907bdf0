"""`python -m givingday …`: parses arguments and calls the library; no SQL and no rule lives here."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import threading
from pathlib import Path

from givingday import board_link, clock, config, labels
from givingday.ingest.profiles import ProfileError, find_profile
from givingday.ingest.roster import RosterError, load_roster, read_roster
from givingday.money import format_yuan
from givingday.report.fonts import FontMissing
from givingday.report.scope import ReportError
from givingday.store.database import Store, StoreDamaged, StoreLocked, StoreUnreachable
from givingday.store.move import MoveRefused, move_store, shown_url

BY_QUERIES = {
    "project": "totals_by_project",
    "team": "totals_by_team",
    "site": "totals_by_site",
    "channel": "totals_by_channel",
}
SHOWN_REJECTIONS = 20


def _open(args: argparse.Namespace) -> Store:
    if getattr(args, "store", None) is not None:  # asked by the command line, inside the board that holds it
        return args.store
    store = Store(args.db)
    store.migrate()
    return store


def cmd_init(args: argparse.Namespace) -> int:
    store = _open(args)
    print(f"store ready: {store.shown}")
    if args.demo or args.roster:
        folder = Path(args.roster) if args.roster else config.ROSTER_DIR
        roster = load_roster(store, folder)
        print(
            f"roster loaded from {folder}: {len(roster.projects)} projects, {len(roster.teams)} teams, "
            f"{len(roster.sites)} sites"
        )
    return 0


def _hand_to_inbox(args: argparse.Namespace, files: list[Path]) -> int:
    from givingday.ingest.inbox import hand_to_inbox

    inbox = config.inbox_dir(config.db_location(args.db))
    for f in files:
        dest = hand_to_inbox(f, inbox, args.profile)
        print(f"{f}: the store is held by the running board; handed to its inbox as {dest.name}")
    print(f"reports will appear in {inbox.parent / 'processed'} (or {inbox.parent / 'failed'})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from givingday.ingest.batch import import_file
    from givingday.ingest.progress import terminal_line

    files = [Path(f) for f in args.files]
    missing = [f for f in files if not f.is_file()]
    for f in missing:
        print(f"{f}: not imported: no such file", file=sys.stderr)
    if missing:
        return 2
    try:
        profile = find_profile(args.profile) if args.profile else None
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store = _open(args)
    except StoreLocked:
        return _hand_to_inbox(args, files)
    status = 0
    for f in files:
        progress = terminal_line(sys.stderr, f.name) if sys.stderr.isatty() else None
        report = import_file(store, f, profile, source=f.name, progress=progress)
        if progress and report.outcome != "committed":
            progress("done", report.rows_total, report.rows_total)  # the line cleared before the failure is said
        stream = sys.stdout if report.outcome == "committed" else sys.stderr
        print(report.summary(), file=stream)
        for r in report.rejections[:SHOWN_REJECTIONS]:
            print(f"  {f.name}:{r.line}: {r.reason}", file=sys.stderr)
        if report.rows_rejected > SHOWN_REJECTIONS:
            print(f"  … and {report.rows_rejected - SHOWN_REJECTIONS} more (see `status`)", file=sys.stderr)
        status = max(status, report.exit_status)
    return status


def cmd_totals(args: argparse.Namespace) -> int:
    from givingday.report.scope import parse_as_of

    store = _open(args)
    until = None
    if args.as_of:
        until = parse_as_of(args.as_of, clock.board_time(store.location, store.event).event)
    if args.by:
        rows = store.query(BY_QUERIES[args.by], since=None, until=until)  # until None: everything
        out = [
            {
                "key": r["key"],
                "name": r["name"],
                "amount_fen": r["amount_fen"],
                "matched_fen": r["matched_fen"],
                "total_fen": r["amount_fen"] + r["matched_fen"],
                "donations": r["donations"],
            }
            for r in rows
        ]
        if args.json:
            print(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            for r in out:
                print(
                    f"{r['key'] or '-':<8} {r['name'][:24]:<24} {format_yuan(r['total_fen']):>18}"
                    f" (matched {format_yuan(r['matched_fen'])}) {r['donations']:>9} 人次"
                )
        return 0
    t = store.query("report_totals", since=None, until=until)[0] if until else store.query("totals_overall")[0]
    out = {k: t[k] for k in ("amount_fen", "matched_fen", "total_fen", "donations", "donors")}
    out["last_gift_at"] = t["last_gift_at"].isoformat() if t["last_gift_at"] else None
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"total    {format_yuan(out['total_fen'])}")
        print(f"public   {format_yuan(out['amount_fen'])}")
        print(f"matched  {format_yuan(out['matched_fen'])}")
        print(f"人次     {out['donations']:,}")
        print(f"人数     {out['donors']:,}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from givingday.report.figures import report_for
    from givingday.report.files import FORMATS, write_report
    from givingday.report.scope import parse_as_of, parse_day

    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        print(f"error: {out}: the report is written as .pdf or .xlsx", file=sys.stderr)
        return 2
    store = _open(args)
    board = clock.board_time(store.location, store.event)
    day = None if args.event else parse_day(args.day, board.event, board.now)
    until = parse_as_of(args.as_of, board.event, day) if args.as_of else None
    r = report_for(store, day, until)
    write_report(r, out)
    f = r.figures
    print(
        f"{out}: {r.scope.title}, as of {r.scope.as_of_text}: {format_yuan(f.total_fen)} (matched {format_yuan(f.matched_fen)}), {f.donations:,} 人次"
    )
    for problem in r.problems:
        print(f"warning: does not add up: {problem}", file=sys.stderr)
    return 1 if r.problems else 0


def cmd_drift(args: argparse.Namespace) -> int:
    from givingday.drift import kept, official
    from givingday.report.scope import moment_text, parse_as_of

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: not compared: no such file", file=sys.stderr)
        return 2
    store = _open(args)
    event = clock.board_time(store.location, store.event).event
    until = parse_as_of(args.as_of, event) if args.as_of else None
    try:
        profile = official.find_totals_profile(args.profile) if args.profile else None
        check_id, drifts = kept.check_and_keep(
            store, event, path.read_bytes(), path.name, "command line", until, profile
        )
    except official.TotalsFileError as exc:
        print(f"{path.name}: not compared (nothing kept):\n{exc}", file=sys.stderr)
        return 2
    flagged = sum(1 for d in drifts if d.flagged)
    if args.json:
        print(json.dumps([d.as_dict() for d in drifts], ensure_ascii=False, indent=1))
    else:
        times = sorted({moment_text(event, d.until) for d in drifts})
        print(f"{path.name} as of {', '.join(times)}: {len(drifts)} projects, {flagged} flagged (check #{check_id})")
        for d in drifts:
            print(
                f"{'!' if d.flagged else ' '} {d.project_id:<8} {d.project_name[:16]:<16}"
                f" ours {format_yuan(d.ours_fen):>16} theirs {format_yuan(d.theirs_fen):>16}"
                f" diff {format_yuan(d.diff_fen):>14}"
                f"  人次 {d.ours_donations:,}/{d.theirs_donations:,} ({d.diff_donations:+,})"
                + (f"  {d.cause_text}" if d.flagged else "")
            )
    return 1 if flagged else 0


def cmd_status(args: argparse.Namespace) -> int:
    store = _open(args)
    c = store.query("store_counts")[0]
    from givingday.demo.simulate import store_origin

    origin = {
        "empty": "no gifts yet",
        "demo": "demo data only (the demo giving day)",
        "real": "real gifts",
        "mixed": "real gifts MIXED WITH DEMO GIFTS: start the real day on a new store",
    }
    print(f"store     {store.shown}: {origin[store_origin(store)]}")
    print(f"roster    {c['projects']} projects, {c['teams']} teams, {c['sites']} sites")
    print(f"gifts     {c['donations']:,} donations, {c['adjustments']:,} refunds/corrections")
    print(f"last gift {c['last_gift_at'].isoformat() if c['last_gift_at'] else '-'}")
    print(f"imports   {c['imports']:,} files, {c['imports_failed']:,} not imported")
    for r in store.query("imports_recent", limit_n=5):
        print(
            f"  #{r['import_id']} {clock.on_board_clock(store.location, r['started_at']):%Y-%m-%d %H:%M:%S}"
            f" {r['file_name']}: {r['outcome']},"
            f" {r['rows_new']} new, {r['rows_duplicate']} duplicate, {r['rows_rejected']} rejected"
            + (f", {r['rows_skipped']} skipped" if r["rows_skipped"] else "")
            + (f" — {r['message']}" if r["message"] else "")
        )
    from givingday.ingest.reconcile import missing_imports

    missing = missing_imports(store, store.inbox.parent / "processed")
    if missing:
        print(
            f"WARNING   {len(missing)} committed file(s) in processed/ ({sum(m.rows_new for m in missing):,} gifts)"
            " are not in the store: the board imports them again when it starts"
        )
    print(f"rejected  {c['rejected_rows']:,} rows")
    for r in store.query("rejected_rows_recent", limit_n=10):
        print(f"  {r['file_name']}:{r['line']}: {r['reason']}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import datetime as dt
    import time

    from givingday.demo import simulate

    location = config.db_location(args.db)
    event = config.load_event()
    start = dt.date.fromisoformat(args.start) if args.start else None
    try:
        store = _open(args)
    except StoreLocked:
        store = None
    if store is not None:
        if clock.read_clock(location) is None and store.query("totals_overall")[0]["donations"]:
            print("error: the store holds real gifts; the demo plays only into an empty store", file=sys.stderr)
            return 2
        if not store.query("store_counts")[0]["projects"]:
            load_roster(store, config.ROSTER_DIR)
        simulate.start_demo(store, start, args.backfill_until, args.seed, args.scale, args.speed, live=False)
        t = store.query("totals_overall")[0]
        print(
            f"demo backfilled: {t['donations']:,} gifts, {format_yuan(t['total_fen'])} (matched {format_yuan(t['matched_fen'])})"
        )
        store.dispose()
    demo_clock = clock.read_clock(location)
    if not args.live:
        return 0
    if demo_clock is None:
        print(
            "error: no demo clock: run `simulate` once while the board is stopped, or start the board", file=sys.stderr
        )
        return 2
    gifts = simulate.draw_event(
        event,
        read_roster(config.ROSTER_DIR),
        dt.date.fromisoformat(demo_clock.first_day),
        demo_clock.seed,
        demo_clock.scale,
    )
    feed = simulate.LiveFeed(config.inbox_dir(location), event, gifts, demo_clock, demo_clock.now_epoch())
    print(f"live demo: dropping exports into {feed.inbox} every second (Ctrl-C stops)")
    feed.start()
    try:
        while feed.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        feed.stop()
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from givingday.forecast import backtest, words
    from givingday.forecast.curve import Curve

    if args.backtest:
        event = config.load_event()
        scores = backtest.backtest(event, Curve.for_event(event), range(1, args.seeds + 1))
        for line in backtest.score_lines(scores, args.seeds):
            print(line)
        return 0
    from givingday.forecast.model import store_forecast

    store = _open(args)
    board = clock.board_time(store.location, store.event)
    f = store_forecast(store, board.event, board.now)
    print(f"as of    {f.as_of.astimezone(board.event.tz):%Y-%m-%d %H:%M}")
    print(f"so far   today {format_yuan(f.today_so_far_fen)}, event {format_yuan(f.event_so_far_fen)}")
    for line in words.lines(f):
        print(line)
    return 0


def _new_password(name: str) -> str:
    """Asked twice: at a terminal without echo, else as two lines of standard input. Never printed."""
    import getpass

    from givingday.accounts import AccountError

    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        second = getpass.getpass("again: ")
    else:
        first, second = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise AccountError("the two passwords differ")
    return first


def _named_acts(args: argparse.Namespace, noun: str, error: type[Exception], listing, acts: dict) -> int:
    """`NOUN list`, or `NOUN ACTION NAME` run as `acts[ACTION](NAME)`; an `error` is said on stderr, exit 2."""
    try:
        if args.action == "list":
            listing()
            return 0
        if not args.name:
            raise error(f"`{noun} {args.action}` needs a NAME")
        acts[args.action](args.name)
    except error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from givingday import accounts

    def listing() -> None:
        for u in accounts.list_users(args.db):
            print(f"{u.name:<24} {u.role:<10} {'OIDC' if u.external else 'local'}")

    def add(name: str) -> None:
        if not args.role:
            raise accounts.AccountError("`user add` needs --role " + "|".join(labels.ROLES))
        if args.oidc:
            accounts.add_user(name, args.role, None, args.db)
        else:
            accounts.check_name(name)  # fail on a bad name before asking for a password
            accounts.add_user(name, args.role, _new_password(name), args.db)
        print(f"user {name} added as {args.role} ({accounts.users_path(args.db)})")

    def passwd(name: str) -> None:
        accounts.set_password(name, _new_password(name), args.db)
        print(f"password of {name} changed")

    def remove(name: str) -> None:
        accounts.remove_user(name, args.db)
        print(f"user {name} removed")

    return _named_acts(args, "user", accounts.AccountError, listing, {"add": add, "passwd": passwd, "remove": remove})


def cmd_token(args: argparse.Namespace) -> int:
    from givingday import tokens

    def listing() -> None:
        for t in tokens.list_tokens(args.db):
            print(f"{t.name:<24} made {t.created_at}")

    def add(name: str) -> None:
        print(tokens.add_token(name, args.db))
        print(
            f"token for {name} made ({tokens.tokens_path(args.db)}): it is shown only now; its posts are"
            f" imported as api:{name}",
            file=sys.stderr,
        )

    def revoke(name: str) -> None:
        tokens.revoke_token(name, args.db)
        print(f"token {name} revoked: the board refuses it from its next post")

    return _named_acts(args, "token", tokens.TokenError, listing, {"add": add, "revoke": revoke})


def cmd_migrate_store(args: argparse.Namespace) -> int:
    source = config.db_location(args.db)
    checked = move_store(source, args.to)
    print(f"moved {source} into {shown_url(args.to)}; read back from both, every table the same:")
    for c in checked:
        sums = ", ".join(f"{name} {fen}" for name, fen in c.sums.items())
        print(f"  {c.table:<16} {c.rows:>9} rows" + (f"   {sums}" if sums else ""))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from givingday.web.serve import serve

    return serve(args)


def cmd_load(args: argparse.Namespace) -> int:
    if args.latency:
        from givingday.ops import latency

        return latency.main(args)
    if args.push:
        from givingday.ops import push

        return push.main(args)
    from givingday.ops import load

    return load.main(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="givingday", description="A live board for a district's 99 Giving Day.")
    p.add_argument(
        "--db", help="store: a DuckDB path or SQLAlchemy URL (default $GIVINGDAY_DB or data/givingday.duckdb)"
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="create the store (and load a roster)")
    s.add_argument("--demo", action="store_true", help="load the demo roster of Erqi district from data/roster/")
    s.add_argument("--roster", help="load the roster from this folder (projects.csv, teams.csv, sites.csv)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("import", help="import donation files (hands them to the inbox when the board holds the store)")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--profile", help="import profile: a name in data/profiles/ or a .toml path")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("totals", help="print totals, overall or by a dimension")
    s.add_argument("--by", choices=sorted(BY_QUERIES))
    s.add_argument("--json", action="store_true")
    s.add_argument("--as-of", help="only events at or before this time (YYYY-MM-DD HH:MM, or a date for its 24:00)")
    s.set_defaults(func=cmd_totals)

    s = sub.add_parser("report", help="write leadership's summary of a day or the event as PDF or XLSX")
    which = s.add_mutually_exclusive_group(required=True)
    which.add_argument("--day", help="a day of the event: YYYY-MM-DD, its number (1 = the first day) or today")
    which.add_argument("--event", action="store_true", help="the whole event")
    s.add_argument("--as-of", help="the moment (default: now; 24:00 for a day that is over); HH:MM on --day's day")
    s.add_argument("--out", required=True, help="FILE.pdf or FILE.xlsx")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser(
        "drift", help="compare the platform's official totals per project with the ledger as of their time"
    )
    s.add_argument("file", metavar="FILE", help="CSV or XLSX: 项目名称, 已筹金额(元), 捐款人次, 统计时间")
    s.add_argument("--as-of", help="the figures' time for the whole file (YYYY-MM-DD HH:MM), if it has no 统计时间")
    s.add_argument("--profile", help="a totals profile: a name in data/profiles/totals/ or a .toml path")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_drift)

    s = sub.add_parser("status", help="counts, latest imports and rejected rows")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("simulate", help="play a demo giving day through the import path")
    s.add_argument("--start", help="the demo event's first day, YYYY-MM-DD (default: today)")
    s.add_argument("--backfill-until", help="HH:MM on the first day, or a date and time (default 20:30 of day one)")
    s.add_argument("--live", action="store_true", help="then keep dropping export files into the inbox every second")
    s.add_argument("--speed", type=float, default=1.0, help="demo seconds per real second (default 1)")
    s.add_argument("--seed", type=int, default=99)
    s.add_argument("--scale", type=float, default=1.0, help="1.0 is about 150,000 gifts and ¥6 million")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("forecast", help="where today and the event will end, with an 80%% band")
    s.add_argument("--backtest", action="store_true", help="replay demo events and score forecasts made at set times")
    s.add_argument(
        "--seeds", type=int, default=20, help="with --backtest: demo events replayed, seeds 1..N (default 20)"
    )
    s.set_defaults(func=cmd_forecast)

    s = sub.add_parser("user", help="sign-in accounts of the console: add, passwd, remove, list")
    s.add_argument("action", choices=["add", "passwd", "remove", "list"])
    s.add_argument("name", nargs="?", metavar="NAME", help="user name (an e-mail address with --oidc)")
    s.add_argument("--role", choices=labels.ROLES, help="the role of a new user")
    s.add_argument("--oidc", action="store_true", help="the user signs in through OIDC (st.login); no password")
    s.set_defaults(func=cmd_user)

    s = sub.add_parser("token", help="bearer tokens of POST /api/gifts: add (printed once), list, revoke")
    s.add_argument("action", choices=["add", "list", "revoke"])
    s.add_argument("name", nargs="?", metavar="NAME", help="who posts with it (a system, a phone app)")
    s.set_defaults(func=cmd_token)

    s = sub.add_parser("migrate-store", help="move the DuckDB store into an empty PostgreSQL database, checked")
    s.add_argument("--to", required=True, metavar="URL", help="the target: postgresql://user@host:port/db")
    s.set_defaults(func=cmd_migrate_store)

    s = sub.add_parser("serve", help="run the board (Streamlit) with its inbox worker")
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("load", help="open many big screens at the protocol level and measure the board")
    s.add_argument("--sessions", type=int, default=50, help="open screens (default 50)")
    s.add_argument("--duration", type=float, default=60, help="seconds measured, after the screens settle")
    s.add_argument("--refresh", type=float, help="the screens' refresh in seconds (default: the page's, 5)")
    s.add_argument("--url", help="a running board; default: start one on a fresh demo store")
    s.add_argument("--server-pid", type=int, help="with --url: the board's process id, to sample its CPU and RSS")
    s.add_argument("--port", type=int, help="port for the board it starts (default: a free one)")
    s.add_argument("--query", default="embed=true", help="the screens' URL query (default embed=true)")
    s.add_argument("--sites", type=int, default=0, help="deal screens round the district and N sites (site=ID)")
    s.add_argument("--wall", action="store_true", help="the screens open the wall (/wall), not the Streamlit page")
    s.add_argument("--demo-speed", type=float, help="live demo speed (default 1, or 24 with --soak)")
    s.add_argument("--backfill-until", help="demo store filled up to (default 20:30 of day one; --soak: day two 00:00)")
    s.add_argument("--soak", action="store_true", help="sample RSS each minute; fail on >10%% growth after 10 min")
    s.add_argument("--screenshots", type=int, default=0, help="Chromium pages alongside, screenshotted (default 0)")
    s.add_argument("--max-p95", type=float, default=1.0, help="fail above this latency p95 in seconds (default 1)")
    s.add_argument("--max-cpu", type=float, help="fail above this server CPU, percent of the whole machine")
    s.add_argument("--json", help="also write the figures to this file")
    s.add_argument("--latency", action="store_true", help="gift to pixel on a wall page in Chromium instead")
    s.add_argument("--gifts", type=int, default=20, help="with --latency: gifts sent, by turns per path (default 20)")
    s.add_argument("--push", action="store_true", help="screens hold /wall/stream; every gift timed to every screen")
    s.add_argument("--every", type=float, default=2.5, help="with --push: seconds between gifts (default 2.5)")
    s.add_argument("--clients", type=int, default=4, help="with --push: client processes holding the streams")
    s.add_argument("--boards", type=int, default=1, help="with --push: boards the screens are dealt over (default 1)")
    s.add_argument(
        "--store",
        dest="store_kind",
        choices=("duckdb", "postgresql"),
        default="duckdb",
        help="with --push: the boards' store: a DuckDB file, or a throw-away PostgreSQL server (several boards)",
    )
    s.set_defaults(func=cmd_load)
    return p


def main(argv: list[str] | None = None, store: Store | None = None) -> int:
    """Run one command; `store` is the board's own, when the board runs a command the command line asked."""
    raw = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(raw)
    args.store = store
    try:
        return args.func(args)
    except StoreLocked as exc:
        if args.command in board_link.ASKABLE and store is None:
            try:
                out, err, code = board_link.ask(config.db_location(args.db), raw, getattr(args, "file", None))
            except board_link.NoBoard:
                pass
            else:
                sys.stdout.write(out)
                sys.stderr.write(err)
                return code
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (RosterError, ProfileError, ReportError, FontMissing, StoreDamaged, StoreUnreachable, MoveRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


_ASKED = threading.Lock()


def run_for_board(argv: list[str], store: Store) -> tuple[str, str, int]:
    """A reading command the command line sent to the board, run on the board's store: what it printed, its
    errors and its exit status. One at a time, as it borrows the process's standard output."""
    try:
        command = parser().parse_args(argv).command
    except SystemExit:
        command = None
    if command not in board_link.ASKABLE:
        return "", f"error: the board answers only {', '.join(board_link.ASKABLE)}\n", 2
    out, err = io.StringIO(), io.StringIO()
    with _ASKED, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv, store=store)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return out.getvalue(), err.getvalue(), code
