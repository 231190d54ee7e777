"""An index for text searches on large tables (issue 14): ``field__bigrams=text`` (PostgreSQL only).

True when every pair of adjacent characters of the text (its bigrams, upper-cased) is among the column's; a GIN
index on ``perf_bigrams(UPPER(column::text))`` answers it (migration 0019 creates the function and the indexes).
It is implied by ``icontains``, so adding it beside an icontains search changes no result and lets PostgreSQL read
the matching rows instead of every row (the LIKE then confirms each). Bigrams, not pg_trgm's trigrams: Chinese
words are mostly two characters, and a two-character pattern has no trigram to look up.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.models import CharField, Lookup, TextField


class HasBigrams(Lookup):
    lookup_name = "bigrams"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        raise NotSupportedError("The bigrams lookup needs PostgreSQL (perf_bigrams, migration 0019).")

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        return f"perf_bigrams(UPPER(({lhs_sql})::text)) @> perf_bigrams(UPPER(%s))", (*lhs_params, self.rhs)


CharField.register_lookup(HasBigrams)
TextField.register_lookup(HasBigrams)
