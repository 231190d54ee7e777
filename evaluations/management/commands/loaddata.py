"""Django's loaddata, with the freeze guard told that a load is running (evaluations.domain.freezing).

A dump with approved evaluations loads into a database that does not have them yet (a copy, a restore); a fixture
that would rewrite or add to an approved evaluation already there is refused and loads nothing.
"""

from django.core.management.commands import loaddata

from evaluations.domain.freezing import loading_fixtures


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        with loading_fixtures():
            return super().handle(*fixture_labels, **options)
