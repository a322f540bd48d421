"""TCB Links: WeChat CloudBase cloud file IDs in, working download links (or files) out."""

__version__ = "0.1.0"

# httpx imports its own command line (httpx._main: click, rich, pygments) on import, a
# third of `tcb-gui resolve`'s start-up; this program never runs it. A None entry makes
# that import fail, which httpx handles (its `main` then asks for the cli extra).
import sys as _sys

_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
