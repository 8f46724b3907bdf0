"""One of several processes writing gifts into one PostgreSQL store at once (tests/test_boards.py): `python -m
tests.concurrent_writer URL WRITER BATCHES`. Each batch is a transaction as an import's is: its log line, its
gifts (`on conflict do nothing`, ids shared with the other writers so some are duplicates) and the product's
rollup update of the gifts it stored."""

from __future__ import annotations

import random
import sys

import sqlalchemy as sa

from givingday.store import rollups
from givingday.store.database import Store
from tests.seeded import at

PROJECTS, SITES, CHANNELS = ("P001", "P002", "P089"), ("S001", "S002", None), ("qr", "bank", "offline")
IDS = 400  # the pool of ids every writer draws from: about a third of the gifts are someone's duplicates


def write(url: str, writer: int, batches: int) -> None:
    store = Store(url)
    rng = random.Random(writer)
    for _ in range(batches):
        ids = sorted(rng.sample(range(IDS), 5))  # in id order, as every writer: no two wait on each other's rows
        with store.writing() as conn:
            import_id = conn.execute(sa.text("select nextval('import_id_seq')")).scalar()
            conn.execute(
                sa.text(
                    "insert into imports (import_id, file_name, file_sha256, started_at, outcome)"
                    " values (:i, :f, 'x', now(), 'committed')"
                ),
                {"i": import_id, "f": f"w{writer}-{import_id}.csv"},
            )
            conn.execute(
                sa.text(
                    "insert into donations (donation_id, occurred_at, amount_fen, matched_fen, project_id, site_id,"
                    " channel, donor_name_masked, donor_hash, source_file, source_line, import_id) values (:id, :t, :fen,"
                    " :m, :p, :s, :c, '张*', 'h', 'w.csv', :line, :i) on conflict do nothing"
                ),
                [
                    {
                        "id": f"C{n}",
                        "t": at(7, 9 + n % 12, n % 60),
                        "fen": 100 + n,
                        "m": n % 3 * 10,
                        "p": PROJECTS[n % 3],
                        "s": SITES[n % 3],
                        "c": CHANNELS[n % 3],
                        "i": import_id,
                        "line": line,
                    }
                    for line, n in enumerate(ids, 2)
                ],
            )
            rollups.add_events(conn, rollups.NEW_GIFTS, {"import_id": import_id})
    store.dispose()


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
