"""The browser fixture checks every document a journey loads with axe-core, not only the last one, and
a check still running when the journey clicks on is waited for, not lost."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAINT = """<!doctype html><html lang="en"><head><title>Faint</title></head><body><main><h1>Faint</h1>
<p style="color:#bbb">Grey on white, 1.9:1.</p><a href="{next}">Onwards</a></main></body></html>"""


def test_a_faint_page_in_the_middle_of_a_journey_is_caught(live_server, browser):
    page = browser.new_page()
    first, second = f"{live_server.url}/faint-one/", f"{live_server.url}/faint-two/"
    login = f"{live_server.url}/login/"
    page.route(first, lambda route: route.fulfill(content_type="text/html", body=FAINT.format(next=second)))
    page.route(second, lambda route: route.fulfill(content_type="text/html", body=FAINT.format(next="/login/")))
    page.goto(first)
    page.get_by_role("link", name="Onwards").click()  # at once: the first page's check may still be running
    page.wait_for_url(second)
    page.get_by_role("link", name="Onwards").click()
    page.wait_for_url(login)
    page.get_by_label("Email").wait_for()
    watch = page._rebook_axe
    watch.wait_until_checked()
    assert watch.checked == [first, second, login]
    caught = [problem for problem in browser.problems if problem.startswith("color-contrast (serious)")]
    assert [url for problem in caught for url in (first, second) if f" on {url}: " in problem] == [first, second]
    assert all("Grey on white" in problem for problem in caught)
    browser.problems.clear()  # caught as it should be: the journey itself passes
