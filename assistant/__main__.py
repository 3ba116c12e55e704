import os

# One BLAS thread: the query embedding is ~10x faster single-threaded on small inputs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402

raise SystemExit(main())
