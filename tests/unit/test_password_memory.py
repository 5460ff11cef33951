"""Password hashing keeps its memory bounded however many request threads sign users in.

Each argon2id hash takes a 19 MiB block. Computed on arbitrary threads, glibc keeps one
such block per thread's malloc arena once its mmap threshold has risen, so a server's 40
request threads could hold 40 x 19 MiB. Run in a fresh interpreter: the growth of the
peak resident size is the behaviour under test.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
THREADS = {threads}
import threading
from tenantry.server.domain.passwords import hash_password, verify_password

def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

stored = hash_password("a long enough passphrase")
verify_password("a long enough passphrase", stored)
before = peak_mib()
start = threading.Barrier(THREADS)

def sign_in():
    start.wait()
    for _ in range(2):
        assert verify_password("a long enough passphrase", stored)
    assert not verify_password("wrong passphrase", stored)

threads = [threading.Thread(target=sign_in) for _ in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(peak_mib() - before)
"""


THREADS = 24


@pytest.mark.skipif((os.cpu_count() or 1) > THREADS // 2, reason="as many cores as threads: nothing to tell apart")
def test_peak_memory_does_not_grow_with_the_number_of_threads_checking_passwords():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(threads=THREADS)], capture_output=True, text=True, timeout=300, check=True
    )
    growth_mib = float(result.stdout.strip())
    # One 19 MiB block per core at most (and a little slack), never one per thread.
    assert growth_mib < 19 * ((os.cpu_count() or 1) + 2), (
        f"peak RSS grew by {growth_mib:.0f} MiB while 24 threads checked passwords"
    )
