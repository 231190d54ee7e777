"""Indexes for the lists at province scale (issue 14). PostgreSQL only: SQLite databases are small, and nothing
here is part of the models' state, so makemigrations stays clean on both.

- perf_bigrams(text): the distinct pairs of adjacent characters; GIN indexes on perf_bigrams(UPPER(column::text))
  serve the ``bigrams`` lookup (evaluations.models.search) that narrows the admin searches on large tables: the
  indicator's name, the findings', recommendations' and experiences' title and text (and the evaluation's title).
- The level-1 indicators' names and order in a small covering index, read by the bureau overview's averages
  without visiting a million indicator rows.
"""

from django.db import migrations

BIGRAMS = """
CREATE OR REPLACE FUNCTION perf_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) FROM generate_series(1, length(t) - 1) AS i
$$
"""

# (index name, table, column) searched with the bigrams lookup.
BIGRAM_INDEXES = [
    ("evaluation_title_bigrams", "evaluations_evaluation", "title"),
    ("indicator_name_bigrams", "evaluations_evaluationindicator", "name"),
    ("finding_title_bigrams", "evaluations_finding", "title"),
    ("finding_text_bigrams", "evaluations_finding", "text"),
    ("recommendation_title_bigrams", "evaluations_recommendation", "title"),
    ("recommendation_text_bigrams", "evaluations_recommendation", "text"),
    ("experience_title_bigrams", "evaluations_experience", "title"),
    ("experience_text_bigrams", "evaluations_experience", "text"),
]

LEVEL_ONE = (
    'CREATE INDEX IF NOT EXISTS "level_one_indicator_name" ON "evaluations_evaluationindicator" ("id") '
    'INCLUDE ("name", "order") WHERE "parent_id" IS NULL'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS)
    for name, table, column in BIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (perf_bigrams(UPPER("{column}"::text)))'
        )
    schema_editor.execute(LEVEL_ONE)
    for table in sorted({table for _, table, _ in BIGRAM_INDEXES}):  # statistics of the indexed expressions
        schema_editor.execute(f'ANALYZE "{table}"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [name for name, _, _ in BIGRAM_INDEXES] + ["level_one_indicator_name"]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS perf_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0018_profile_and_review_signatures")]

    operations = [migrations.RunPython(create, drop)]
