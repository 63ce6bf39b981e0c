"""Public pages: Chinese, escaped, plain HTML with no script; a notice is never dressed as a release."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from services.publish.domain.order import ORDER_DECLARATION
from services.publish.release import render_index, render_list, render_notice
from services.publish.release.page import OBJECTION_LIMITS, beijing
from services.publish.release.page_models import (
    Criterion, DeclaredMethod, FileLink, IndexPage, ListPage, NoticeEntry, NoticeLink, NoticePage,
    PublishedList, VersionLink)
from services.publish.release.pdf_file import print_html
from tests.support.release import sample_release

VOID = {"meta", "link", "input", "br", "hr", "img", "col", "source", "wbr"}
UTC = timezone.utc


class Structure(HTMLParser):
    """Collects tags, attributes and text, and checks every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unexpected </{tag}>")

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def parse(html: str) -> Structure:
    s = Structure()
    s.feed(html)
    s.close()
    assert s.problems == [] and s.stack == [], (s.problems, s.stack)
    return s


def index_page() -> IndexPage:
    release = sample_release()
    lead, emerging = release.lists
    return IndexPage(
        campaign_title=release.campaign_title,
        lists=(PublishedList(lead, "/kczg-2022/lists/leading_tech"),
               PublishedList(emerging, "/kczg-2022/lists/emerging_enterprise",
                             earlier=(VersionLink(1, date(2023, 2, 20), None, "/kczg-2022/lists/emerging_enterprise/1"),))),
        files=(FileLink("release.pdf", "/kczg-2022/files/release.pdf", 68_000, "ab" * 32),
               FileLink("release.csv", "/kczg-2022/files/release.csv", 900, "cd" * 32)),
        methods=(DeclaredMethod("中国科协信息科技学会联合体", "先导技术榜", "电子信息",
                                (Criterion("创新性", 30), Criterion("先进性", 25), Criterion("产业价值", 30),
                                 Criterion("社会效益", 15)),
                                "trimmed_mean", "保留两位小数，四舍五入", ("raw_sum", "earliest_submission")),),
        notices=(NoticeLink("融通创新组织榜", "/kczg-2022/notices/integrated_innovation_org",
                            datetime(2023, 1, 10, 1, 0, tzinfo=UTC), datetime(2023, 1, 17, 1, 0, tzinfo=UTC)),),
    )


def notice_page(**changes) -> NoticePage:
    page = NoticePage(
        campaign_title="2022年“科创中国”系列榜单", list_name="融通创新组织榜",
        opens_at=datetime(2023, 1, 10, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        closes_at=datetime(2023, 1, 17, 1, 0, tzinfo=UTC),
        entries=(NoticeEntry("n-1", "<script>alert(1)</script>", None, None, "甲单位", "乙学会"),
                 NoticeEntry("n-2", "产学研融通创新联合体", None, None, "丙公司", "丁科协")),
        form_action="/kczg-2022/notices/integrated_innovation_org/objections", submission="tok-123")
    return dataclasses.replace(page, **changes)


# --- every page --------------------------------------------------------------------------------

@pytest.mark.parametrize("render", ["index", "list", "notice", "print"])
def test_pages_are_chinese_utf8_well_formed_and_script_free(render):
    html = {"index": lambda: render_index(index_page()),
            "list": lambda: render_list(ListPage("2022年“科创中国”系列榜单", sample_release().lists[:1])),
            "notice": lambda: render_notice(notice_page()),
            "print": lambda: print_html(sample_release())}[render]()
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    s = parse(html)
    assert {"charset": "utf-8"} in s.all("meta")
    assert s.all("script") == [] and "javascript:" not in html
    assert not any(name.startswith("on") for _, attrs in s.tags for name in attrs)  # no event handlers
    assert len(s.all("style")) == 2 and {"media": "print"} in s.all("style")  # small embedded CSS + print sheet
    assert s.all("main") and all(th.get("scope") == "col" for th in s.all("th"))


def test_titles_with_markup_show_as_text_everywhere():
    pages = [render_index(index_page()), render_notice(notice_page()),
             render_list(ListPage("榜单", sample_release().lists)), print_html(sample_release())]
    for html in pages:
        assert "<script>" not in html and "<b>粗体" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        text = "".join(parse(html).text)
        assert "<script>alert(1)</script>" in text
    assert "&lt;b&gt;粗体&lt;/b&gt;不是标记" in pages[0]


def test_attributes_are_escaped_too():
    page = dataclasses.replace(index_page(), files=(FileLink('x" onclick="alert(1)', '/f?a=1&b="2"', 1, "00"),))
    html = render_index(page)
    assert 'onclick="alert' not in html
    link = [a for a in parse(html).all("a") if a.get("href", "").startswith("/f")][0]
    assert link["href"] == '/f?a=1&b="2"'


# --- index -------------------------------------------------------------------------------------

def test_index_shows_lists_by_list_and_domain_in_release_order():
    html = render_index(index_page())
    headings = [text for _, text in re.findall(r"<h([23])[^>]*>([^<]*)</h\1>", html)]
    assert headings[1:5] == ["先导技术榜", "电子信息", "生物医药", "新锐企业榜"]
    entry = sample_release().lists[0].entries[0]
    assert f"<td>{entry.title}</td><td>{entry.holder_org}</td><td>{entry.unit_name}</td>" in html
    assert "按推荐单位排序" in html
    assert "第 2 版" in html and "更正说明：更正一家企业的名称" in html
    assert '<a href="/kczg-2022/lists/emerging_enterprise/1">第 1 版</a>' in html


def test_index_lists_the_files_with_sizes_and_sha256():
    html = render_index(index_page())
    assert '<a href="/kczg-2022/files/release.pdf">release.pdf</a>' in html
    assert "66.4 KB" in html and "900 字节" in html and f"<code>{'ab' * 32}</code>" in html


def test_index_shows_each_bodys_declared_method():
    html = render_index(index_page())
    assert "先导技术榜 · 电子信息：中国科协信息科技学会联合体" in html
    assert "<td>创新性</td><td>30%</td>" in html and "<td>社会效益</td><td>15%</td>" in html
    assert "去掉一个最高分和一个最低分后平均" in html
    assert "保留两位小数，四舍五入" in html
    assert "汇总分相同时依次比较：1. 原始分之和（高者在前）；2. 推荐提交时间（早者在前）" in html


def test_index_shows_open_notices_in_beijing_time():
    html = render_index(index_page())
    assert "正在公示（非正式发布）" in html
    assert "融通创新组织榜 公示名单</a>：2023年1月10日 09:00（北京时间） 至 2023年1月17日 09:00（北京时间）" in html


def test_an_index_before_any_release_says_so():
    html = render_index(IndexPage("2023年“科创中国”系列榜单", lists=()))
    assert "暂无正式发布的榜单" in html and "下载发布文件" not in html and "正在公示" not in html


# --- list version page --------------------------------------------------------------------------

def test_a_list_page_shows_one_version_and_its_history():
    emerging = sample_release().lists[1]
    versions = (VersionLink(1, date(2023, 2, 20), None, "/l/1"), VersionLink(2, date(2023, 3, 1), "更正一家企业的名称", "/l/2"))
    html = render_list(ListPage("2022年“科创中国”系列榜单", (emerging,), versions=versions, current_version=2))
    assert "<title>2022年“科创中国”系列榜单 · 新锐企业榜 第 2 版</title>" in html
    assert "历史版本（第" not in html
    assert '<a href="/l/1">第 1 版</a>' in html and "第 2 版（本页）" in html
    assert '<nav aria-label="导航">' in html


def test_an_earlier_version_is_flagged_as_not_current():
    old = dataclasses.replace(sample_release().lists[1], version=1, reason=None)
    html = render_list(ListPage("2022年“科创中国”系列榜单", (old,), current_version=2))
    assert "这是历史版本（第 1 版），不是当前版本。当前为第 2 版。" in html


def test_the_print_document_is_the_list_template_without_navigation():
    release = sample_release()
    html = print_html(release)
    assert html == render_list(ListPage(release.campaign_title, release.lists, index_href=None, print_document=True,
                                        order_note=ORDER_DECLARATION))
    assert "<nav" not in html and "版本记录" not in html and f"排序说明：{ORDER_DECLARATION}" in html
    assert '<meta name="dcterms.created" content="2023-03-01T00:00:00+08:00">' in html
    assert html.count('<section class="list"') == 2


# --- notice page -------------------------------------------------------------------------------

def test_a_notice_is_marked_as_not_a_release_with_its_window_in_beijing_time():
    html = render_notice(notice_page())
    assert "公示中，非正式发布" in html
    assert "<title>融通创新组织榜 公示名单（公示中，非正式发布）</title>" in html
    assert "2023年1月10日 09:00（北京时间）</time> 至" in html and "2023年1月17日 09:00（北京时间）" in html
    assert "<td>产学研融通创新联合体</td><td>丙公司</td><td>丁科协</td>" in html


def test_the_objection_form_is_a_plain_named_post_form_with_limits():
    s = parse(render_notice(notice_page()))
    (form,) = s.all("form")
    assert form["method"] == "post" and form["action"] == "/kczg-2022/notices/integrated_innovation_org/objections"
    fields = {a["name"]: a for a in s.all("input") + s.all("select") + s.all("textarea")}
    assert set(fields) == {"submission", "name", "org", "contact", "nomination_id", "grounds"}
    assert fields["submission"]["value"] == "tok-123"
    for name in ("name", "org", "contact", "grounds"):
        assert fields[name]["maxlength"] == str(OBJECTION_LIMITS[name]) and "required" in fields[name]
    labels = {a["for"] for a in s.all("label")}
    assert all(fields[n]["id"] in labels for n in ("name", "org", "contact", "nomination_id", "grounds"))
    label_text = "".join(s.text)
    assert all(word in label_text for word in ("姓名", "单位", "联系方式", "异议对象", "理由", "实名异议"))
    assert [o.get("value") for o in s.all("option")] == ["", "n-1", "n-2"]
    assert all("value" not in fields[n] for n in ("name", "org", "contact"))  # never refilled, never shown


def test_no_view_model_can_carry_an_objectors_contact_details():
    for cls in (NoticePage, NoticeEntry, IndexPage, NoticeLink, ListPage):
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & {"contact", "phone", "email", "objector", "objections", "filed_by"}, cls


def test_a_closed_notice_has_no_form_and_errors_show_as_escaped_text():
    closed = render_notice(notice_page(accepting_objections=False))
    assert "<form" not in closed and "公示期已结束，不再受理异议" in closed
    failed = render_notice(notice_page(errors=("理由不能为空", "<i>异议对象</i>不在公示名单中")))
    assert '<div class="errors" role="alert">' in failed and "&lt;i&gt;异议对象&lt;/i&gt;" in failed
    done = render_notice(notice_page(message="异议已收到，秘书处将核实处理。"))
    assert '<p role="status">异议已收到，秘书处将核实处理。</p>' in done


def test_times_must_be_timezone_aware():
    assert beijing(datetime(2022, 10, 31, 16, 0, tzinfo=UTC)) == "2022年11月1日 00:00（北京时间）"
    with pytest.raises(ValueError, match="timezone-aware"):
        render_notice(notice_page(opens_at=datetime(2023, 1, 10, 9, 0)))
