"""What a web process would otherwise do on its first requests, done once before gunicorn forks its workers.

Django imports the URLconf (every view module, openpyxl, the rule engine …) on the first request and compiles each
template the first time it is used. With ``preload_app`` gunicorn's master loads the app and then forks; done here
in the master, every worker (and every worker recycled after ``max_requests``) starts with them in memory instead
of answering its first requests 0.5–1 s late.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.template import engines
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def template_names(engine) -> list[str]:
    """Every *.html under the engine's template directories (the project's and the apps')."""
    names = []
    for directory in engine.template_dirs:
        root = Path(directory)
        names += [str(path.relative_to(root)) for path in sorted(root.rglob("*.html"))]
    return names


def warm_up() -> int:
    """Import the URLconf and compile every template; returns the number of templates compiled."""
    get_resolver().url_patterns  # noqa: B018 - the property imports every view module
    compiled = 0
    for engine in engines.all():
        for name in template_names(engine):
            try:
                engine.get_template(name)
            except Exception:  # a warm-up never stops the server; the page reports the error itself
                logger.warning("warm-up could not compile template %s", name, exc_info=True)
                continue
            compiled += 1
    return compiled
