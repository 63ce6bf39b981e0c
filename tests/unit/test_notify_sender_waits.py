"""How long the sender waits before looking again for a recipient or subject it has not read yet."""

from __future__ import annotations

from datetime import timedelta

from services.notify.sender import unknown_wait


def test_a_recipient_not_read_yet_is_looked_for_again_less_often_the_longer_it_has_waited():
    assert unknown_wait(timedelta(0)) == timedelta(seconds=2)
    assert unknown_wait(timedelta(seconds=3)) == timedelta(seconds=2)
    assert unknown_wait(timedelta(seconds=60)) == timedelta(seconds=30)
    assert unknown_wait(timedelta(hours=5)) == timedelta(minutes=10)
