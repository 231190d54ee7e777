"""Admin lists and forms whose cost does not grow with the data (issue 14): shared by the three apps' admins.

A province holds tens of thousands of evaluations and millions of indicator rows. An admin list then must not
count its rows twice, sort them through a related model's Meta.ordering (a join over every row), or offer a
filter listing every evaluation; a change form must not render a select of every evaluation.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal

# A table with more rows than this (by PostgreSQL's statistics) shows the estimate on an unfiltered list.
ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """The unfiltered list of a very large table is counted from PostgreSQL's statistics (pg_class.reltuples,
    kept by ANALYZE) instead of a COUNT over a million rows; filtered and searched lists, smaller tables and
    SQLite count exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and not query.is_sliced and not query.distinct:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > ESTIMATE_ABOVE:
                    return int(row[0])
        return super().count


class ScaledAdmin(admin.ModelAdmin):
    """A list counted once (no "共 N 条" over the whole table beside a filtered count), in primary-key order (no join
    for a related Meta.ordering), estimated when unfiltered and huge; subclasses name their large foreign keys in
    raw_id_fields or autocomplete_fields."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-pk",)
    # The search fields (all local text columns) that have a bigram index on PostgreSQL (evaluations.models.search).
    bigram_search = False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if self.bigram_search and search_term and connections[queryset.db].vendor == "postgresql":
            # Each word must be in one of the fields (admin's icontains): then its bigrams are in that field's.
            # The same condition, index-answerable, narrows the rows the LIKEs read; no result changes.
            for word in smart_split(search_term):
                if word[0] in "\"'" and word[0] == word[-1]:
                    word = unescape_string_literal(word)
                if len(word) >= 2:
                    either = Q()
                    for field in self.get_search_fields(request):
                        either |= Q(**{f"{field}__bigrams": word})
                    queryset = queryset.filter(either)
        return queryset, may_have_duplicates


class RelatedIdFilter(admin.SimpleListFilter):
    """A filter on a foreign key to a large table (?<field>=pk): shows only the chosen object, so that it can be
    seen and cleared, instead of listing every row of the related table."""

    field = "evaluation"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit():
            return []
        related = model_admin.model._meta.get_field(self.field).related_model
        chosen = related._default_manager.filter(pk=value).first()
        return [(value, str(chosen) if chosen is not None else value)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.field}_id": value})
        return queryset


def related_id_filter(field: str, title: str) -> type[RelatedIdFilter]:
    """A RelatedIdFilter on ``field`` (a foreign key) titled ``title``."""
    attributes = {"field": field, "title": title, "parameter_name": field}
    return type(f"{field.title()}IdFilter", (RelatedIdFilter,), attributes)
