"""Report sections become HTML: each stored plain-text paragraph (one per line) a <p>, its text escaped.

The rule is copied here on purpose (a migration must not change when evaluations.narrative_html does); a section
already holding HTML is left as it is. Nothing to undo: the editor reads both.
"""

import html
import re

from django.db import migrations

TAG_LIKE = re.compile(r"<(?:/?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?|!--)>?", re.S)
EDGE_SPACE = " \t\n\r\f\xa0\u3000"


def _as_html(text: str) -> str:
    lines = (line.strip(EDGE_SPACE) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


def paragraphs_to_html(apps, schema_editor):
    NarrativeSection = apps.get_model("evaluations", "NarrativeSection")
    changed = []
    for section in NarrativeSection.objects.exclude(text="").only("pk", "text"):
        if TAG_LIKE.search(section.text):
            continue
        section.text = _as_html(section.text)
        changed.append(section)
    NarrativeSection.objects.bulk_update(changed, ["text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0011_explanations")]

    operations = [migrations.RunPython(paragraphs_to_html, migrations.RunPython.noop)]
