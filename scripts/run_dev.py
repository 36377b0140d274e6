#!/usr/bin/env python3
"""Run the processes listed in Procfile.dev together, and stop them together.

Like honcho, but every process stays in this process group: Ctrl-C in a terminal, or a signal
sent to the group by a supervisor, reaches all of them at once, and if this runner is killed
outright its children are still in the group that was signalled. (honcho starts each process in
a session of its own, so a group signal or a hard kill of honcho can leave a worker running.)
Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

GRACE_SECONDS = 10
COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


def read_procfile(path: Path) -> list[tuple[str, list[str]]]:
    """[(name, argv), ...] from "name: command" lines; blank lines and # comments skipped."""
    entries = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(f"{path}:{number}: expected 'name: command'")
        entries.append((name.strip(), shlex.split(command)))
    return entries


def pump(name: str, colour: str, width: int, stream: object) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        stamp = time.strftime("%H:%M:%S")
        reset = RESET if colour else ""
        sys.stdout.write(f"{colour}{stamp} {name:<{width}} |{reset} {line}")
        sys.stdout.flush()


def main() -> int:
    procfile = Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile.dev")
    entries = read_procfile(procfile)
    width = max(len(name) for name, _argv in entries)
    use_colour = sys.stdout.isatty()
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    children: list[tuple[str, subprocess.Popen[str]]] = []
    for index, (name, argv) in enumerate(entries):
        child = subprocess.Popen(  # noqa: S603 - commands come from our own Procfile
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        colour = COLOURS[index % len(COLOURS)] if use_colour else ""
        threading.Thread(target=pump, args=(name, colour, width, child.stdout), daemon=True).start()
        children.append((name, child))

    exit_code = 0
    while not stopping.is_set():
        for name, child in children:
            code = child.poll()
            if code is not None:
                print(f"{name} stopped with exit code {code}; stopping the others.", flush=True)
                exit_code = code or 1
                stopping.set()
                break
        stopping.wait(0.5)

    for _name, child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {GRACE_SECONDS} s; killing it.", flush=True)
            child.kill()
            child.wait()
    print("All stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
