"""The recursive mode's REPL: model-written code runs in a separate, restricted, limited process.

    from core.sandbox import Sandbox, SandboxLimits

    with Sandbox(text, pages, llm_query=ask, limits=SandboxLimits(wall_s=30)) as repl:
        result = repl.run('import re\\nprint(len(re.findall(r"Chapter", context)))')
        result.stdout, result.error, result.variables, result.final

See policy.py for what the code may do and child.py for the process limits.
"""

from core.sandbox.limits import ALLOWED_IMPORTS, SandboxLimits
from core.sandbox.repl import CellResult, Sandbox

__all__ = ["ALLOWED_IMPORTS", "CellResult", "Sandbox", "SandboxLimits"]
