"""Answers kept until the next write.

A SPARQL answer depends only on the query, the dataset parameters, the
response format and the data; the data changes only when
:attr:`GraphStore.generation` does. So an answer is kept, under a byte budget
(least recently used out first), and served again as long as the generation is
the same. Errors and timeouts are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sira_kg.core.store import GraphStore
from sira_kg.endpoint.evaluation import Answer, Job


class CachingEvaluator:
    """Wraps an evaluator (``.run(job) -> Answer``) with a cache of its answers."""

    def __init__(self, inner, store: GraphStore, max_bytes: int) -> None:  # noqa: ANN001
        self.inner = inner
        self.store = store
        self.max_bytes = max_bytes
        self.max_entry = max(max_bytes // 8, 1)
        self._entries: OrderedDict[tuple, Answer] = OrderedDict()
        self._bytes = 0
        self._generation = store.generation
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def run(self, job: Job) -> Answer:
        generation = self.store.generation  # read before evaluating: a write meanwhile wins
        key = job.cache_key()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return answer
            self.misses += 1
        answer = self.inner.run(job)
        size = len(answer.body) + _key_size(key)
        if size <= self.max_entry:
            with self._lock:
                if (
                    self._generation == generation == self.store.generation
                    and key not in self._entries
                ):
                    self._entries[key] = answer
                    self._bytes += size
                    while self._bytes > self.max_bytes:
                        old_key, old = self._entries.popitem(last=False)
                        self._bytes -= len(old.body) + _key_size(old_key)
        return answer

    def __getattr__(self, name: str):  # noqa: ANN204 - close(), wait_ready(), ready of the inner one
        return getattr(self.inner, name)


def _key_size(key: tuple) -> int:
    """About the bytes a key holds: its strings (the query; a store job's pickled arguments)."""
    return sum(len(part) for part in key if isinstance(part, str | bytes))
