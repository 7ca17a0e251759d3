"""What the local engine's fork server loads once, before it forks the workers (``set_forkserver_preload``).

The modules of the extractor (spaCy, thinc, our stages), and the built-in rule files: every worker then starts with
them in memory, instead of each reading and compiling the rules again (about 0.8 s of a worker's start). Kiwi is
not loaded here: a Kiwi inherited across a fork can hang, so each worker builds its own.

A failure here is not reported: the fork server must start whatever happens, and the driver has already refused
bad rule files; a worker that cannot load something fails on its own, with the real error.
"""
import os

# One thread per numeric library in every worker (the worker processes are the parallelism): set before numpy is
# first imported, which is here, since OpenBLAS reads it once when it loads. The NER model's products run on it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

try:
    import pipeline.engines.parts  # noqa: F401
    import pipeline.extractor  # noqa: F401
    from pipeline.ruleset import load_ruleset

    load_ruleset()
except Exception:  # noqa: BLE001
    pass
