"""scripts/run_dev.py: what `make run` uses to start web, worker and beat together."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "scripts" / "run_dev.py"


def start(procfile: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(procfile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_signal_to_the_group_stops_every_process(tmp_path):
    pidfile = tmp_path / "pids"
    procfile = tmp_path / "Procfile"
    code = f"import os,time; open('{pidfile}','a').write(str(os.getpid())+'\\n'); time.sleep(60)"
    sleeper = f'{sys.executable} -c "{code}"'
    procfile.write_text(f"one: {sleeper}\ntwo: {sleeper}\n")
    runner = start(procfile)
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and len(pidfile.read_text().split() if pidfile.exists() else []) < 2
    ):
        time.sleep(0.1)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2 and all(alive(p) for p in pids)
    os.killpg(runner.pid, signal.SIGINT)
    output, _ = runner.communicate(timeout=15)
    assert runner.returncode == 0
    assert "All stopped." in output
    time.sleep(0.2)
    assert not any(alive(p) for p in pids)


def test_when_one_process_dies_the_others_are_stopped(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"# a comment\n\nquick: {sys.executable} -c \"print('hello'); raise SystemExit(3)\"\n"
        f'slow: {sys.executable} -c "import time; time.sleep(60)"\n'
    )
    runner = start(procfile)
    output, _ = runner.communicate(timeout=20)
    assert runner.returncode == 3
    assert "quick |" in output and "hello" in output
    assert "quick stopped with exit code 3" in output


def test_a_malformed_procfile_names_the_line(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: echo hi\nnot a process line\n")
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(procfile)], capture_output=True, text=True, timeout=10
    )
    assert result.returncode != 0
    assert f"{procfile}:2: expected 'name: command'" in result.stderr
