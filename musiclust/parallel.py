"""Run one function over many inputs in worker processes or on a Dask cluster, results in input order.

At most a fixed window of calls is in flight at once, so memory stays bounded by
the window whatever the number of inputs, and a writer can append each result
the moment it arrives in order. Each worker process uses one BLAS, OpenMP and
torch thread: N workers on N cores would otherwise start N threads each.

Local workers are forked from a fork server: one clean process, started once per parent
process, that imports the modules the work needs (torch, the function's own module, and any
the caller names) and then only forks. Each worker therefore
starts with those imports done, in milliseconds, instead of importing them itself for seconds
as a spawned process would, and serves every call of its map; a second map in the same process
forks from the same server. The server computes nothing (no torch, OpenMP or BLAS code runs in
it) and starts with one thread of each allowed, so no thread pool is copied half-way into a
worker: forking a process whose torch threads have run can deadlock. Where there is no fork
server (Windows), workers are spawned.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.forkserver
import os
import sys
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator

from .config import ConfigError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
WORKER_MODULES = ("torch", "threadpoolctl")
"""What every local worker imports (:func:`limit_threads`): the fork server imports them once."""

_FORKSERVER_LOCK = threading.Lock()


def resolve_workers(workers: int) -> int:
    """The number of worker processes ``workers`` asks for: itself, or every usable core when 0.

    Raises
    ------
    ConfigError
        (a ``ValueError``) If ``workers`` is not an integer >= 0.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ConfigError(f"workers: must be an integer >= 0 (0: every core), got {workers!r}")
    if workers == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return workers


def worker_count(workers: int, jobs: int | None = None) -> int:
    """How many workers to start: ``workers`` resolved (:func:`resolve_workers`), never more than ``jobs``.

    Parameters
    ----------
    workers : int >= 0
        As :func:`resolve_workers` takes it (0: every usable core).
    jobs : int >= 0, optional
        How many calls there are, when known. A worker more than there are calls would only
        cost its start-up.

    Returns
    -------
    int >= 1
        1 means: run the calls in this process.

    Examples
    --------
    >>> worker_count(4, 2), worker_count(2, 1), worker_count(2, 0), worker_count(3)
    (2, 1, 1, 3)
    """
    count = resolve_workers(workers)
    if jobs is not None:
        count = min(count, jobs)
    return max(count, 1)


@functools.cache
def limit_threads() -> None:
    """Limit this process to one BLAS, OpenMP and torch thread (once per process).

    The variables cover libraries loaded later; ``threadpoolctl`` those already loaded.
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)


def _call_with_one_thread(fn: Callable, *args) -> Any:
    # A Dask worker may run without a nanny (which would set the variables), so each task makes sure.
    limit_threads()
    return fn(*args)


def in_order(submit: Callable[[Any], Any], jobs: Iterable, *, window: int) -> Iterator:
    """Results of ``submit(job)`` futures, in the order of ``jobs``, with at most ``window`` pending.

    Parameters
    ----------
    submit : callable
        Starts one job and returns its future (anything with ``result()`` and ``cancel()``).
    jobs : iterable
        Consumed lazily: the next job is submitted only when a result has been taken.
    window : int >= 1
        The most futures submitted but not yet yielded.

    Yields
    ------
    The result of each job, in the order of ``jobs``; a job's exception is raised when its turn
    comes, and the futures still pending are cancelled.
    """
    pending: deque = deque()
    try:
        for job in jobs:
            pending.append(submit(job))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def ordered_map(fn: Callable, jobs: Iterable[tuple], *, workers: int = 1, scheduler: str | None = None,
                total: int | None = None, preload: Iterable[str] = ()) -> Iterator:
    """``fn(*job)`` for each job of ``jobs``, yielded in order.

    Parameters
    ----------
    fn : callable
        A top-level (picklable) function; with a scheduler, importable on every Dask worker.
    jobs : iterable of tuple
        The arguments of each call, consumed lazily.
    workers : int >= 0
        1: calls in this process, one after another. N > 1: N local worker processes, forked from
        a fork server that has imported what they need (safe with torch; see the module's notes).
        0: one per core. With ``scheduler="local"``, the number of Dask worker processes; with a
        scheduler address, unused (the cluster's workers run the calls).
    scheduler : str, optional
        None: no Dask. ``"local"``: a ``dask.distributed.LocalCluster`` of ``workers`` processes with
        one thread each, on 127.0.0.1, closed at the end. Otherwise the address of a running Dask
        scheduler (``"tcp://host:8786"``); a ``Client`` connects to it and is closed at the end.
    total : int >= 0, optional
        The number of jobs, when known: never more local workers than jobs
        (:func:`worker_count`), so that a single job runs in this process.
    preload : iterable of str
        Modules ``fn`` imports as it runs (lazily loaded ones, say), for the fork server to import
        once besides ``fn``'s own module, torch and threadpoolctl. Only the fork server's first
        start reads them (it lives as long as this process).

    Returns
    -------
    Iterator
        A generator; close it (``contextlib.closing``) to stop the workers early. At most twice as
        many calls as there are workers (threads, on a cluster) are in flight.

    Raises
    ------
    ConfigError
        (a ``ValueError``) At once, for a bad ``workers`` or ``scheduler``; when the first result
        is asked for, for a scheduler address that does not answer.
    """
    workers = worker_count(workers, total)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f'scheduler: must be None, "local" or a Dask scheduler address, got {scheduler!r}')
    if scheduler is not None:
        return _dask_map(fn, jobs, workers, scheduler)
    if workers == 1:
        return (fn(*job) for job in jobs)
    return _process_map(fn, jobs, workers, (fn.__module__, *preload))


def worker_context(preload: Iterable[str] = ()) -> multiprocessing.context.BaseContext:
    """The context local workers start from: a running fork server that has imported ``preload``.

    The fork server is one process per parent process, started on the first call with
    :data:`WORKER_MODULES`, this module and ``preload`` imported from this process's import path
    (so workers run this checkout's code), and with one BLAS and OpenMP thread allowed
    (:data:`THREAD_VARIABLES` set to 1 in its environment only, not in this process's), so that
    it holds no thread pool a fork would copy. It only ever imports and forks: torch never runs
    in it. Later calls find it running and import nothing more; a module it could not import, a
    worker imports itself. Without fork servers (Windows): ``spawn``, each worker importing for
    itself.

    Parameters
    ----------
    preload : iterable of str
        Module names (a ``__main__`` is left out: a worker runs its parent's main module itself).
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    modules = sorted({*WORKER_MODULES, __name__, *preload} - {"__main__", "__mp_main__"})
    # Python 3.11's fork server ignores the import path it is sent: it gets this one through PYTHONPATH.
    environment = {**dict.fromkeys(THREAD_VARIABLES, "1"), "PYTHONPATH": os.pathsep.join(str(p) for p in sys.path if p)}
    with _FORKSERVER_LOCK:
        context.set_forkserver_preload(modules)
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        try:
            multiprocessing.forkserver.ensure_running()  # starts it with this environment, or finds it
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return context


def _process_map(fn: Callable, jobs: Iterable[tuple], workers: int, preload: Iterable[str]) -> Iterator:
    pool = ProcessPoolExecutor(workers, mp_context=worker_context(preload), initializer=limit_threads)
    try:
        yield from in_order(lambda job: pool.submit(fn, *job), jobs, window=2 * workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_map(fn: Callable, jobs: Iterable[tuple], workers: int, scheduler: str) -> Iterator:
    from distributed import Client, LocalCluster  # only a scheduler needs Dask

    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            target = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      host="127.0.0.1", dashboard_address=None))
        else:
            target = scheduler
        try:
            client = stack.enter_context(Client(target))
        except OSError as exc:  # refused, or timed out (distributed.comm.timeouts.connect)
            raise ConfigError(f"scheduler: cannot connect to {scheduler!r}: {exc}") from exc
        threads = sum(client.nthreads().values())
        yield from in_order(lambda job: client.submit(_call_with_one_thread, fn, *job, pure=False), jobs,
                            window=2 * max(threads, 1))
