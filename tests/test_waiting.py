"""A watcher's rest between polls ends on a nudge or a timeout, and a cancellation that arrives
as it is nudged ends it: with `asyncio.wait_for` (Python 3.10, 3.11) that cancellation was lost,
the watcher polled on, and the dashboard's quit waited for it forever (a test now and then
never ended under load)."""

import asyncio
import contextlib
import sys

import pytest

from cibw_debug_tui.core.waiting import nudged_or_timeout


def _wait_for(event, seconds):
    async def wait():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    return wait()


async def _cancelled_as_nudged(wait, loops_before_cancel: int) -> str:
    """A loop like the watcher's, cancelled right after its event is set."""
    event = asyncio.Event()

    async def loop():
        while True:
            event.clear()
            await wait(event, 10)

    task = asyncio.create_task(loop())
    for _ in range(3):
        await asyncio.sleep(0)
    event.set()
    for _ in range(loops_before_cancel):
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.5)
    if not done:
        task.cancel()  # the old way swallowed it once; this one usually lands
        return "went on"
    return "cancelled" if task.cancelled() else "ended"


@pytest.mark.parametrize("loops", [0, 1, 2, 3])
def test_a_cancellation_as_the_event_is_set_ends_the_wait(loops):
    assert asyncio.run(_cancelled_as_nudged(nudged_or_timeout, loops)) == "cancelled"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 rewrote wait_for on timeouts")
def test_the_old_way_lost_it_on_this_python():
    """The reason for nudged_or_timeout: on 3.10 and 3.11, wait_for loses the cancellation."""
    results = [asyncio.run(_cancelled_as_nudged(_wait_for, n)) for n in range(4)]
    assert "went on" in results


def test_it_returns_whether_it_was_nudged():
    async def go():
        event = asyncio.Event()
        timed_out = await nudged_or_timeout(event, 0.01)
        asyncio.get_running_loop().call_later(0.01, event.set)
        nudged = await nudged_or_timeout(event, 5)
        return timed_out, nudged

    assert asyncio.run(go()) == (False, True)
