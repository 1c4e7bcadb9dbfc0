"""Query worker processes: fast answers from memory, runaways really stopped.

Why processes: pyoxigraph cannot cancel a query, so a thread evaluating a
runaway ORDER BY or aggregate burns a core until Oxigraph is done, however
long that is. A process can be killed. And why an in-memory copy: on the
same data pyoxigraph's in-memory store answers scan-heavy questions several
times faster than its on-disk store, and the on-disk store admits one process.

How: the server dumps the store (N-Quads, a consistent snapshot) to a
temporary file and starts a *zygote* (``python -m sira_kg.endpoint.workers``)
that loads it into an in-memory store and then only forks. Each fork is a
worker that shares the zygote's memory copy-on-write, connects back to the
server over a Unix socket, and answers one job at a time with
:func:`sira_kg.endpoint.evaluation.evaluate`. When a job passes its deadline,
the server kills that worker (through a pidfd, never a recycled pid) and asks
the zygote for a new one, which is ready in milliseconds.

The copy is as fresh as :attr:`GraphStore.generation` says: after a write the
pool is rebuilt in the background, and until it is ready queries are answered
by a :class:`~sira_kg.endpoint.evaluation.ThreadEvaluator` on the store itself,
so that a client always reads its own writes.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.evaluation import (
    Answer,
    QueryFailed,
    QueryJob,
    ThreadEvaluator,
    evaluate,
    timeout_error,
)

log = logging.getLogger("sira_kg.endpoint")

_HEADER = struct.Struct("!Q")
STARTUP_TIMEOUT = 600.0  # loading a large snapshot takes a while


# -- messages: an 8-byte length, then a pickle ---------------------------------------


def _send(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket, deadline: float | None = None) -> object:
    (length,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    return pickle.loads(_recv_exact(sock, length, deadline))


# -- the server side ------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    sock: socket.socket
    pid: int
    pidfd: int | None

    def kill(self) -> None:
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:  # pragma: no cover - kernels without pidfd
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            if self.pidfd is not None:
                os.close(self.pidfd)
                self.pidfd = None


class PoolClosed(Exception):
    """The pool was retired (the store changed) before a worker was free."""


class _Pool:
    """A zygote and its workers over one snapshot (one store generation)."""

    def __init__(self, store: GraphStore, size: int) -> None:
        self.size = size
        self.generation = store.generation
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.dir = tempfile.mkdtemp(prefix="sira-kg-workers-")
        try:
            dump = os.path.join(self.dir, "snapshot.nq")
            started = time.monotonic()
            store.ox.dump(output=dump, format=_n_quads(), from_graph=None)
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address = os.path.join(self.dir, "workers.sock")
            self.listener.bind(address)
            self.listener.listen(64)
            self.zygote = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sira_kg.endpoint.workers",
                    dump,
                    self.listener.getsockname(),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C in a terminal reaches only the server
            )
            assert self.zygote.stdout is not None
            line = self.zygote.stdout.readline()
            if line.strip() != b"ready":
                raise RuntimeError("the query worker zygote did not start")
            os.unlink(dump)
            self.listener.settimeout(60)
            for _ in range(size):
                self._spawn()
            log.info(
                "query workers ready: %d processes on an in-memory copy (generation %d, %.1f s)",
                size,
                self.generation,
                time.monotonic() - started,
            )
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> None:
        """Ask the zygote for one more worker and wait until it has connected."""
        with self._lock:
            if self._closed:
                return
            assert self.zygote.stdin is not None
            self.zygote.stdin.write(b"fork\n")
            self.zygote.stdin.flush()
            sock, _ = self.listener.accept()
        sock.settimeout(None)
        pid = _recv(sock, time.monotonic() + 60)
        assert isinstance(pid, int)
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # pragma: no cover - old kernels
            pidfd = None
        worker = _Worker(sock, pid, pidfd)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self.all.add(worker)
        self.idle.put(worker)

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self.all.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        self._forget(worker)
        try:
            self._spawn()
        except Exception:  # the pool is closing, or the zygote died: the next rebuild fixes it
            log.exception("could not replace a query worker")

    def run(self, job: QueryJob, deadline: float) -> Answer:
        """Answer ``job`` in a worker; :class:`PoolClosed` if the pool retires meanwhile."""
        worker = None
        while worker is None:
            if self._closed:
                raise PoolClosed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryFailed(
                    503,
                    f"the endpoint is busy: all {self.size} query workers stayed taken for the "
                    f"query time limit of {job.timeout:g} s; try again later",
                )
            try:
                worker = self.idle.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                continue
        try:
            _send(worker.sock, (job, deadline - time.monotonic()))
            reply = _recv(worker.sock, deadline)
        except TimeoutError:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise timeout_error(job.timeout) from None
        except (EOFError, OSError, pickle.UnpicklingError):
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise QueryFailed(
                503,
                "the query could not be evaluated: its worker process ended (out of memory?); "
                "narrow the query",
            ) from None
        if self._closed:
            self._forget(worker)
        else:
            self.idle.put(worker)
        kind, *rest = reply  # type: ignore[misc]
        if kind == "ok":
            return Answer(*rest)
        raise QueryFailed(*rest)

    def close(self, graceful: bool = False) -> None:
        """Stop the pool; ``graceful`` lets busy workers finish their query first."""
        with self._lock:
            self._closed = True
            if graceful:
                workers = []
                while True:
                    try:
                        workers.append(self.idle.get_nowait())
                    except queue.Empty:
                        break
                self.all.difference_update(workers)
            else:
                workers, self.all = list(self.all), set()
        for worker in workers:
            worker.kill()
        zygote = getattr(self, "zygote", None)
        if zygote is not None:
            if zygote.stdin is not None:
                try:
                    zygote.stdin.close()
                except OSError:
                    pass
            try:
                zygote.wait(5)
            except subprocess.TimeoutExpired:
                zygote.kill()
                zygote.wait(5)
            if zygote.stdout is not None:
                zygote.stdout.close()
        listener = getattr(self, "listener", None)
        if listener is not None:
            listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ProcessEvaluator:
    """Evaluates queries in worker processes over an in-memory copy of ``store``.

    ``run`` never waits for a copy: while none is ready or the store has been
    written since, it answers from the store itself through threads. The
    processes start with the first query (or :meth:`refresh`), so that an app
    that never answers SPARQL never starts them.
    """

    def __init__(self, store: GraphStore, size: int) -> None:
        self.store = store
        self.size = size
        self.fallback = ThreadEvaluator(store, slots=size)
        self._pool: _Pool | None = None
        self._lock = threading.Lock()
        self._building = False
        self._closed = False
        self._retry_after = 0.0  # no pool yet: the first query (or serve) starts one

    @property
    def ready(self) -> bool:
        pool = self._pool
        return pool is not None and pool.generation == self.store.generation

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        while True:
            pool = self._pool
            if pool is None or pool.generation != self.store.generation:
                self.refresh()
                remaining = deadline - time.monotonic()
                return self.fallback.run(replace(job, timeout=max(remaining, 0.001)))
            try:
                return pool.run(job, deadline)
            except PoolClosed:
                continue

    def refresh(self) -> None:
        """Start building a pool over the current store, unless one is being built."""
        with self._lock:
            if self._building or self._closed:
                return
            self._building = True
        threading.Thread(target=self._build, name="query-workers", daemon=True).start()

    def _build(self) -> None:
        while True:
            if time.monotonic() < self._retry_after:
                with self._lock:
                    self._building = False
                return
            try:
                pool = _Pool(self.store, self.size)
            except Exception:
                log.exception("query workers could not start; queries run in server threads")
                self._retry_after = time.monotonic() + 60
                with self._lock:
                    self._building = False
                return
            with self._lock:
                old, self._pool = self._pool, pool
                if self._closed:
                    self._pool = None
                    old, pool = pool, None
                again = not self._closed and pool is not None and not self.ready
                if not again:
                    self._building = False
            if old is not None:
                old.close(graceful=True)
            if not again:
                return

    def worker_pids(self) -> list[int]:
        """Process ids of the zygote (first) and workers of the current pool, for monitoring."""
        pool = self._pool
        if pool is None:
            return []
        with pool._lock:
            return [pool.zygote.pid] + sorted(w.pid for w in pool.all)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the workers serve the current store (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready:
                return True
            if time.monotonic() < self._retry_after:  # the last start failed
                return False
            if not self._building:
                self.refresh()
            time.sleep(0.02)
        return self.ready

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


def _n_quads():  # noqa: ANN202
    import pyoxigraph as ox

    return ox.RdfFormat.N_QUADS


# -- the zygote and worker side --------------------------------------------------------


def _worker(store: GraphStore, address: str) -> None:
    """Answer jobs from the server until it closes the connection."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address)
    _send(sock, os.getpid())
    while True:
        try:
            job, remaining = _recv(sock)
        except (EOFError, OSError):
            return
        try:
            answer = evaluate(store, job, time.monotonic() + remaining)
            reply: tuple = ("ok", answer.body, answer.content_type)
        except QueryFailed as exc:
            reply = ("error", exc.status, exc.message)
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
            reply = ("error", 500, f"internal error while evaluating the query: {exc}")
        try:
            _send(sock, reply)
        except OSError:
            return


def _zygote(dump: str, address: str) -> None:
    """Load the snapshot, say ``ready``, then fork a worker per ``fork`` line on stdin."""
    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    oxstore = ox.Store()
    oxstore.load(path=dump, format=ox.RdfFormat.N_QUADS)
    store = GraphStore(oxstore, None)
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    for line in sys.stdin.buffer:
        if line.strip() != b"fork":
            continue
        if os.fork() == 0:
            code = 0
            try:
                sys.stdin.close()
                sys.stdout.close()
                _worker(store, address)
            except BaseException:  # noqa: BLE001 - a worker never returns into the zygote loop
                code = 1
            finally:
                os._exit(code)


if __name__ == "__main__":
    try:
        _zygote(sys.argv[1], sys.argv[2])
    except (BrokenPipeError, KeyboardInterrupt):  # the server went away first
        sys.exit(0)
