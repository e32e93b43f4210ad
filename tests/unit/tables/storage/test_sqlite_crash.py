"""An acknowledged write survives ``kill -9`` of the process that made it (durability on acknowledgement).

A child process writes from several threads and prints each key only after ``write()`` returned; the parent kills
it with SIGKILL mid-stream, reopens the file and looks for every printed key. (Power loss is the fsync's job, which
a test cannot pull the plug on; this proves nothing is acknowledged before COMMIT returns.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nubis.tables.keys import partition_hash
from nubis.tables.storage.sqlite import SqliteStorage

CHILD = textwrap.dedent(
    """
    import sys, threading
    from nubis.tables.keys import partition_hash
    from nubis.tables.storage.sqlite import SqliteStorage

    storage = SqliteStorage(sys.argv[1], durability=sys.argv[2])
    out = threading.Lock()

    def writer(n):
        i = 0
        while True:
            pk = b"%d-%d" % (n, i)
            storage.write(lambda w: (w.put(1, partition_hash(pk), pk, b"", pk), w.add_stats(1, 1, 1))[0])
            with out:
                sys.stdout.write(pk.decode() + "\\n")
                sys.stdout.flush()
            i += 1

    for n in range(4):
        threading.Thread(target=writer, args=(n,), daemon=True).start()
    threading.Event().wait()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("durability", ["full", "relaxed"])
def test_acknowledged_writes_survive_sigkill(tmp_path: Path, durability: str) -> None:
    path = str(tmp_path / "crash.db")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, path, durability], stdout=subprocess.PIPE, env=env, text=True
    )
    assert child.stdout is not None
    acknowledged: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acknowledged.append(line.strip())
        child.send_signal(signal.SIGKILL)
        # Lines already in the pipe were acknowledged before the kill too; a line cut short by the kill is not.
        acknowledged += child.stdout.read().split("\n")[:-1]
    finally:
        child.kill()
        child.wait(30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 300

    storage = SqliteStorage(path)
    try:
        with storage.read() as r:
            missing = [k for k in acknowledged if r.get(1, partition_hash(k.encode()), k.encode(), b"") is None]
            stats = r.stats(1)
        assert missing == []
        assert stats.item_count >= len(acknowledged)
    finally:
        storage.close()
