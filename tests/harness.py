"""`make test`: the whole suite, on SQLite and on PostgreSQL, with real services.

1. Checks the machine has what the tests need (PostgreSQL binaries,
   redis-server, Chromium); as root it installs what is missing with
   apt-get, otherwise it stops and prints the one command that would.
2. Starts a real redis-server on a free port (the channel-layer tests use it).
3. Starts localstripe (a fake, stateful Stripe API server) on a free loopback
   port, one for the whole run (the payment tests use it; each test flushes
   its data).
4. Runs the suite on SQLite: the embedded default that `make run` uses.
5. Starts a throwaway PostgreSQL cluster from the machine's binaries on a
   free port and runs the suite again on it, with REDIS_URL set: the
   configuration of a deployment at scale.
6. Runs the browser tests (tests/e2e) in Chromium against a live daphne
   server on that PostgreSQL.
Everything it started is stopped afterwards, also on failure.

`bench/` reuses `postgres_cluster` and `redis_server` from here.
"""

import concurrent.futures
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# What the tests' Django (settings fixture) and live servers use against
# localstripe, which takes any sk_test_ key and signs webhooks with the
# secret registered with it.
STRIPE_TEST_SETTINGS = {
    "STRIPE_SECRET_KEY": "sk_test_nanum",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_nanum",
    "STRIPE_WEBHOOK_SECRET": "whsec_test_nanum",
}


class MissingTool(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


# --- the machine's tools -----------------------------------------------------


def postgres_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _pg_has_extensions(bin_dir: Path) -> bool:
    try:
        share = subprocess.run(
            [str(bin_dir / "pg_config"), "--sharedir"], capture_output=True, text=True
        ).stdout.strip()
    except FileNotFoundError:
        share = str(bin_dir.parent.parent.parent / "share" / "postgresql" / bin_dir.parent.name)
    ext = Path(share) / "extension"
    return (ext / "btree_gist.control").exists() and (ext / "pg_trgm.control").exists()


def missing_packages(commands: tuple[str, ...] = ()) -> list[str]:
    """Debian packages to install: the tests' services, and `commands`
    (a command named as its package, e.g. wrk for `make bench`)."""
    missing = [command for command in commands if not shutil.which(command)]
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        missing.append("postgresql")
    elif not _pg_has_extensions(bin_dir):
        missing.append("postgresql-contrib")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not Path(CHROMIUM).exists():
        missing.append("chromium")
    return missing


def ensure_tools(commands: tuple[str, ...] = ()) -> None:
    missing = missing_packages(commands)
    if not missing:
        return
    command = "apt-get update && apt-get install -y " + " ".join(missing)
    if not IS_ROOT:
        raise MissingTool(
            f"The tests need {', '.join(missing)}. Install with:\n  sudo sh -c '{command}'"
        )
    print(f"== installing {' '.join(missing)} with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    still = missing_packages(commands)
    if still:
        raise MissingTool(f"apt-get ran, yet {', '.join(still)} is still missing")


# --- services ----------------------------------------------------------------


@contextlib.contextmanager
def redis_server():
    """A throwaway redis-server on a free loopback port; yields its URL."""
    if not shutil.which("redis-server"):
        raise MissingTool("redis-server is missing: apt-get install -y redis-server")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="nanum-redis-")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def localstripe_server(*, with_process: bool = False):
    """localstripe (tests/localstripe_server.py) on a free loopback port, with
    an empty store; yields its URL, to use as the Stripe API base (with
    `with_process`, (URL, its Popen): the fault tests pause it)."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        raise MissingTool("localstripe is missing: "
                          f"{sys.executable} -m pip install -r requirements-dev.txt") from None
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+", prefix="nanum-localstripe-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.localstripe_server", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_port(port)
        except RuntimeError as exc:
            log.seek(0)
            raise RuntimeError(f"localstripe did not start ({exc}):\n{log.read()[-2000:]}") from None
        url = f"http://127.0.0.1:{port}"
        yield (url, proc) if with_process else url
    finally:
        proc.send_signal(signal.SIGCONT)  # a paused one would not stop
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the image's
    # `postgres` user instead.
    return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


@contextlib.contextmanager
def postgres_cluster(*, tuned_for_tests: bool = True):
    """A throwaway PostgreSQL cluster on a free port; yields a DATABASE_URL."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise MissingTool("PostgreSQL binaries (initdb, pg_ctl) are missing: "
                          "apt-get install -y postgresql")
    port = free_port()
    base = Path(tempfile.mkdtemp(prefix="nanum-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if IS_ROOT:
        pw = pwd.getpwnam("postgres")
        for p in (base, sockets):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    log = base / "server.log"
    subprocess.run(
        _as_postgres_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "nanum",
                           "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    options = [f"-p {port}", f"-k {sockets}", "-c listen_addresses=127.0.0.1",
               "-c max_connections=200"]
    if tuned_for_tests:
        # Durability is worthless for a cluster deleted in a minute.
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    subprocess.run(
        _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log),
                           "-o", " ".join(options), "-w", "start"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "nanum",
             "nanum"],
            check=True,
        )
        yield f"postgres://nanum@127.0.0.1:{port}/nanum"
    finally:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                               "stop"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)


# --- the runs ----------------------------------------------------------------


def run_pytest(title: str, args: list[str], env: dict, output=None) -> dict:
    """One pytest run; its output streams, or goes to the file `output`."""
    if output is None:
        print(f"\n===== {title} =====", flush=True)
    report = Path(tempfile.mkstemp(prefix="nanum-junit-", suffix=".xml")[1])
    started = time.monotonic()
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *args],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if output else None,
    )
    counts = {"passed": 0, "failed": 0, "skipped": 0, "code": code,
              "seconds": time.monotonic() - started}
    try:
        suites = ET.parse(report).getroot()
        for suite in suites.iter("testsuite"):
            total = int(suite.get("tests", 0))
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            counts["failed"] += failed
            counts["skipped"] += skipped
            counts["passed"] += total - failed - skipped
    except (ET.ParseError, FileNotFoundError):
        counts["failed"] += 1
    finally:
        report.unlink(missing_ok=True)
    if code not in (0,) and counts["failed"] == 0:
        counts["failed"] = 1  # pytest itself failed (collection, usage, no tests)
    return counts


def side_by_side(runs: list[tuple[str, str, dict]], args: list[str]) -> list:
    """The unit runs at the same time (one waits on its database while the
    other computes): the last one's output streams, the others' is shown
    when they end. Returns [(name, counts)] in the order given."""
    *quiet, (last_name, last_title, last_env) = runs
    outputs = [tempfile.TemporaryFile(mode="w+") for _ in quiet]
    with concurrent.futures.ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(run_pytest, title, args, env, output)
                   for (_name, title, env), output in zip(quiet, outputs, strict=True)]
        print(f"\n({', '.join(title for _n, title, _e in quiet)}: alongside, shown when done)",
              flush=True)
        last = run_pytest(last_title, args, last_env)
        counts = [future.result() for future in futures]
    for (_name, title, _env), output in zip(quiet, outputs, strict=True):
        print(f"\n===== {title} =====", flush=True)
        output.seek(0)
        sys.stdout.write(output.read())
        output.close()
    return [(name, c) for (name, _t, _e), c in zip(quiet, counts, strict=True)] + [
        (last_name, last)]


def split_targets(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Paths given on the command line pick what runs; other words go to pytest.

    Returns (unit-test targets, browser-test targets, pytest options). With no
    paths, everything runs: `tests` without e2e, then `tests/e2e`.
    """
    paths = [a for a in argv if not a.startswith("-") and (ROOT / a.split("::")[0]).exists()]
    options = [a for a in argv if a not in paths]
    if not paths:
        return ["tests", "--ignore=tests/e2e"], ["tests/e2e"], options
    e2e = [p for p in paths if p.startswith("tests/e2e")]
    unit = [p for p in paths if p not in e2e]
    return unit, e2e, options


def main(argv: list[str]) -> int:
    unit, e2e, options = split_targets(argv)
    try:
        ensure_tools()
    except (MissingTool, subprocess.CalledProcessError) as exc:
        print(f"make test: {exc}", file=sys.stderr)
        return 2

    # A shell's own Stripe keys must not reach the tests: payments stay
    # offline unless a test points them at localstripe.
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "SECRET_KEY")
                and k not in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
                              "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")}
    base_env["CHROMIUM_PATH"] = CHROMIUM
    data_dirs: list[Path] = []
    results = []
    try:
        with contextlib.ExitStack() as services:
            def own_services(name: str) -> dict:
                """A run's own Redis, localstripe and data folder: the two
                unit runs go side by side and must not see each other."""
                redis_url = services.enter_context(redis_server())
                localstripe_url = services.enter_context(localstripe_server())
                data_dirs.append(Path(tempfile.mkdtemp(prefix=f"nanum-test-{name}-")))
                return dict(base_env, NANUM_DATA_DIR=str(data_dirs[-1]),
                            NANUM_TEST_REDIS_URL=redis_url,
                            NANUM_TEST_LOCALSTRIPE_URL=localstripe_url)

            sqlite_env = own_services("sqlite")
            pg_env = own_services("postgres")
            database_url = services.enter_context(postgres_cluster())
            pg_env.update(DATABASE_URL=database_url, REDIS_URL=pg_env["NANUM_TEST_REDIS_URL"])
            if unit:
                results += side_by_side([
                    ("SQLite", "SQLite run (embedded default)", sqlite_env),
                    ("PostgreSQL", "PostgreSQL run (with Redis cache and channel layer)",
                     pg_env)], [*unit, *options])
            if e2e:
                results.append(("Browser", run_pytest(
                    "Browser tests (Chromium, live daphne server, PostgreSQL)",
                    [*e2e, *options], pg_env)))
    except (MissingTool, subprocess.CalledProcessError, RuntimeError) as exc:
        print(f"make test: {exc}", file=sys.stderr)
        return 2
    finally:
        for data_dir in data_dirs:
            shutil.rmtree(data_dir, ignore_errors=True)

    print("\n===== summary =====")
    for name, c in results:
        print(f"{name:<11} {c['passed']:>4} passed, {c['failed']} failed, "
              f"{c['skipped']} skipped  ({c['seconds']:.0f}s)")
    passed = sum(c["passed"] for _, c in results)
    failed = sum(c["failed"] for _, c in results)
    skipped = sum(c["skipped"] for _, c in results)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    # A skipped test is a test that did not run: the suite is not green then.
    ok = failed == 0 and skipped == 0 and all(c["code"] == 0 for _, c in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
