"""Indexes for the lists at province scale (issue 14).

Trigram (pg_trgm GIN) indexes serve the searches, which Django writes as UPPER(column::text) LIKE UPPER('%…%'):
the evaluation list's search (title, the unit's and the project's name) and the admin searches on large tables.
PostgreSQL only: SQLite has neither the extension nor GIN, and its databases are small; nothing here is part of
the models' state, so makemigrations stays clean on both.
"""

from django.db import migrations

# (index name, table, column) searched with icontains.
TRIGRAM_INDEXES = [
    ("evaluation_title_trgm", "evaluations_evaluation", "title"),
    ("organisation_name_trgm", "evaluations_organisation", "name"),
    ("project_name_trgm", "evaluations_project", "name"),
    ("indicator_name_trgm", "evaluations_evaluationindicator", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0018_profile_and_review_signatures")]

    operations = [migrations.RunPython(create, drop)]
