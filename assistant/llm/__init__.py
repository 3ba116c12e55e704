"""LLM mode as a LangChain retrieval chain (thin adapters; the engine stays framework-free).

- `chat.py`: the one chat-model factory (`ChatOpenAI`, any OpenAI-compatible endpoint) and the
  `complete()` adapter the form agent uses; every failure becomes `LLMError` in Chinese.
- `retriever.py`: the engine's hybrid, division-scoped retrieval as a `BaseRetriever`.
- `passages.py`: numbered passages fitted to the tiktoken budget.
- `checked_stream.py`: the model's stream held back sentence by sentence until grounded.
- `chain.py`: the LCEL chains (condense a follow-up; retrieve → prompt → model → grounding).
- `deadline.py`: one deadline over a whole answer (connect, first token, total).
- `path.py`: the backend the engine calls (condense; per-part answers, fallback, notes).
- `writer.py`: the answer as released, with its citation numbers; `cache.py`: the answer cache.
"""
