"""The dashboard's Webhooks and Audit log tabs, in a browser, against a real receiver."""

from __future__ import annotations

from playwright.sync_api import expect

from tenantry.sdk.webhooks import verify
from tests.admin.conftest import signed_in_dashboard


def test_register_a_webhook_watch_it_deliver_and_read_the_audit_log(
    site, context, new_page, receiver, worker, site_api
):
    page = signed_in_dashboard(context, new_page, "webhooks")
    page.get_by_label("Endpoint URL").fill("not a url")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator("#url-error")).to_be_visible()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label("organization.created").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("[data-secret] .secret-value").inner_text()
    assert secret.startswith("whsec_")
    (hook,) = site_api.get("/api/v1/webhooks").json()["webhooks"]
    hook_url = f"/admin/webhooks/{hook['id']}"
    page.goto("/admin/webhooks")
    expect(page.locator("tr[data-webhook]")).to_contain_text("organization.created")
    assert "whsec_" not in page.content()  # never shown again

    # An administrator's change: the event names the admin, and is delivered signed.
    page.goto("/admin/organizations")
    page.get_by_label("Name").fill("Acme")
    page.get_by_role("button", name="Create organization").click()
    expect(page.locator("h1")).to_have_text("Acme")
    assert worker.run_once() == 1
    (received,) = receiver.wait_for(lambda got: len(got) == 1)
    event = verify(received.body, received.headers, secret)
    assert event["type"] == "organization.created" and event["actor"]["type"] == "ADMIN"

    page.goto("/admin/webhooks")
    page.get_by_role("link", name=receiver.url).click()
    delivery = page.locator("tr[data-delivery]")
    expect(delivery).to_contain_text("Delivered")
    delivery.get_by_role("link", name="1").click()
    expect(page.locator("table[aria-label=Attempts]")).to_contain_text("200")

    page.goto(hook_url)
    page.locator("tr[data-delivery]").get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_contain_text("sent again")
    assert worker.run_once() == 1
    second = receiver.wait_for(lambda got: len(got) == 2)[1]
    assert second.id == received.id  # a replay is the same message

    page.get_by_role("link", name="Rotate secret…").click()
    page.get_by_role("button", name="Rotate secret").click()
    new_secret = page.locator("[data-secret] .secret-value").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != secret

    page.goto("/admin/events?type=organization.created")
    row = page.locator("tr[data-event]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("admin")
    row.get_by_text("Show").click()
    expect(row.locator("pre")).to_contain_text('"display_name": "Acme"')
    page.goto("/admin/events?since=yesterday")
    expect(page.locator("#since-error")).to_be_visible()

    page.goto(hook_url)
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete webhook").click()
    expect(page.get_by_role("status")).to_contain_text("Webhook deleted")
    assert site_api.get("/api/v1/webhooks").json()["webhooks"] == []
