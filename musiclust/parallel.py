"""Run one function over many inputs in worker processes or on a Dask cluster, results in input order.

At most a fixed window of calls is in flight at once, so memory stays bounded by
the window whatever the number of inputs, and a writer can append each result
the moment it arrives in order. Each worker process uses one BLAS, OpenMP and
torch thread: N workers on N cores would otherwise start N threads each.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator

from .config import ConfigError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


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


def ordered_map(fn: Callable, jobs: Iterable[tuple], *, workers: int = 1, scheduler: str | None = None) -> Iterator:
    """``fn(*job)`` for each job of ``jobs``, yielded in order.

    Parameters
    ----------
    fn : callable
        A top-level (picklable) function; with a scheduler, importable on every Dask worker.
    jobs : iterable of tuple
        The arguments of each call, consumed lazily.
    workers : int >= 0
        1: calls in this process, one after another. N > 1: N local worker processes (spawned, so
        safe with torch). 0: one per core. With ``scheduler="local"``, the number of Dask worker
        processes; with a scheduler address, unused (the cluster's workers run the calls).
    scheduler : str, optional
        None: no Dask. ``"local"``: a ``dask.distributed.LocalCluster`` of ``workers`` processes with
        one thread each, on 127.0.0.1, closed at the end. Otherwise the address of a running Dask
        scheduler (``"tcp://host:8786"``); a ``Client`` connects to it and is closed at the end.

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
    workers = resolve_workers(workers)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f'scheduler: must be None, "local" or a Dask scheduler address, got {scheduler!r}')
    if scheduler is not None:
        return _dask_map(fn, jobs, workers, scheduler)
    if workers == 1:
        return (fn(*job) for job in jobs)
    return _process_map(fn, jobs, workers)


def _process_map(fn: Callable, jobs: Iterable[tuple], workers: int) -> Iterator:
    # spawn, not fork: a forked copy of a process that has started torch's threads can deadlock
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=limit_threads)
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
