"""Nothing leaves this machine: the model libraries are told so before any of them is imported.

Every process Longread starts (the window, the command line, the engine, the document reader,
the REPL) calls `enforce()` first. The hub libraries then never look for updates, downloads or
telemetry; a model that is not already on disk fails with a readable error instead of being
fetched. The settings are forced, not defaulted: a stray `HF_HUB_OFFLINE=0` in the user's
environment does not turn the promise off.
"""

from __future__ import annotations

import os

# Read by huggingface_hub, transformers, sentence-transformers and datasets when they are imported.
FORCED = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    # transformers would otherwise load compute kernels published on the hub (code fetched at
    # run time) where the `kernels` package is installed.
    "USE_HUB_KERNELS": "NO",
}
# Quiet defaults the user may still override: our own progress display, no library chatter.
DEFAULTS = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    # Libraries' own bars drawn with plain tqdm (transformers' GGUF conversion) stay quiet too.
    "TQDM_DISABLE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def enforce() -> None:
    """Put the offline settings in this process's environment (and so its children's)."""
    os.environ.update(FORCED)
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
