"""The live session page: its Server-Sent Events stream sends who has checked in and the posts, and
wakes when the research view moves, in this process (embedded) or from another through Redis."""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from infra.wiring import Runtime
from tests.conftest import make_bureau, open_runtime, sqlite_settings
from tests.web_research.test_research_pages import World
from tests.web_research.test_research_pages import world as world  # the fixture, by its name


class Watcher:
    """A browser's EventSource: reads the stream in its own thread (as a server would serve it)."""

    def __init__(self, response: Any) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.response = response
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for chunk in self.response.response:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            if text.startswith("id:") and "event: session" in text:
                self.events.put(json.loads(text.split("data: ", 1)[1]))

    def next_event(self) -> dict[str, Any]:
        return self.events.get(timeout=30)


def test_the_hosts_stream_shows_a_check_in_and_a_post_as_they_happen(world: World) -> None:
    web = world.web
    host = web.browser("hn-teacher")
    path = f"/research/sessions/{world.session}"
    assert f'data-live-url="{path}/live"' in host.text(path)
    response = host.get(f"{path}/live")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    watcher = Watcher(response)
    first = watcher.next_event()
    assert first["attendees"] == []
    assert first["live"] is True

    phone = web.browser("hn-teacher2")
    assert phone.post(f"{path}/sign-up").status_code == 302
    assert phone.post(f"{path}/check-in").status_code == 302
    assert phone.post(f"{path}/posts", {"text": "<b>先看教案</b>"}).status_code == 302
    web.runtime.catch_up()  # the runner's batch wakes the waiting stream
    seen = watcher.next_event()
    while not seen["posts"]:  # the check-in and the post may arrive as two events
        seen = watcher.next_event()
    assert [(a["name"], a["late"]) for a in seen["attendees"]] == [("李老师", True)]
    assert [(p["author"], p["text"]) for p in seen["posts"]] == [("李老师", "<b>先看教案</b>")]


def test_another_bureau_gets_no_stream(world: World) -> None:
    outsider = world.web.browser("yy-teacher")
    assert outsider.get(f"/research/sessions/{world.session}/live").status_code == 404


@pytest.mark.redis
def test_a_worker_waiting_for_the_view_wakes_when_a_runner_elsewhere_commits(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    settings = sqlite_settings(tmp_path, JGT_REDIS_URL=redis_url, JGT_REDIS_PREFIX=redis_prefix)
    runner_side, web_side = open_runtime(settings), open_runtime(settings)
    try:
        web_side.listen_for_positions()
        positions = web_side.positions
        assert positions is not None
        positions.clock = lambda: 0.0  # never stale: only Redis can tell it something new
        before = web_side.positions_of("communities")
        woke: list[int] = []
        waiter = threading.Thread(
            target=lambda: woke.append(web_side.wait_for_view("communities", before, 20.0)),
            daemon=True,
        )
        waiter.start()
        deadline = time.monotonic() + 20
        make_bureau(runner_side, "hn", "海宁市教育局")
        while waiter.is_alive() and time.monotonic() < deadline:
            runner_side.catch_up()  # publishes each batch (again, until the listener is in)
            time.sleep(0.05)
        waiter.join(timeout=1)
        assert woke
        assert woke[0] > before
    finally:
        runner_side.close()
        web_side.close()


def test_a_stream_in_this_process_wakes_on_the_runners_batch(sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    before = runtime.positions_of("directory")
    woke: list[int] = []
    waiter = threading.Thread(
        target=lambda: woke.append(runtime.wait_for_view("directory", before, 20.0)),
        daemon=True,
    )
    waiter.start()
    make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    waiter.join(timeout=20)
    assert woke
    assert woke[0] > before
