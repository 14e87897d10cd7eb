"""WikiVice: see what happens behind a Wikipedia article."""

from __future__ import annotations

__version__ = "0.1.0"
