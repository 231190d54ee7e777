"""The built-in indicator systems and the two reference reports, as perf-eval/1 documents (see README.md here)."""

from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent
