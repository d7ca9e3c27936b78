"""A request never holds a database connection while it waits for a worker thread.

Starlette runs the sign-in check and the endpoint in two separate hops to its thread pool.
A connection taken in the first hop and kept until the second deadlocks a busy server:
every worker thread waits for a connection while every connection's request waits for a
worker thread, until the pool's timeout answers 503 (found under 50 connections of load
arriving while the previous 50 were still being answered).

The pool's timeout is long because a deadlock never ends, while the requests queued on the
one connection legitimately wait for each other's audit commits: on a machine whose disk
is slow to flush, 24 of those took more than 5 seconds and failed the test for no defect."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import sign_in

THREADS, CONNECTIONS, REQUESTS, POOL_TIMEOUT_SECONDS = 2, 1, 24, 120


def _narrow_limiter() -> None:
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS


def test_more_requests_than_threads_and_connections_all_answer(casework: Workspace) -> None:
    url = casework.engine.url.render_as_string(hide_password=False)
    engine = create_engine(
        url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=POOL_TIMEOUT_SECONDS
    )
    try:
        with TestClient(create_app(engine), raise_server_exceptions=False) as client:
            headers = sign_in(client, "analyst")
            assert client.portal is not None
            client.portal.call(_narrow_limiter)

            def view(_: int) -> int:
                return client.get("/api/v1/intelligence/1", headers=headers).status_code

            with ThreadPoolExecutor(REQUESTS) as pool:
                statuses = list(pool.map(view, range(REQUESTS)))
        assert statuses == [200] * REQUESTS
    finally:
        engine.dispose()
