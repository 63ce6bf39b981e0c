"""tests/support/serial.py: a serial test runs with no other test beside it, and has priority once it waits."""

from __future__ import annotations

import threading
import time

from tests.support.serial import SessionLock


def test_a_serial_test_waits_for_the_running_ones_and_none_starts_beside_it(tmp_path):
    events: list[str] = []
    running, alone = SessionLock(tmp_path), SessionLock(tmp_path)
    running.begin(alone=False)  # a test under way on one worker

    def serial_test():
        alone.begin(alone=True)
        events.append("serial starts")
        time.sleep(0.2)
        events.append("serial ends")
        alone.end()

    def next_test():
        lock = SessionLock(tmp_path)
        lock.begin(alone=False)
        events.append("next starts")
        lock.end()

    serial = threading.Thread(target=serial_test)
    serial.start()
    time.sleep(0.2)
    assert events == []  # it waits for the running test
    later = threading.Thread(target=next_test)
    later.start()  # a test asking after the serial one waits behind it (the turnstile)
    time.sleep(0.2)
    events.append("running ends")
    running.end()
    serial.join(10)
    later.join(10)
    assert events == ["running ends", "serial starts", "serial ends", "next starts"]


def test_tests_beside_each_other_share_it_and_one_process_needs_none(tmp_path):
    a, b = SessionLock(tmp_path), SessionLock(tmp_path)
    a.begin(alone=False)
    b.begin(alone=False)  # would block if it were exclusive
    a.end()
    b.end()
    nothing = SessionLock(None)
    nothing.begin(alone=True)
    nothing.end()
