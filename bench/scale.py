"""A province-scale data set: ``DATABASE_URL=postgres://… .venv/bin/python bench/scale.py --evaluations 20000``.

Builds, into the database DATABASE_URL names (PostgreSQL for the real measurement; SQLite works for small N),
the demo (both seeds and the evaluations of every workflow state, through the app's own services: `load_demo`),
then organisations and accounts around it (10 bureaus, 20 firms, 200 units by default, each with as many
accounts as its demo counterpart) and N evaluations copied from the demo ones: indicator trees, tables and rows,
narrative, findings, review and consultation comments, state changes, rectification items, report versions and
the change history (django-simple-history rows), all with their own ids. Copies spread over years, units,
firms and bureaus, so the demo accounts see realistic numbers: `bureau` about N/10 evaluations, `evaluator`
about N/20, `admin` all of them.

The copy is generic: every model that hangs off an evaluation (found from the models' foreign keys, so fields
and models added later are copied too) is read once per source evaluation and written with bulk inserts, new
primary keys allocated up front and every foreign key to a copied row, user, organisation or project remapped.
Nothing goes through the services here: the copies are valid because their sources were.

Prints progress and the row counts at the end. ``--reset`` drops every table first (``flush``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from psycopg import sql  # noqa: E402

from evaluations.models import Evaluation, Organisation, OrganisationKind, Project, User  # noqa: E402
from rubrics.models import EvaluationKind  # noqa: E402

BATCH = 2000
COPIED = re.compile(r"^(.+)_\d+$")  # an account made here: <demo username>_<organisation id>
SEED = 20260101


def is_historical(model) -> bool:
    return hasattr(model, "instance_type")  # django-simple-history's Historical* models


def owned_models() -> list:
    """Every model whose rows belong to one evaluation, parents before children (closure over foreign keys)."""
    owned: list = []
    found = {Evaluation}
    candidates = [m for m in apps.get_models(include_auto_created=True) if m is not Evaluation]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in found or is_historical(model):
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)}
            if targets & found:
                found.add(model)
                owned.append(model)
                changed = True
    historical = [m for m in apps.get_models() if is_historical(m) and m.instance_type in found]
    return owned + historical


def owner_filter(model, sources: dict) -> dict:
    """The filter that selects a model's rows belonging to the source evaluations (by their old ids)."""
    if is_historical(model):
        return {"id__in": list(sources[model.instance_type])}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is Evaluation and field.name != "supersedes":
            return {f"{field.attname}__in": list(sources[Evaluation])}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model in sources and field.related_model is not model:
            return {f"{field.attname}__in": list(sources[field.related_model])}
    raise LookupError(model)


class Ids:
    """Primary keys handed out here (the script is the only writer): max + 1 onwards, per table."""

    def __init__(self):
        self.next: dict = {}

    def take(self, model, count: int) -> list[int]:
        pk = model._meta.pk
        if model not in self.next:
            self.next[model] = (model._default_manager.aggregate(top=Max(pk.attname))["top"] or 0) + 1
        start = self.next[model]
        self.next[model] += count
        return list(range(start, start + count))


def organisations(bureaus: int, firms: int, units: int) -> dict[str, list[Organisation]]:
    """The demo organisations first, then new ones up to the counts, each unit under a bureau."""
    existing = {kind: list(Organisation.objects.filter(kind=kind).order_by("pk")) for kind in OrganisationKind.values}
    made = {}
    for kind, count, label in (
        (OrganisationKind.BUREAU, bureaus, "财政局"),
        (OrganisationKind.FIRM, firms, "评价事务所"),
        (OrganisationKind.UNIT, units, "单位"),
    ):
        have = [o for o in existing[kind] if kind != OrganisationKind.UNIT or o.parent_id is not None]
        new = [
            Organisation(name=f"规模测试{label}{index:03d}", kind=kind, region=f"测试市第{index % 17}区")
            for index in range(len(have), count)
        ]
        if kind == OrganisationKind.UNIT:
            for index, unit in enumerate(new):
                unit.parent = made[OrganisationKind.BUREAU][index % len(made[OrganisationKind.BUREAU])]
        Organisation.objects.bulk_create(new, batch_size=BATCH)
        made[kind] = have + list(Organisation.objects.filter(name__startswith=f"规模测试{label}").order_by("pk"))
    return made


def accounts(orgs: dict[str, list[Organisation]]) -> dict[int, list[int]]:
    """Accounts of each new organisation copied from the demo organisation of its kind: org id → user ids."""
    users = defaultdict(list)
    for user in User.objects.filter(organisation__isnull=False).order_by("pk"):
        users[user.organisation_id].append(user)
    new = []
    for members in orgs.values():
        model_org = next((o for o in members if users.get(o.pk)), None)
        if model_org is None:
            continue
        for org in members:
            if users.get(org.pk):
                continue
            for user in users[model_org.pk]:
                new.append(
                    User(
                        username=f"{user.username}_{org.pk}",
                        full_name=user.full_name,
                        organisation=org,
                        password=user.password,
                        is_staff=False,
                    )
                )
    User.objects.bulk_create(new, batch_size=BATCH)
    copy_groups()
    by_org = defaultdict(list)
    for pk, org in User.objects.filter(organisation__isnull=False).order_by("pk").values_list("pk", "organisation_id"):
        by_org[org].append(pk)
    return by_org


def copy_groups() -> None:
    """Each copied account (``<demo username>_<organisation id>``) in the groups of its demo account: the groups are
    its roles, without them it could open nothing."""
    users = list(User.objects.filter(organisation__isnull=False).only("pk", "username"))
    copied = {user.pk: COPIED.match(user.username) for user in users}
    demo = [user for user in users if copied[user.pk] is None]
    demo_groups = {user.username: list(user.groups.values_list("pk", flat=True)) for user in demo}
    membership = User.groups.through
    have = set(membership.objects.values_list("user_id", "group_id"))
    rows = [
        membership(user_id=pk, group_id=group)
        for pk, match in copied.items()
        if match is not None
        for group in demo_groups.get(match.group(1), [])
        if (pk, group) not in have
    ]
    membership.objects.bulk_create(rows, batch_size=BATCH)


class Copier:
    def __init__(self, sources: list[Evaluation], orgs, users_by_org):
        self.ids = Ids()
        self.models = owned_models()
        self.users_by_org = users_by_org
        self.orgs = orgs
        self.rows: dict = {}  # (model, source id) → list of row dicts
        self.sources = sources
        self.projects: dict[tuple[int, int, str], int] = {}
        for source in sources:
            self._read(source)

    def _read(self, source: Evaluation) -> None:
        """Every row of every owned model of one source evaluation, as dicts of column values."""
        ids = {Evaluation: {source.pk}}
        row = Evaluation.objects.filter(pk=source.pk).values(*[f.attname for f in Evaluation._meta.concrete_fields])
        self.rows[(Evaluation, source.pk)] = list(row)
        for model in self.models:
            columns = [f.attname for f in model._meta.concrete_fields]
            found = list(model._default_manager.filter(**owner_filter(model, ids)).values(*columns))
            self.rows[(model, source.pk)] = found
            if not is_historical(model):
                ids[model] = {r[model._meta.pk.attname] for r in found}

    def project_for(self, unit: Organisation, year: int, name: str) -> int:
        key = (unit.pk, year, name)
        if key not in self.projects:
            project = Project.objects.create(unit=unit, name=f"{name}（{year}，{unit.pk}）")
            self.projects[key] = project.pk
        return self.projects[key]

    def users_for(self, org_map: dict[int, Organisation]) -> dict[int, int]:
        """Each account of a source organisation mapped to the account in the same place of its target."""
        mapping = {}
        for source_org, target in org_map.items():
            accounts = self.users_by_org.get(target.pk) or self.users_by_org.get(source_org, [])
            for place, old in enumerate(self.users_by_org.get(source_org, [])):
                mapping[old] = accounts[place % len(accounts)]
        return mapping

    def copy(self, jobs: list[tuple[Evaluation, dict]]) -> int:
        """Copy each (source, overrides) once; overrides set the evaluation's own columns. Returns rows written."""
        pending: dict = defaultdict(list)
        written = 0
        for source, overrides in jobs:
            maps: dict = {}
            org_map = {
                source.evaluated_unit_id: overrides["evaluated_unit"],
                source.evaluating_firm_id: overrides["evaluating_firm"],
                source.commissioning_bureau_id: overrides["commissioning_bureau"],
            }
            if source.evaluated_unit.parent_id:
                org_map.setdefault(source.evaluated_unit.parent_id, overrides["commissioning_bureau"])
            user_map = self.users_for(org_map)
            for model in [Evaluation, *self.models]:
                rows = self.rows[(model, source.pk)]
                pk = model._meta.pk.attname
                maps[model] = dict(zip((r[pk] for r in rows), self.ids.take(model, len(rows)), strict=True))
            for model in [Evaluation, *self.models]:
                for row in self.rows[(model, source.pk)]:
                    pending[model].append(self._remap(model, row, maps, org_map, user_map, overrides))
        for model in [Evaluation, *self.models]:
            if connection.vendor == "postgresql":
                copy_rows(model, pending[model])
            else:
                model._default_manager.bulk_create([model(**values) for values in pending[model]], batch_size=BATCH)
            written += len(pending[model])
        return written

    def _remap(self, model, row, maps, org_map, user_map, overrides) -> dict:
        new = dict(row)
        new[model._meta.pk.attname] = maps[model][row[model._meta.pk.attname]]
        if is_historical(model):
            new["id"] = maps[model.instance_type].get(row["id"], row["id"])
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or new.get(field.attname) is None:
                continue
            target, value = field.related_model, new[field.attname]
            if target is Evaluation and field.name == "supersedes":
                new[field.attname] = None
            elif target in maps:
                new[field.attname] = maps[target].get(value, value)
            elif target is User:
                new[field.attname] = user_map.get(value, value)
            elif target is Organisation:
                new[field.attname] = org_map[value].pk if value in org_map else value
            elif target is Project:
                new[field.attname] = overrides.get("project") or value
        if model is Evaluation or (is_historical(model) and model.instance_type is Evaluation):
            for key, value in overrides.items():
                attname = f"{key}_id" if isinstance(value, Organisation) or key == "project" else key
                new[attname] = value.pk if isinstance(value, Organisation) else value
        return new


def copy_rows(model, rows: list[dict]) -> None:
    """PostgreSQL's COPY: rows written without model instances or INSERT statements (the bulk of the time)."""
    if not rows:
        return
    fields = model._meta.concrete_fields
    prepared = [f for f in fields if isinstance(f, models.JSONField | models.DecimalField | models.DateTimeField)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = dict(row)
            for field in prepared:
                values[field.attname] = field.get_db_prep_value(values[field.attname], connection)
            copy.write_row([values[f.attname] for f in fields])


def reset_sequences() -> None:
    """PostgreSQL's sequences past the ids given out here."""
    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), list(apps.get_models(include_auto_created=True)))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=20000)
    parser.add_argument("--bureaus", type=int, default=10)
    parser.add_argument("--firms", type=int, default=20)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--reset", action="store_true", help="flush the database first")
    args = parser.parse_args()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if args.reset:
        call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
    if not Evaluation.objects.exists():
        call_command("load_demo", verbosity=0)
    print(f"demo: {Evaluation.objects.count()} evaluations ({time.monotonic() - started:.0f} s)")
    sources = list(Evaluation.objects.select_related("evaluated_unit", "project").order_by("pk"))
    orgs = organisations(args.bureaus, args.firms, args.units)
    users_by_org = accounts(orgs)
    print(
        f"organisations: {len(orgs['bureau'])} bureaus, {len(orgs['firm'])} firms, {len(orgs['unit'])} units; "
        f"{User.objects.count()} accounts ({time.monotonic() - started:.0f} s)"
    )
    copier = Copier(sources, orgs, users_by_org)
    rng = random.Random(SEED)  # noqa: S311 - spreading years, not secrets
    units = orgs["unit"]
    bureau_of = {b.pk: b for b in orgs["bureau"]}
    firms = orgs["firm"]
    latest = max(s.year for s in sources)
    source_cycle = itertools.cycle(sources)
    made, rows = 0, 0
    chunk = 100
    while made < args.evaluations:
        jobs = []
        for index in range(made, min(made + chunk, args.evaluations)):
            source = next(source_cycle)
            unit = units[index % len(units)]
            bureau = bureau_of.get(unit.parent_id, orgs["bureau"][0])
            year = latest - rng.randrange(args.years)
            overrides = {
                "evaluated_unit": unit,
                "evaluating_firm": firms[(index // len(units) + index) % len(firms)],
                "commissioning_bureau": bureau,
                "year": year,
                "title": f"{year} 年度{unit.short_name or unit.name}{source.title[source.title.find('年度') + 2 :]}",
            }
            if source.kind == EvaluationKind.PROJECT and source.project_id:
                overrides["project"] = copier.project_for(unit, year, source.project.name)
            jobs.append((source, overrides))
        with transaction.atomic():
            rows += copier.copy(jobs)
        made += len(jobs)
        if made % 1000 == 0 or made == args.evaluations:
            print(f"  {made} evaluations copied, {rows} rows ({time.monotonic() - started:.0f} s)", flush=True)
    reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"done in {time.monotonic() - started:.0f} s")
    for model in [Evaluation, *copier.models]:
        print(f"  {model._meta.label:<45} {model._default_manager.count():>10}")


if __name__ == "__main__":
    main()
