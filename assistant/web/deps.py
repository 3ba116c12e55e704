"""The web layer's services in one object, built once from settings and passed to every route and page."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.to_thread

from assistant.errors import InputError
from assistant.models import Answer, DivisionId
from assistant.rules import divisions as div
from assistant.rules.pipeline import Engine
from assistant.settings import Settings

from .quotas import Quotas
from .security import invalid_text_message
from .sites import Site, Sites, load_sites
from .store import QAStore

if TYPE_CHECKING:
    from assistant.forms.service import FormService
    from assistant.notices.watch import CorpusWatcher

log = logging.getLogger(__name__)
T = TypeVar("T")
# Answers at once (most of them waiting on the model in LLM mode), beside anyio's 40 default threads.
ANSWER_THREADS = 64


@dataclass
class WebServices:
    settings: Settings
    assistant: Engine
    store: QAStore
    sites: Sites
    quotas: Quotas = field(default_factory=Quotas)
    forms: FormService | None = None
    corpus: CorpusWatcher | None = None  # shared mode: follows the database's notices
    ready: threading.Event = field(default_factory=threading.Event)
    _cpu: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1))
    _answer_limiter: anyio.CapacityLimiter | None = None

    def __setattr__(self, name: str, value: object) -> None:
        """Whatever engine is served (also one rebuilt when a notice is added) takes the CPU slot."""
        if name == "assistant" and isinstance(value, Engine):
            value.cpu = self.cpu_slot
        super().__setattr__(name, value)

    @contextmanager
    def cpu_slot(self) -> Iterator[None]:
        """Retrieval and extractive answering are CPU-bound Python: run them one after another, not
        time-sliced. Under the GIL twenty interleaved answers all finish late; queued, most finish
        early. The engine takes the slot only around those stages: an answer waiting on the model
        (LLM mode) holds no slot."""
        with self._cpu:
            yield

    async def answering(self, work: Callable[[], T]) -> T:
        """Run an answer (which may wait on the model for LLM_TIMEOUT) on threads of its own, so
        answers can never take the threads that /healthz, the 申报书 API and the console need."""
        if self._answer_limiter is None:  # created on the event loop, at first use
            self._answer_limiter = anyio.CapacityLimiter(ANSWER_THREADS)
        return await anyio.to_thread.run_sync(work, limiter=self._answer_limiter)

    def scope(self, division: str | None, site: Site | None) -> tuple[DivisionId | None, bool]:
        """The division an answer is scoped to, and whether that scope is a lock.

        A site's own division wins over the request's and is a lock: its widget answers for that
        division only. The page's selection is a preference: a question naming another division
        is answered for the division it names (and the answer says so)."""
        if site is not None and site.division:
            return site.division, True
        return div.parse(division), False

    def check_cost(self, question: object) -> None:
        """Refuse text no part can store or search (lone surrogates), and bound one question's cost: answering time grows with its distinct characters, and one
        client's pathological input must not hold the single answer queue for everyone."""
        problem = invalid_text_message(question)
        if problem:
            raise InputError(problem)
        limit = self.settings.question_max_distinct_chars
        distinct = len(set(question)) if isinstance(question, str) else 0
        if distinct > limit:
            raise InputError(
                f"问题包含的不同字符过多（{distinct} 个，上限 {limit} 个），请只保留您要问的内容，或拆成几个简短的问题。"
            )

    def record(self, answer: Answer, scope: DivisionId | None, channel: str, request_id: str | None = None) -> str:
        """Log an answer (once per `request_id`, the front proxy's id); a logging failure never costs the applicant the answer."""
        try:
            return self.store.log(answer, scope=scope, channel=channel, request_id=request_id)
        except Exception:  # noqa: BLE001 - the answer matters more than its log line
            log.exception("could not log an answer")
            return ""

    def ask(self, question: str, division: str | None, *, channel: str, site: Site | None = None,
            id: str | None = None, history: Sequence[object] | None = None,
            request_id: str | None = None) -> tuple[Answer, str]:
        """Answer (with the conversation's earlier turns), log, and return the answer with its log id."""
        self.check_cost(question)
        problem = invalid_text_message([division or "", *(t for t in history or () if isinstance(t, (str, dict)))])
        if problem:
            raise InputError(problem)
        scope, locked = self.scope(division, site)
        answer = self.assistant.ask(question, scope, history, id=id, locked=locked)  # takes the CPU slot itself
        return answer, self.record(answer, scope, channel, request_id)

    def warm_up(self) -> None:
        """Load the lazy parts (tokenizer, embedding weights, vector store) before serving.

        The embedding model loads its weights on first use without a lock: if twenty request
        threads get there first, each loads them, and the first answers take tens of seconds.
        """
        try:
            self.assistant.index.embedder.query("数据要素大赛报名")
            for question in ("山西分赛一等奖奖金是多少", "参赛单位需要满足什么条件？"):
                self.assistant.ask(question)
        except Exception:  # noqa: BLE001 - a failed warm-up shows up again on the first real question
            log.exception("warm-up failed")
        self.ready.set()


def build_services(settings: Settings, *, progress: bool = True) -> WebServices:
    """Stores, quotas, sites and the assistant (wired to the approved answers) from settings: embedded in
    DATA_DIR by default, the shared PostgreSQL (and Redis for quotas) when DATABASE_URL (REDIS_URL) is set."""
    from assistant.notices.watch import open_corpus
    from assistant.services import build_assistant

    sites = load_sites(settings.sites_file)  # before the slow part, so a mistake there shows at once
    settings.ensure_dirs()
    store = QAStore.from_settings(settings)  # and the quotas: a shared store that is down shows at once too
    quotas = Quotas.from_settings(settings)
    corpus = open_corpus(settings)  # shared mode: the database's notices mirrored before the engine reads them
    assistant = build_assistant(settings, progress=progress, approved=store)
    store.use_words(assistant.index.tokenizer.raw_words)
    services = WebServices(settings=settings, assistant=assistant, store=store, sites=sites, quotas=quotas,
                           forms=_build_forms(settings), corpus=corpus)
    if corpus is not None:
        from .corpus import rebuild_engine

        corpus.start(lambda: rebuild_engine(services))
    return services


def _build_forms(settings: Settings) -> FormService | None:
    """The 申报书 agent, offline (deterministic parsing); None if it cannot be built."""
    try:
        from assistant.forms.service import FormService
    except ImportError:
        log.warning("assistant.forms.service is not available: the 申报书 tab is disabled")
        return None
    return FormService.from_settings(settings)
