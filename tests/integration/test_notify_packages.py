"""定向推介 through the notifier against the real broker, database and mail sink: a package (PackageSent, publish)
to two addresses makes one message to each, with the links to the package's brochure and sheet on publish, sent
once although the event is delivered again; the kind is optional mail, with RFC 8058 one-click unsubscribe that
is honoured for the next package — read back from what the sink received."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from contracts.events import PackageSent, package_key
from contracts.topics import PUBLISH
from services.notify.domain import audience_recipient, message_id
from tests.support.events import SECRETARIAT, publish
from tests.support.intake import Keys
from tests.support.notify import AT, C, address, mail_to, notices, notices_made, notify_in_process

PUBLISH_URL = "https://ranking.example.org"


def package(*addresses: str, entries: int = 3) -> PackageSent:
    package_id = uuid.uuid4()
    return PackageSent(occurred_at=AT, campaign=C, key=package_key(C, package_id), actor=SECRETARIAT,
                       package_id=package_id, audience="安徽省科技园区", addresses=addresses,
                       list_code="leading_tech", region="安徽", entries=tuple(uuid.uuid4() for _ in range(entries)))


async def test_a_package_goes_once_to_each_address_with_its_links_and_one_click_unsubscribe(env, tmp_path, monkeypatch):
    monkeypatch.setenv("KCZG_PUBLISH_URL", PUBLISH_URL + "/")
    first, second = address("park-a"), address("park-b")
    sent = package(first, second, first.upper())  # the same address twice (case aside): one recipient
    async with notify_in_process(Keys(tmp_path)) as notify:
        before = len(await notices())
        await publish((PUBLISH, sent))
        await notices_made(before + 2)
        assert await notify.sender.send_due() == 2
        await publish((PUBLISH, sent))  # delivered again (a producer's retry): no second notice, no second mail
        await publish((PUBLISH, package(address("park-other"))))
        await notices_made(before + 3)
        assert await notify.sender.send_due() == 1
        rows = [r for r in await notices() if r["subject"] == str(sent.package_id)]
        assert sorted(r["recipient"] for r in rows) == sorted(audience_recipient(C, a) for a in (first, second))
        assert {r["status"] for r in rows} == {"sent"}

        root = f"{PUBLISH_URL}/v1/publish/campaigns/{C}/packages/{sent.package_id}"
        for to in (first, second):
            (mail,) = mail_to(to)
            assert mail.message_id == message_id(audience_recipient(C, to), str(sent.package_id), "package_sent", 1)
            assert mail.subject == "【科创中国】定向推介：3 项上榜项目（安徽省科技园区）"
            text, html = mail.text(), mail.html()
            assert "向安徽省科技园区定向推介3项上榜项目（先导技术榜、地区：安徽）" in text
            assert f"推介手册（PDF）：{root}/brochure.pdf" in text and f"项目清单（XLSX）：{root}/sheet.xlsx" in text
            assert f'<a href="{root}/brochure.pdf">推介手册（PDF）</a>' in html
            assert f'<a href="{root}/sheet.xlsx">项目清单（XLSX）</a>' in html
            assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert to not in mail.message["List-Unsubscribe"]  # the link names the recipient by a digest only

        # One click from the first address's message: the next package goes to the second address only.
        link = mail_to(first)[0].message["List-Unsubscribe"].strip("<>")
        query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        assert (await notify.post("/v1/notify/unsubscribe", params=query)).json() == {
            "recipient": audience_recipient(C, first), "kind": "package_sent", "unsubscribed": True}
        later = package(first, second, entries=1)
        await publish((PUBLISH, later))
        await notices_made(before + 5)
        assert await notify.sender.send_due() == 2
        statuses = {r["recipient"]: r["status"] for r in await notices()
                    if r["subject"] == str(later.package_id)}
        assert statuses == {audience_recipient(C, first): "not_due", audience_recipient(C, second): "sent"}
    assert len(mail_to(first)) == 1 and len(mail_to(second)) == 2
