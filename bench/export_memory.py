"""Memory of one export job: peak RSS of a process building an export of a user with
100 000 events, against one building an empty export (SECURITY GD-04).

Each build runs in a fresh child process, exactly what an RQ work-horse runs
(``container.build_export()``), and reports its own peak resident set (``ru_maxrss``);
the difference is what the history costs. Bounded; touches only its own database and a
temporary folder.

    uv run python -m bench.export_memory [--events 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

from adapters.sqlalchemy.rows import EventRow, ExportRow, UserRow

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from uuid import UUID
from entrypoints.container import build_container
from entrypoints.settings import load_settings
container = build_container(load_settings())
started = time.perf_counter()
done = container.build_export()(UUID(sys.argv[1]))
seconds = time.perf_counter() - started
with container.uow() as uow:
    size = uow.exports.get(UUID(sys.argv[1])).size_bytes
print(json.dumps({"done": done, "seconds": seconds, "size_bytes": size,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def seed(database_url: str, events: int) -> tuple[str, str]:
    """Two users, one with ``events`` events, and a pending export for each."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    users = [uuid.uuid4(), uuid.uuid4()]
    exports = [uuid.uuid4(), uuid.uuid4()]
    with engine.begin() as connection:
        for number, user_id in enumerate(users):
            connection.execute(
                insert(UserRow).values(
                    id=user_id,
                    email=f"export-bench-{number}-{user_id.hex[:8]}@example.com",
                    first_name="Ada",
                    last_name="Byron",
                    status="active",
                    role="user",
                    created_at=now,
                    updated_at=now,
                )
            )
        batch = []
        for number in range(events):
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": users[1],
                    "type": "login.succeeded",
                    "meta": {"method": "pwd", "trust_score": number % 100},
                    "occurred_at": now - timedelta(seconds=number * 30),
                }
            )
            if len(batch) == 5000:
                connection.execute(insert(EventRow), batch)
                batch = []
        if batch:
            connection.execute(insert(EventRow), batch)
        for user_id, export_id in zip(users, exports, strict=True):
            connection.execute(
                insert(ExportRow).values(
                    id=export_id,
                    user_id=user_id,
                    status="pending",
                    created_at=now,
                    updated_at=now,
                )
            )
    engine.dispose()
    return str(exports[0]), str(exports[1])


def build(export_id: str, env: dict[str, str]) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, export_id],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="bastion-export-bench-"))
    database_url = args.database_url or f"sqlite:///{instance}/bastion.db"
    env = {
        **os.environ,
        "BASTION_INSTANCE_DIR": str(instance),
        "BASTION_DATABASE_URL": database_url,
        "BASTION_LOG_LEVEL": "WARNING",
    }
    env.pop("BASTION_REDIS_URL", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "bastion"), "db", "upgrade"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    empty_id, full_id = seed(database_url, args.events)
    seeded = time.perf_counter() - started
    empty, full = build(empty_id, env), build(full_id, env)
    results = {
        "database": database_url.split(":", 1)[0],
        "events": args.events,
        "seed_seconds": round(seeded, 1),
        "empty_export": {"seconds": round(empty["seconds"], 2), "peak_rss_mb": _mb(empty)},
        "full_export": {
            "seconds": round(full["seconds"], 2),
            "peak_rss_mb": _mb(full),
            "zip_mb": round(full["size_bytes"] / 1e6, 1),
        },
        "rss_growth_mb": round(_mb(full) - _mb(empty), 1),
        "ru_maxrss_unit": "KiB",
        "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    out = ROOT / "bench" / "results" / "export-memory.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def _mb(result: dict[str, float]) -> float:
    return round(result["peak_rss_kb"] / 1024, 1)


if __name__ == "__main__":
    main()
