"""The error pages (issue 17): the site's own 400, 403, 404 and 500 pages, translated, each with a
way back; JSON `{"code", "message"}` under /api/ for the same errors."""

import pytest
from django.test import Client

from xiaodian.accounts.rules import Role
from xiaodian.stores import services as stores


def test_an_unknown_page_is_the_sites_404_with_a_way_back(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and 'href="/"' in html and 'id="error-page"' in html
    assert "site-header" in html  # the site's layout, not Django's bare page


def test_the_404_page_in_english(client, db):
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_store_page_refused_to_a_role_says_why(client, db, store, make_user):
    agent = make_user("agent1")
    stores.add_staff(store=store, user_id=agent.pk, role=Role.AGENT)
    client.force_login(agent)
    response = client.get(f"/stores/{store.pk}/staff/")  # managing staff is not an agent's
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html and 'id="error-page"' in html


def test_an_expired_form_is_explained_not_djangos_csrf_page(db, merchant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(merchant)
    response = client.post("/me/", {"display_name": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html and "CSRF verification failed" not in html


@pytest.mark.urls("xiaodian.web.tests.urls_boom")
def test_a_server_error_is_the_sites_500_page_and_json_under_the_api(db):
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500
    assert "服务器出错了" in page.content.decode() and 'href="/"' in page.content.decode()
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert api.json() == {"code": "server_error", "message": "服务器出错了，请稍后再试。"}
