"""Several action-server worker processes on one port, and a worker that dies is replaced.

Sanic 21.12 (the version rasa-sdk 3.6 and Rasa 3.6 pin) runs `--workers N` with
`sanic.server.runners.serve_multiple`: it binds one socket, forks N processes that all accept on it, and
then only joins them. A worker that is killed (out of memory, SIGKILL, a crash in a C extension) is
never started again: the server goes on with N-1 workers, and with 1 worker none (found by
`make bench-chaos`, fault "action"). Sanic 22.9 added a worker manager that restarts workers, but Rasa
3.6 cannot run on it.

`serve_supervised` is `serve_multiple` with a watch loop: the parent waits on the workers' sentinels and
forks a new worker in place of one that exited while the server was not stopping. The socket stays
bound in the parent, so connections that arrive meanwhile wait in its accept queue and the other workers
take them; only the requests the dead worker was answering fail (Rasa then marks the action failed, the
turn is not stored, bot/rasa_patches.py, and the client's retry with the same message id runs it again).
A worker that keeps dying right after start is restarted at most once a second (no fork storm).
`install()` makes `Sanic.run` use it (sanic.app imports the function by name).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import wait
from signal import SIG_BLOCK, SIG_DFL, SIG_SETMASK, SIG_UNBLOCK, SIGINT, SIGTERM, Signals, pthread_sigmask
from signal import signal as signal_func
from typing import Any, Dict, List

logger = logging.getLogger("actions.supervisor")

RESTART_INTERVAL = 1.0  # seconds between two starts of the same worker slot
STOP_MARGIN = 5.0  # seconds beyond Sanic's graceful shutdown time before a worker is killed


def serve_supervised(server_settings: Dict[str, Any], workers: int) -> None:
    from sanic.server import serve
    from sanic.server.events import trigger_events
    from sanic.server.socket import bind_socket, bind_unix_socket, remove_unix_socket

    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)

    sock = server_settings.get("sock")
    unix = server_settings["unix"]
    backlog = server_settings["backlog"]
    if unix:
        sock = bind_unix_socket(unix, backlog=backlog)
        server_settings["unix"] = unix
    if sock is None:
        sock = bind_socket(server_settings["host"], server_settings["port"], backlog=backlog)
        sock.set_inheritable(True)
        server_settings["sock"] = sock
        server_settings["host"] = None
        server_settings["port"] = None

    mp = multiprocessing.get_context("fork")
    processes: List[Any] = [None] * workers
    started: List[float] = [0.0] * workers
    stopping = False

    def start(slot: int) -> None:
        process = mp.Process(target=_worker, args=(serve, server_settings))
        process.daemon = True
        # the child is forked with SIGTERM blocked and unblocks it once its handlers are reset (_worker): a
        # signal in between waits instead of running the parent's handler in the child
        held = pthread_sigmask(SIG_BLOCK, {SIGTERM, SIGINT})
        try:
            process.start()
        finally:
            pthread_sigmask(SIG_SETMASK, held)
        processes[slot], started[slot] = process, time.monotonic()

    signalled: set = set()

    def stop_workers() -> None:
        for process in processes:
            if process is not None and process.pid not in signalled and process.is_alive():
                signalled.add(process.pid)
                os.kill(process.pid, SIGTERM)

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        logger.info("Received signal %s. Shutting down.", Signals(signum).name)
        stopping = True
        stop_workers()

    signal_func(SIGINT, on_signal)
    signal_func(SIGTERM, on_signal)
    for slot in range(workers):
        start(slot)

    while not stopping:
        wait([p.sentinel for p in processes if p is not None], timeout=1.0)
        if stopping:
            break
        waiting = False
        for slot, process in enumerate(processes):
            if process.is_alive():
                continue
            if time.monotonic() - started[slot] < RESTART_INTERVAL:
                waiting = True
                continue
            process.join()
            logger.warning("action-server worker %s exited (code %s): starting a new one", process.pid,
                           process.exitcode)
            start(slot)
        if waiting:
            time.sleep(0.1)

    stop_workers()  # one started while the signal was being handled
    # bounded: a worker gets Sanic's graceful shutdown time and a margin, then SIGKILL (a supervisor that waits
    # on a child for good never stops: seen once in four CI runs, a worker that did not act on its SIGTERM)
    grace = _grace(server_settings)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            logger.warning("action-server worker %s did not stop within %.0f s of SIGTERM: killing it", process.pid,
                           grace)
            process.kill()
            process.join()
    for process in processes:
        process.terminate()
    trigger_events(main_stop, loop)
    sock.close()
    loop.close()
    remove_unix_socket(unix)


def _worker(serve: Any, server_settings: Dict[str, Any]) -> None:
    """One worker, with two races of Sanic 21.12's workers closed (both left a worker serving after its
    SIGTERM, and the parent waiting for it for good; seen in tests/actions/test_supervisor.py):
      * a SIGTERM before Sanic installs its handler ran the parent's handler, inherited by fork: the
        worker is forked with the signal blocked, resets the handlers to the default, then unblocks it,
        so such a signal ends the worker;
      * a SIGTERM after Sanic's handler is installed but before `loop.run_forever()` makes `app.stop()`
        stop the `run_until_complete` of the start-up listeners instead, and marks the app stopping, so
        no later signal stops it again: `run_forever` returns at once when the app is already stopping.
    The worker also asks the kernel for SIGTERM when the parent dies (PR_SET_PDEATHSIG), so a parent
    killed with SIGKILL leaves no orphaned workers serving the port."""
    signal_func(SIGTERM, SIG_DFL)
    signal_func(SIGINT, SIG_DFL)
    pthread_sigmask(SIG_UNBLOCK, {SIGTERM, SIGINT})  # blocked across the fork (serve_supervised.start)
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request
        os._exit(0)
    threading.Thread(target=_exit_when_orphaned, args=(parent, _grace(server_settings)), daemon=True,
                     name="orphan-watch").start()
    app = server_settings["app"]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    run_forever = loop.run_forever

    def run_forever_unless_stopping() -> None:
        if not app.is_stopping:
            run_forever()

    loop.run_forever = run_forever_unless_stopping  # type: ignore[method-assign]
    serve(**{**server_settings, "loop": loop})


def _grace(server_settings: Dict[str, Any]) -> float:
    """How long a worker may take to stop after SIGTERM: Sanic's graceful shutdown time and a margin."""
    config = getattr(server_settings.get("app"), "config", None)
    return float(getattr(config, "GRACEFUL_SHUTDOWN_TIMEOUT", 15.0) or 15.0) + STOP_MARGIN


def _exit_when_orphaned(parent: int, grace: float) -> None:
    """The worker's last resort: the parent is gone (PR_SET_PDEATHSIG sent SIGTERM) and the worker is still
    here after the graceful time: it ends itself. Seen once in five CI runs: a worker that had not acted on
    that SIGTERM kept serving with no supervisor above it."""
    while os.getppid() == parent:
        time.sleep(1.0)
    time.sleep(grace)
    logger.warning("action-server worker %s: the supervisor is gone and the worker did not stop: exiting", os.getpid())
    os._exit(0)


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's normal exit still stops its workers
        pass


def install() -> None:
    """Make `Sanic.run(workers=N>1)` supervise its workers."""
    import sanic.app

    sanic.app.serve_multiple = serve_supervised
