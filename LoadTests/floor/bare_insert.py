#!/usr/bin/env python3
"""The floor under the durable send path: the same rows a send stores (one `messages` row, one `channel_events`
row, the channel's `last_seq` raised), inserted by one writer in batches of B per transaction with nothing else
around them: no server, no checks, no sockets. Compared with `chamber-load direct`, it says how much of a send's
cost is the database's own.

    python3 LoadTests/floor/bare_insert.py sqlite [--synchronous full|normal] [--batch 1,16,64] [--rows 20000]
    python3 LoadTests/floor/bare_insert.py postgres --url postgres://postgres@127.0.0.1:PORT/db [--batch ...]

SQLite runs in-process (Python's sqlite3, WAL, the same pragmas as the server). PostgreSQL runs through `psql`
reading a generated script on stdin (one round trip per statement, as a driver would). Prints one JSON line per
batch size: rows per second and microseconds per row.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

SCHEMA = [
    "CREATE TABLE chambers (id TEXT PRIMARY KEY)",
    "CREATE TABLE channels (id TEXT PRIMARY KEY, chamber_id TEXT NOT NULL REFERENCES chambers(id), last_seq BIGINT NOT NULL DEFAULT 0)",
    """CREATE TABLE messages (id TEXT PRIMARY KEY, chamber_id TEXT NOT NULL REFERENCES chambers(id),
       channel_id TEXT NOT NULL REFERENCES channels(id), seq BIGINT NOT NULL, sender_id TEXT NOT NULL,
       client_message_id TEXT NOT NULL, body TEXT NOT NULL, reply_to TEXT, mentions TEXT NOT NULL, attachments TEXT NOT NULL,
       reactions TEXT NOT NULL, created_at BIGINT NOT NULL, edited_at BIGINT, deleted_at BIGINT, data TEXT)""",
    "CREATE UNIQUE INDEX messages_channel_seq ON messages (channel_id, seq)",
    "CREATE UNIQUE INDEX messages_client_id ON messages (channel_id, sender_id, client_message_id)",
    """CREATE TABLE channel_events (chamber_id TEXT NOT NULL REFERENCES chambers(id), channel_id TEXT NOT NULL REFERENCES channels(id),
       seq BIGINT NOT NULL, kind TEXT NOT NULL, message_id TEXT, payload TEXT NOT NULL, created_at BIGINT NOT NULL,
       PRIMARY KEY (channel_id, seq))""",
]
CHANNELS = 1000  # direct: 2,000 members in pairs
BODY = "x" * 128


def rows(count):
    """(channel index, message id, client id, payload) for `count` sends spread over the channels."""
    for n in range(count):
        message_id = str(uuid.uuid4())
        payload = json.dumps({"message": {"id": message_id, "body": BODY, "seq": n}})
        yield n % CHANNELS, message_id, f"c-{n}", payload


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def batches_sql(count, batch, chamber, channels, now):
    """The statements of each transaction: per channel the sequence raised, then one insert of the messages and one
    of their events (what the server's batch writer does)."""
    pending = list(rows(count))
    seqs = {}
    for start in range(0, count, batch):
        chunk = pending[start:start + batch]
        counts = {}
        for channel, *_ in chunk:
            counts[channel] = counts.get(channel, 0) + 1
        statements = ["BEGIN"]
        statements.append(
            "UPDATE channels SET last_seq = last_seq + v.n FROM (VALUES "
            + ", ".join(f"({quote(channels[c])}, {n})" for c, n in counts.items())
            + ") AS v(id, n) WHERE channels.id = v.id")
        values, events = [], []
        for channel, message_id, client_id, payload in chunk:
            seqs[channel] = seqs.get(channel, 0) + 1
            seq = seqs[channel]
            values.append(
                f"({quote(message_id)}, {quote(chamber)}, {quote(channels[channel])}, {seq}, 'sender', {quote(client_id)}, "
                f"{quote(BODY)}, NULL, '[]', '[]', '{{}}', {now}, NULL, NULL, NULL)")
            events.append(f"({quote(chamber)}, {quote(channels[channel])}, {seq}, 'message', {quote(message_id)}, {quote(payload)}, {now})")
        statements.append("INSERT INTO messages VALUES " + ", ".join(values))
        statements.append("INSERT INTO channel_events VALUES " + ", ".join(events))
        statements.append("COMMIT")
        yield statements


def run_sqlite(count, batch, synchronous):
    import sqlite3
    folder = tempfile.mkdtemp(prefix="bare-insert-")
    db = sqlite3.connect(os.path.join(folder, "floor.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    db.execute("PRAGMA foreign_keys = ON")
    for statement in SCHEMA:
        db.execute(statement)
    chamber = str(uuid.uuid4())
    channels = [str(uuid.uuid4()) for _ in range(CHANNELS)]
    db.execute("INSERT INTO chambers VALUES (?)", (chamber,))
    db.executemany("INSERT INTO channels (id, chamber_id) VALUES (?, ?)", [(c, chamber) for c in channels])
    # SQLite spells the derived table's columns column1, column2.
    work = [[s.replace(") AS v(id, n) WHERE channels.id = v.id", ") AS v WHERE channels.id = v.column1").replace("v.n", "v.column2")
             for s in statements] for statements in batches_sql(count, batch, chamber, channels, int(time.time() * 1000))]
    started = time.perf_counter()
    for statements in work:
        for statement in statements:
            db.execute(statement)
    return time.perf_counter() - started


def run_postgres(count, batch, url):
    schema = f"floor_{uuid.uuid4().hex[:8]}"
    chamber = str(uuid.uuid4())
    channels = [str(uuid.uuid4()) for _ in range(CHANNELS)]
    setup = [f"CREATE SCHEMA {schema}", f"SET search_path = {schema}"] + SCHEMA + [
        f"INSERT INTO chambers VALUES ({quote(chamber)})",
        "INSERT INTO channels (id, chamber_id) VALUES " + ", ".join(f"({quote(c)}, {quote(chamber)})" for c in channels),
    ]
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=";\n".join(setup) + ";\n", text=True, check=True)
    script = f"SET search_path = {schema};\n" + "".join(
        ";\n".join(statements) + ";\n" for statements in batches_sql(count, batch, chamber, channels, int(time.time() * 1000)))
    started = time.perf_counter()
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=script, text=True, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    subprocess.run(["psql", "-q", url, "-c", f"DROP SCHEMA {schema} CASCADE"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", choices=["sqlite", "postgres"])
    parser.add_argument("--url", help="PostgreSQL URL (postgres only)")
    parser.add_argument("--synchronous", default="full", choices=["full", "normal"])
    parser.add_argument("--batch", default="1,16,64")
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    if args.database == "postgres" and not args.url:
        sys.exit("bare_insert.py: postgres needs --url")
    for batch in (int(b) for b in args.batch.split(",")):
        if args.database == "sqlite":
            elapsed = run_sqlite(args.rows, batch, args.synchronous)
        else:
            elapsed = run_postgres(args.rows, batch, args.url)
        print(json.dumps({
            "database": args.database, "synchronous": args.synchronous if args.database == "sqlite" else None,
            "batch": batch, "rows": args.rows, "rows_per_s": round(args.rows / elapsed), "us_per_row": round(elapsed / args.rows * 1e6, 1),
        }))


if __name__ == "__main__":
    main()
