"""`make bench`: each scenario against a fresh PostgreSQL cluster.

A scenario is a module `bench/<name>.py` with `main()`; it runs in its own
process with DATABASE_URL pointing at the throwaway cluster (migrated
first), prints its figures and exits non-zero if it could not run.
`python -m bench search` runs only the scenarios named.
"""

import os
import subprocess
import sys
import time

from tests.harness import ROOT, ensure_tools, postgres_cluster

# In the order they run; later issues add theirs.
SCENARIOS: list[str] = ["search", "bookings", "payments", "messaging", "stats", "http"]


def main(argv: list[str]) -> int:
    chosen = argv or SCENARIOS
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenarios: {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        return 2
    if not chosen:
        print("make bench: no scenarios yet")
        return 0
    ensure_tools(("wrk",) if "http" in chosen else ())
    failed = 0
    with postgres_cluster(tuned_for_tests=False) as database_url:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PYTEST_VERSION")}
        env.update(DATABASE_URL=database_url, NANUM_BENCH="1", DEBUG="false")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                       check=True)
        for name in chosen:
            print(f"\n===== bench: {name} =====", flush=True)
            started = time.monotonic()
            code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, env=env)
            print(f"({name}: {time.monotonic() - started:.0f}s, exit {code})")
            failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
