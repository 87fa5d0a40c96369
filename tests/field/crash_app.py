"""Fork server for test_crash.py: a fresh `auditkit field` process per round, started fast.

Importing Flask, SQLAlchemy and Alembic and configuring the mappers take about a second, and the
crash test starts the field app once per round. So this script does that once and forks each
server, which then runs the real command (`auditkit field --port P`: upgrade, create_app,
serve) as the leader of its own session, so the test can SIGKILL the whole process group.
`ForkServer` is the test's end. The protocol, one line in and one line out:

    serve <port> <log path>   ->  <pid>
    reap <pid>                ->  <wait status>   (after the test killed it)

End of input ends the script. `crash_app.py first-start` instead builds the field app as its
first start does, SIGKILLing itself right after the secret key file was created.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import subprocess
import sys
import traceback
from pathlib import Path


class ForkServer:
    """Start this script; ask it for field app processes; kill and reap them."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )

    def serve(self, port: int, log: Path) -> int:
        """Start `auditkit field --port <port>`, its output appended to `log`; its pid."""
        return int(self._ask(f"serve {port} {log}"))

    def kill_and_reap(self, pid: int) -> None:
        kill_group(pid)
        self._ask(f"reap {pid}")

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_group(self.process.pid)
            self.process.wait()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _ask(self, line: str) -> str:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer, f"crash_app.py died (asked {line!r})"
        return answer


def kill_group(pid: int) -> None:
    """SIGKILL a process group, and its leader should setsid not have run yet.

    A pid stays ours until it is reaped, so this cannot hit someone else's process.
    """
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _serve(port: str, log_path: str) -> int:
    """Fork a server; the child runs the CLI and never returns here."""
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        os.setsid()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        from auditkit.cli import main

        main(["field", "--port", port], prog_name="auditkit")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _main() -> None:
    from sqlalchemy.orm import configure_mappers

    import auditkit.cli  # noqa: F401
    import auditkit.field

    for module in pkgutil.iter_modules(auditkit.field.__path__, "auditkit.field."):
        importlib.import_module(module.name)  # create_app imports them on every start
    configure_mappers()  # in memory only, and a third of a fresh server's first request
    for line in sys.stdin:
        command, *args = line.split()
        if command == "serve":
            answer = _serve(*args)
        elif command == "reap":
            answer = os.waitpid(int(args[0]), 0)[1]
        else:
            raise SystemExit(f"unknown command: {line!r}")
        print(answer, flush=True)


def _first_start_killed_after_key_file_created() -> None:
    armed = False

    def kill_after_create(event: str, args: tuple) -> None:  # type: ignore[type-arg]
        nonlocal armed
        if event != "open":
            return
        path, _mode, flags = args
        if armed and isinstance(path, int):  # os.fdopen of the new file, before any write
            os.kill(os.getpid(), signal.SIGKILL)
        # The key file (or the temporary file it is first written to) has just been created.
        if "secret_key" in str(path) and (flags or 0) & os.O_CREAT:
            armed = True

    sys.addaudithook(kill_after_create)
    from auditkit.field import create_app

    create_app()


if __name__ == "__main__":
    if sys.argv[1:] == ["first-start"]:
        _first_start_killed_after_key_file_created()
    else:
        _main()
