"""screen: eligibility screening for the PRECIOUS trial (JBCRG-M05, NCT02514681).

The public API, imported lazily so that `screen --help` starts fast:
`load_criteria(path=None)`, `screen_file(path, criteria, as_of=None)`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_criteria", "screen_file"]


def __getattr__(name: str) -> Any:
    if name == "load_criteria":
        from screen.load import load_criteria

        return load_criteria
    if name == "screen_file":
        from screen.screening import screen_file

        return screen_file
    raise AttributeError(name)
