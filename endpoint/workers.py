"""The query worker: fast answers from memory, runaways really stopped.

Why a process: pyoxigraph cannot cancel a query, so a thread evaluating a
runaway ORDER BY or aggregate burns a core until Oxigraph is done, however
long that is. A process can be killed. Why an in-memory copy: on the same
data pyoxigraph's in-memory store answers scan-heavy questions several times
faster than its on-disk store, and the on-disk store admits one process.

How: the server dumps the store (N-Quads, a consistent snapshot) to a
temporary file and starts a *zygote* (``python -m sira_kg.endpoint.workers``)
that loads it into an in-memory store and then only forks. Its fork is the
worker process: it connects ``size`` slots back to the server over a Unix
socket and answers each in a thread with
:func:`sira_kg.endpoint.evaluation.evaluate` (pyoxigraph releases the GIL, so
the slots run in parallel). When a query passes its deadline the server kills
the worker process (through a pidfd, never a recycled pid), sends the other
queries it was running to its replacement, and the zygote forks that
replacement in milliseconds.

One worker process, not one per slot: reading Oxigraph's in-memory store
writes to its pages (reference counts), so copy-on-write sharing does not last
and each process ends up with its own copy (about 350 MiB per million
triples). The zygote keeps the pristine copy that makes a replacement instant.

The copy is as fresh as :attr:`GraphStore.generation` says: after a write the
copy is rebuilt in the background, and until it is ready queries are answered
by a :class:`~sira_kg.endpoint.evaluation.ThreadEvaluator` on the store itself,
so that a client always reads its own writes.

Size (about 510 lines, over the house's ~500 on purpose): the server side
and the zygote/worker side of one socket protocol, which must change
together; each is a section below.
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
    Job,
    QueryFailed,
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
class _Process:
    """The worker process, killed at most once, through a pidfd (never a recycled pid)."""

    pid: int
    pidfd: int | None
    killed: bool = False

    def kill(self) -> None:
        if self.killed:
            return
        self.killed = True
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                os.close(self.pidfd)
                self.pidfd = None
            else:  # pragma: no cover - kernels without pidfd
                os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass


@dataclass(eq=False)
class _Slot:
    """One connection to the worker process: one query at a time."""

    sock: socket.socket
    process: _Process


class PoolClosed(Exception):
    """The pool was retired (the store changed) before a slot was free."""


class _Pool:
    """The zygote and the current worker process over one snapshot (one store generation)."""

    def __init__(self, store: GraphStore, size: int) -> None:
        self.size = size
        self.generation = store.generation
        self.idle: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self.process: _Process | None = None
        self._lock = threading.Lock()
        self._spawn_lock = threading.Lock()
        self._busy = 0
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
                [sys.executable, "-m", "sira_kg.endpoint.workers", dump, address],
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
            self._spawn()
            log.info(
                "query worker ready: %d slots on an in-memory copy (generation %d, %.1f s)",
                size,
                self.generation,
                time.monotonic() - started,
            )
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> None:
        """Fork a worker process from the zygote and connect its ``size`` slots."""
        with self._spawn_lock:
            if self._closed:
                return
            assert self.zygote.stdin is not None
            self.zygote.stdin.write(b"fork %d\n" % self.size)
            self.zygote.stdin.flush()
            socks: list[socket.socket] = []
            pid = None
            while len(socks) < self.size:
                sock, _ = self.listener.accept()
                hello = _recv(sock, time.monotonic() + 60)
                if pid is None:
                    pid = hello
                if hello != pid:  # a late connection of an earlier, failed fork
                    sock.close()
                    continue
                socks.append(sock)
            assert isinstance(pid, int)
            try:
                pidfd: int | None = os.pidfd_open(pid)
            except (AttributeError, OSError):  # pragma: no cover - old kernels
                pidfd = None
            process = _Process(pid, pidfd)
            with self._lock:
                self.process = process
                closed = self._closed
            if closed:
                process.kill()
            for sock in socks:
                if closed:
                    sock.close()
                else:
                    self.idle.put(_Slot(sock, process))

    def _kill(self, process: _Process) -> None:
        """Kill ``process`` (a runaway is in it); fork its replacement in the background."""
        with self._lock:
            if process.killed:
                return
            process.kill()
            replace = process is self.process and not self._closed
        if replace:
            threading.Thread(target=self._respawn, daemon=True).start()

    def _respawn(self) -> None:
        try:
            self._spawn()
        except Exception:  # the zygote died: the next rebuild starts a new one
            log.exception("could not start a new query worker process")

    def _take(self, job: Job, deadline: float) -> _Slot:
        while True:
            if self._closed:
                raise PoolClosed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryFailed(
                    503,
                    f"the endpoint is busy: all {self.size} query slots stayed taken for the "
                    f"query time limit of {job.timeout:g} s; try again later",
                )
            try:
                slot = self.idle.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                continue
            if not slot.process.killed:
                return slot
            slot.sock.close()

    def run(self, job: Job, deadline: float) -> Answer:
        """Answer ``job`` in the worker; :class:`PoolClosed` if the pool retires meanwhile.

        A query whose process was killed for another query's sake is sent
        again to the new process, within its own deadline.
        """
        while True:
            slot = self._take(job, deadline)
            with self._lock:
                self._busy += 1
            try:
                _send(slot.sock, (job, deadline - time.monotonic()))
                reply = _recv(slot.sock, deadline)
            except TimeoutError:
                slot.sock.close()
                self._kill(slot.process)
                raise timeout_error(job.timeout) from None
            except (EOFError, OSError, pickle.UnpicklingError):
                slot.sock.close()
                if slot.process.killed and time.monotonic() < deadline:
                    continue  # killed for a runaway next to it: run again in the new process
                self._kill(slot.process)
                raise QueryFailed(
                    503,
                    "the query could not be evaluated: the worker process ended "
                    "(out of memory?); narrow the query",
                ) from None
            finally:
                with self._lock:
                    self._busy -= 1
                    last = self._closed and self._busy == 0
                if last and self.process is not None:
                    self.process.kill()  # a retired pool: its last query is done
            if self._closed:
                slot.sock.close()
            else:
                self.idle.put(slot)
            kind, *rest = reply  # type: ignore[misc]
            if kind == "ok":
                return Answer(*rest)
            raise QueryFailed(*rest)

    def close(self, graceful: bool = False) -> None:
        """Stop the pool; ``graceful`` lets queries in progress finish first."""
        with self._lock:
            self._closed = True
            process = self.process
            busy = self._busy
        while True:
            try:
                self.idle.get_nowait().sock.close()
            except queue.Empty:
                break
        if process is not None and (not graceful or busy == 0):
            process.kill()
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

    def run(self, job: Job) -> Answer:
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
            stale = self._pool
            if stale is not None and stale.generation != self.store.generation:
                # Retire the stale copy first: two copies at once would double the memory.
                with self._lock:
                    self._pool = None
                stale.close(graceful=True)
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
        """Process ids of the zygote and of the worker process of the current pool."""
        pool = self._pool
        if pool is None or pool.process is None:
            return []
        return [pool.zygote.pid, pool.process.pid]

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


def _serve(store: GraphStore, sock: socket.socket) -> None:
    """Answer the jobs of one slot until the server closes it."""
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
        except Exception as exc:  # noqa: BLE001 - reported to the server
            reply = ("error", 500, f"internal error while evaluating the query: {exc}")
        try:
            _send(sock, reply)
        except OSError:
            return


def _worker(store: GraphStore, address: str, slots: int) -> None:
    """Connect ``slots`` times to the server and answer each connection in a thread.

    pyoxigraph releases the GIL while it evaluates, so the slots' queries run
    in parallel over the one in-memory store of this process.
    """
    socks = []
    for _ in range(slots):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
        _send(sock, os.getpid())
        socks.append(sock)
    threads = [threading.Thread(target=_serve, args=(store, s), daemon=True) for s in socks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _zygote(dump: str, address: str) -> None:
    """Load the snapshot, say ``ready``, then fork a worker per ``fork N`` line on stdin."""
    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    oxstore = ox.Store()
    oxstore.load(path=dump, format=ox.RdfFormat.N_QUADS)
    store = GraphStore(oxstore, None)
    # The copy is never written: its labels can be indexed once, for every answer.
    from sira_kg.core.labels import build_index

    store.label_index = build_index(store)
    import sira_kg.endpoint.questions.routes  # noqa: F401 - the questions' jobs run here: import once

    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    for line in sys.stdin.buffer:
        command, _, count = line.strip().partition(b" ")
        if command != b"fork":
            continue
        if os.fork() == 0:
            code = 0
            try:
                sys.stdin.close()
                sys.stdout.close()
                _worker(store, address, int(count or 1))
            except BaseException:  # noqa: BLE001 - a worker never returns into the zygote loop
                code = 1
            finally:
                os._exit(code)


if __name__ == "__main__":
    try:
        _zygote(sys.argv[1], sys.argv[2])
    except (BrokenPipeError, KeyboardInterrupt):  # the server went away first
        sys.exit(0)
