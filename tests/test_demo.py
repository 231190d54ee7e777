import io

import pytest
from django.core.management import call_command

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD
from evaluations.models import Evaluation, User

DUMPED = ["evaluations", "rubrics", "auth.group"]


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", *DUMPED, stdout=out, indent=1)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_twice_gives_the_same_database():
    call_command("load_demo", stdout=io.StringIO())
    first = dump()
    call_command("load_demo", stdout=io.StringIO())
    assert dump() == first


@pytest.mark.django_db
def test_demo_accounts_log_in_and_see_their_own_evaluations(client):
    call_command("load_demo", stdout=io.StringIO())
    expected = {
        "evaluator": {"project", "department"},
        "reviewer": {"project", "department"},
        "unit": {"department"},
        "bureau": {"department"},
        "unit_luohu": {"project"},
        "bureau_luohu": {"project"},
        "admin": {"project", "department"},
    }
    assert {a.username for a in ACCOUNTS} | {"admin"} == set(expected)
    for username, kinds in expected.items():
        assert client.login(username=username, password=DEMO_PASSWORD), username
        body = client.get("/").content.decode()
        for evaluation in Evaluation.objects.all():
            assert (evaluation.title in body) == (evaluation.kind in kinds), (username, evaluation.title)
        client.logout()


@pytest.mark.django_db
def test_every_demo_user_belongs_to_an_organisation():
    call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.filter(organisation__isnull=True).exists()


@pytest.mark.django_db
def test_list_evaluations_prints_one_tab_separated_line_each():
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("list_evaluations", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == Evaluation.objects.count() == 2
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 6
        assert fields[1] in {"project", "department"}
