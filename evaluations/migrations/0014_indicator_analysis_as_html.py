"""Indicator analyses become HTML like the report sections (0012): each stored plain-text paragraph (one per line) a
<p>, its text escaped; the drafter's last text (analysis_drafted) the same way, so an untouched draft still reads as
the drafter's and 起草全部 may refresh it without asking.

The rule is copied here on purpose (a migration must not change when evaluations.narrative_html does); a text
already holding HTML is left as it is. Nothing to undo: the editor and the report read both.
"""

import html
import re

from django.db import migrations

TAG_LIKE = re.compile(r"<(?:/?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|!--)>?", re.S)
EDGE_SPACE = " \t\n\r\f\xa0\u3000"
FIELDS = ("analysis", "analysis_drafted")


def _as_html(text: str) -> str:
    lines = (line.strip(EDGE_SPACE) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


def analyses_to_html(apps, schema_editor):
    EvaluationIndicator = apps.get_model("evaluations", "EvaluationIndicator")
    changed = []
    rows = EvaluationIndicator.objects.exclude(analysis="", analysis_drafted="").only("pk", *FIELDS)
    for indicator in rows.iterator(chunk_size=500):
        touched = False
        for name in FIELDS:
            text = getattr(indicator, name)
            if text and not TAG_LIKE.search(text):
                setattr(indicator, name, _as_html(text))
                touched = True
        if touched:
            changed.append(indicator)
    EvaluationIndicator.objects.bulk_update(changed, list(FIELDS), batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0013_cover_firm_and_research_record")]

    operations = [migrations.RunPython(analyses_to_html, migrations.RunPython.noop)]
