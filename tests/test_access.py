"""Every page checked per role, with leak checks: another side's evaluation answers 404."""

import pytest
from django.urls import reverse

from evaluations.queries import access

# persona -> which of the two evaluations (a, b) it may see
VISIBILITY = {
    "evaluator_a": {"a"},
    "evaluator_b": {"b"},
    "reviewer_a": {"a"},
    "unit_a": {"a"},
    "unit_b": {"b"},
    "bureau_a": {"a"},
    "bureau_b": {"b"},
    "admin": {"a", "b"},
    "nobody": set(),
}


@pytest.mark.parametrize(("persona", "visible"), VISIBILITY.items())
def test_selector_returns_exactly_what_each_role_may_see(world, persona, visible):
    seen = set(access.evaluations_for_user(world[persona]))
    assert seen == {world[key] for key in visible}


@pytest.mark.parametrize(("persona", "visible"), VISIBILITY.items())
def test_home_lists_only_own_evaluations(client, world, persona, visible):
    client.force_login(world[persona])
    body = client.get(reverse("home")).content.decode()
    for key in ("a", "b"):
        assert (world[key].title in body) == (key in visible)


@pytest.mark.parametrize(("persona", "visible"), VISIBILITY.items())
def test_detail_page_answers_404_for_other_organisations(client, world, persona, visible):
    client.force_login(world[persona])
    for key in ("a", "b"):
        response = client.get(reverse("evaluation-detail", args=[world[key].pk]))
        assert response.status_code == (200 if key in visible else 404)


def test_unknown_evaluation_is_404_in_chinese(client, world, settings):
    settings.DEBUG = False
    client.force_login(world["admin"])
    response = client.get(reverse("evaluation-detail", args=[999999]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_anonymous_users_are_sent_to_login(client, world):
    for url in (reverse("home"), reverse("evaluation-detail", args=[world["a"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["evaluator_a", "unit_a", "bureau_a", "reviewer_a"])
def test_only_admins_reach_django_admin(client, world, persona):
    client.force_login(world[persona])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_reaches_django_admin(client, world):
    client.force_login(world["admin"])
    assert client.get(reverse("admin:index")).status_code == 200


def test_unit_user_does_not_see_scores_of_a_draft(client, world):
    evaluation = world["a"]
    evaluation.total_score, evaluation.grade = 97.75, "优"
    evaluation.save()
    client.force_login(world["unit_a"])
    assert "97.75" not in client.get(reverse("home")).content.decode()
    body = client.get(reverse("evaluation-detail", args=[evaluation.pk])).content.decode()
    assert "97.75" not in body
    assert "征求意见后向被评价单位开放" in body
    client.force_login(world["evaluator_a"])
    assert "97.75" in client.get(reverse("evaluation-detail", args=[evaluation.pk])).content.decode()


def test_login_page_is_chinese_and_login_works(client, world):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body and "用户名" in body and "密码" in body
    response = client.post(reverse("login"), {"username": world["unit_a"].username, "password": "pw-12345"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_chinese_message(client, world):
    response = client.post(reverse("login"), {"username": world["unit_a"].username, "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_home_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    from tests.factories import EvaluationFactory

    client.force_login(world["admin"])
    client.get(reverse("home"))
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))
    EvaluationFactory.create_batch(28)
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))


def test_server_error_page_is_chinese_and_has_no_traceback(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in body
    assert "Traceback" not in body
