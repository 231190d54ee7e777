"""Rich section text: the one sanitiser (page, admin, import, demo), pasting from Word, reading it back as text."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluations.demo import load_demo
from evaluations.domain import narrative as service
from evaluations.domain.locking import StaleObjectError
from evaluations.interchange.export import export_document
from evaluations.interchange.reader import read_document_partly
from evaluations.models import EvaluationState, NarrativeSection
from evaluations.narrative_html import clean_section_html, html_from_text, looks_like_html, plain_text
from evaluations.queries.audit import change_log

# --- the sanitiser ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>前<script>alert('x')</script>后</p>", "<p>前后</p>"),  # script and its content
        ('<iframe src="https://evil.example/">框内</iframe><p>正文</p>', "<p>正文</p>"),
        ('<p style="color:red" class="MsoNormal" id="x" title="t">样式</p>', "<p>样式</p>"),
        ('<p onclick="steal()" onmouseover="x()">事件</p><img src=x onerror="alert(1)">', "<p>事件</p>"),
        ('<p><a href="javascript:alert(1)">链接文字</a></p>', "<p>链接文字</p>"),  # no links at all
        ('<p>图<img src="https://evil.example/track.png" alt="跟踪"></p>', "<p>图</p>"),  # no remote images
        ('<p><img src="data:image/png;base64,iVBO"></p><p>余下</p>', "<p>余下</p>"),
        ("<style>p{color:red}</style><p>样式表</p>", "<p>样式表</p>"),
        (
            '<object data="x.swf">对象</object><embed src="y"><svg onload="x()"><text>图形</text></svg><p>留</p>',
            "<p>留</p>",
        ),
        ('<form action="/x"><input name="a" value="输入"><p>表单内</p></form>', "<p>表单内</p>"),
        ("<p>a<!-- 注释 -->b</p>", "<p>ab</p>"),
    ],
)
def test_sanitiser_strips_everything_dangerous(dirty, clean):
    assert clean_section_html(dirty) == clean


def test_sanitiser_keeps_the_allowed_structure_and_normalises_synonyms():
    assert clean_section_html("<h1>标题</h1><h2>二</h2><h5>五</h5><h6>六</h6>") == (
        "<h3>标题</h3><h3>二</h3><h4>五</h4><h4>六</h4>"
    )
    assert clean_section_html("<p><b>粗</b> <i>斜</i> <strong>强</strong> <em>强调</em> <u>下划线</u></p>") == (
        "<p><strong>粗</strong> <em>斜</em> <strong>强</strong> <em>强调</em> 下划线</p>"
    )
    assert clean_section_html("<div>一段</div><div>两段<div>三段</div>尾</div>") == (
        "<p>一段</p><p>两段</p><p>三段</p><p>尾</p>"
    )
    assert clean_section_html("<ol><li>一<ul><li>甲</li></ul></li><li><p>二</p></li></ol>") == (
        "<ol><li><p>一</p><ul><li><p>甲</p></li></ul></li><li><p>二</p></li></ol>"
    )
    assert clean_section_html("开头<p>段落</p>结尾<br>换行") == "<p>开头</p><p>段落</p><p>结尾<br>换行</p>"
    # empty paragraphs and white space (Word's blank lines, the editor's trailing <br>) are dropped
    assert clean_section_html("<p>&nbsp;</p><p><br></p><p>\u3000\u3000缩进 <br> </p><p></p>") == "<p>缩进</p>"


def test_tables_keep_merged_cells_and_lose_bad_spans():
    dirty = (
        '<table style="width:100%" border="1"><thead><tr><th colspan="2" style="x">部门职责</th><th>目标</th></tr>'
        '</thead><tr><td rowspan="2" colspan="1">社会事务</td><td rowspan=0>甲</td><td colspan="abc">乙</td></tr>'
        '<tr><td colspan="1000">丙</td><td onclick="x()">丁</td></tr><tfoot><tr><td>合计</td></tr></tfoot></table>'
    )
    assert clean_section_html(dirty) == (
        '<table><thead><tr><th colspan="2"><p>部门职责</p></th><th><p>目标</p></th></tr></thead>'
        '<tbody><tr><td rowspan="2"><p>社会事务</p></td><td><p>甲</p></td><td><p>乙</p></td></tr>'
        "<tr><td><p>丙</p></td><td><p>丁</p></td></tr><tr><td><p>合计</p></td></tr></tbody></table>"
    )


# What Word (Windows, 2016+) puts on the clipboard as text/html, shortened: a style sheet, conditional comments,
# mso styles, spans with fonts, <o:p>, list paragraphs with the bullet as text, a table with merged cells.
WORD_CLIPBOARD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><meta name=Generator
content="Microsoft Word 15"><style><!-- /* Font Definitions */ @font-face {font-family:宋体;}
p.MsoNormal {mso-style-unhide:no; margin:0cm; font-size:10.5pt; font-family:等线;} --></style>
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml><![endif]-->
</head><body lang=ZH-CN style='tab-interval:21.0pt;word-wrap:break-word'>
<!--StartFragment--><p class=MsoNormal style='text-indent:24.0pt;mso-char-indent-count:2.0'><span
style='font-size:12.0pt;font-family:仿宋_GB2312;mso-hansi-font-family:"Times New Roman"'>部门整体支出<b
style='mso-bidi-font-weight:normal'>较规范</b>，基本完成履职工作。<span lang=EN-US><o:p></o:p></span></span></p>
<p class=MsoListParagraphCxSpFirst style='margin-left:18.0pt;mso-para-margin-left:0gd;text-indent:-18.0pt;
mso-list:l0 level1 lfo1'><![if !supportLists]><span lang=EN-US style='font-family:Wingdings;mso-fareast-font-family:
Wingdings'><span style='mso-list:Ignore'>l<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span></span>
<![endif]><span style='font-family:仿宋_GB2312'>未制定中长期规划<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpLast style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span lang=EN-US style='font-family:Wingdings'><span style='mso-list:Ignore'>l<span
style='font:7.0pt "Times New Roman"'>&nbsp; </span></span></span><![endif]><span
style='font-family:仿宋_GB2312'>预算调整过高<o:p></o:p></span></p>
<p class=MsoListParagraph style='mso-list:l1 level1 lfo2'><![if !supportLists]><span><span
style='mso-list:Ignore'>（1）<span style='font:7.0pt "Times New Roman"'>&nbsp;</span></span></span
><![endif]>完善规划</p>
<p class=MsoListParagraph style='mso-list:l1 level2 lfo2'><![if !supportLists]><span><span
style='mso-list:Ignore'>a.<span>&nbsp;</span></span></span><![endif]>制定三年规划</p>
<p class=MsoListParagraph style='mso-list:l1 level1 lfo2'><![if !supportLists]><span><span
style='mso-list:Ignore'>（2）<span>&nbsp;</span></span></span><![endif]>规范制度落实</p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;border:none;
mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'><td width=138 valign=top style='width:103.7pt;border:solid
 windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'><p class=MsoNormal align=center style='text-align:center'><b><span
 style='font-family:黑体'>机构设置<o:p></o:p></span></b></p></td>
 <td width=415 colspan=2 valign=top style='width:311.2pt;border:solid windowtext 1.0pt;border-left:none'><p
 class=MsoNormal align=center><b><span style='font-family:黑体'>职责分工<o:p></o:p></span></b></p></td></tr>
 <tr style='mso-yfti-irow:1'><td rowspan=2 style='border:solid windowtext 1.0pt'><p class=MsoNormal><font
 face="宋体" color="#ff0000">办公室</font><o:p></o:p></p></td><td><p class=MsoNormal>文电、会务</p></td>
 <td><p class=MsoNormal>督查<o:p></o:p></p></td></tr>
 <tr style='mso-yfti-irow:2;mso-yfti-lastrow:yes'><td><p class=MsoNormal>信访</p></td><td><p class=MsoNormal>
 应急<o:p>&nbsp;</o:p></p></td></tr>
</table>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<!--EndFragment--></body></html>"""


def test_pasting_from_word_keeps_paragraphs_lists_and_tables_and_drops_the_rest():
    assert clean_section_html(WORD_CLIPBOARD) == (
        "<p>部门整体支出<strong>较规范</strong>，基本完成履职工作。</p>"
        "<ul><li><p>未制定中长期规划</p></li><li><p>预算调整过高</p></li></ul>"
        "<ol><li><p>完善规划</p><ol><li><p>制定三年规划</p></li></ol></li><li><p>规范制度落实</p></li></ol>"
        "<table><tbody><tr><td><p><strong>机构设置</strong></p></td>"
        '<td colspan="2"><p><strong>职责分工</strong></p></td></tr>'
        '<tr><td rowspan="2"><p>办公室</p></td><td><p>文电、会务</p></td><td><p>督查</p></td></tr>'
        "<tr><td><p>信访</p></td><td><p>应急</p></td></tr></tbody></table>"
    )


def test_plain_text_becomes_escaped_paragraphs():
    assert not looks_like_html("占比 <5%，a < b 且 c > d")
    assert clean_section_html("第一段 <5% & 余\r\n\r\n  第二段  \n") == "<p>第一段 &lt;5% &amp; 余</p><p>第二段</p>"
    assert html_from_text("一\n\n二") == "<p>一</p><p>二</p>"
    assert clean_section_html("") == clean_section_html(None) == clean_section_html("<p> </p>") == ""


HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<em>",
        "<h2>",
        "</h2>",
        "<ul><li>",
        "</li></ul>",
        "<table><tr><td rowspan=2>",
        "</td><th colspan=3>",
        "</th></tr></table>",
        "<br>",
        "<div>",
        "</div>",
        "<script>x</script>",
        "<span style='x'>",
        '<span data-figure="total">',
        '<span data-figure="figure:budget_execution_rate" class="bound-figure">99.71%</span>',
        "</span>",
        "&nbsp;",
        "&lt;",
        " ",
        "\n",
        "文字",
        "5%",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(HTML_PIECES, max_size=30))
def test_cleaning_is_idempotent_and_keeps_the_words(pieces):
    dirty = "<p>x</p>" + "".join(pieces)
    once = clean_section_html(dirty)
    assert clean_section_html(once) == once
    kept = plain_text(once).count("文字")
    # every word is kept, except inside a bound figure's span (that is its value: filled in when shown)
    assert kept == dirty.count("文字") if "data-figure" not in dirty else kept <= dirty.count("文字")
    assert "<script" not in once and "style=" not in once and "class=" not in once
    assert "99.71" not in once  # a bound figure's value is never stored, only its key


def test_plain_text_reads_paragraphs_lists_and_table_rows():
    html = clean_section_html(
        "<h3>小标题</h3><p>预算执行率为<strong>68.38%</strong>。<br>第二行</p><ol><li>甲</li><li>乙</li></ol>"
        "<table><tr><th>项目</th><th>金额</th></tr><tr><td>合计</td><td><p>3,540.57</p><p>万元</p></td></tr></table>"
    )
    assert plain_text(html) == "小标题\n预算执行率为68.38%。\n第二行\n甲\n乙\n项目\t金额\n合计\t3,540.57 万元"
    assert plain_text("旧的纯文本\n两行") == "旧的纯文本\n两行"  # not HTML: as it is
    assert plain_text("") == ""


# --- every way in uses it -----------------------------------------------------------------------------

DIRTY = '<p onclick="x()">正文<script>alert(1)</script></p><table><tr><td colspan="2">表</td></tr></table>'
CLEAN = '<p>正文</p><table><tbody><tr><td colspan="2"><p>表</p></td></tr></tbody></table>'


def test_the_service_stores_sanitised_html(world):
    section = service.save_section(evaluation=world["a"], key="dept_overview", text=DIRTY, expected_version=0)
    assert section.text == CLEAN
    with pytest.raises(StaleObjectError) as info:
        service.save_section(evaluation=world["a"], key="dept_overview", text="<p>别的</p>", expected_version=0)
    # a conflict quotes the other person's words, never their tags
    assert "「正文」现为“正文 表”" in service.conflict_message(info.value, "部门情况")


def section_url(evaluation, key="dept_overview"):
    return reverse("evaluation-narrative-section", args=[evaluation.pk, key])


def test_the_section_page_offers_the_prose_editor_and_stores_what_it_posts_sanitised(client, world):
    client.force_login(world["evaluator_a"])
    body = client.get(section_url(world["a"])).content.decode()
    assert "data-django-prose-editor-configurable" in body  # the packaged editor's widget …
    assert "django_prose_editor/editor.js" in body and 'type="importmap"' in body  # … its scripts, served locally
    assert "/static/js/prose_word_paste.js" in body and "js/prose_zh.js" in body  # our paste and Chinese words
    assert "&quot;Heading&quot;:{&quot;levels&quot;:[3,4]}" in body and "&quot;Table&quot;:true" in body
    response = client.post(section_url(world["a"]), {"text": DIRTY, "version": "0"})
    assert response.status_code == 302
    assert NarrativeSection.objects.get(evaluation=world["a"], key="dept_overview").text == CLEAN
    page = client.get(reverse("evaluation-narrative", args=[world["a"].pk])).content.decode()
    assert CLEAN in page and "onclick" not in page and "alert(1)" not in page  # shown as HTML, sanitised


@pytest.mark.parametrize("persona", ["reviewer_a", "bureau_a", "unit_a", "admin"])
def test_only_the_evaluation_team_may_post_section_html(client, world, persona):
    client.force_login(world[persona])
    assert client.post(section_url(world["a"]), {"text": CLEAN, "version": "0"}).status_code == 403
    assert not NarrativeSection.objects.exists()


def test_no_editor_once_the_evaluation_is_not_editable_and_the_text_reads_as_html(client, world):
    service.save_section(evaluation=world["a"], key="dept_overview", text=CLEAN, expected_version=0)
    world["a"].state = EvaluationState.INTERNAL_REVIEW
    world["a"].save()
    client.force_login(world["evaluator_a"])
    assert client.post(section_url(world["a"]), {"text": "<p>改</p>", "version": "1"}).status_code == 403
    body = client.get(section_url(world["a"])).content.decode()
    assert "data-django-prose-editor" not in body and "django_prose_editor/editor.js" not in body
    assert CLEAN in body and "&lt;p&gt;" not in body


def test_the_admin_edits_a_section_in_the_same_editor_and_sanitiser(client, world):
    section = service.save_section(evaluation=world["a"], key="dept_overview", text="<p>原文</p>", expected_version=0)
    client.force_login(world["admin"])
    url = reverse("admin:evaluations_narrativesection_change", args=[section.pk])
    assert "data-django-prose-editor-configurable" in client.get(url).content.decode()
    data = {"evaluation": world["a"].pk, "key": "dept_overview", "text": DIRTY}
    assert client.post(url, data).status_code == 302
    section.refresh_from_db()
    assert (section.text, section.version) == (CLEAN, 2)  # a new version: an open page editor is told
    data["key"] = "background"  # a project section in a department evaluation
    response = client.post(url, data)
    assert response.status_code == 200 and "本类评价的报告没有这个章节" in response.content.decode()


def test_the_reader_makes_plain_text_paragraphs_and_sanitises_html(world):
    doc = export_document(world["a"])
    doc["narrative"] = {"dept_overview": "第一段\n第二段", "dept_duties": DIRTY}
    parsed, _ = read_document_partly(doc)  # (the evaluation has no indicators: not what this test reads)
    assert parsed.narrative == {"dept_overview": "<p>第一段</p><p>第二段</p>", "dept_duties": CLEAN}


def test_the_demo_sections_are_html_with_the_seed_004_tables(db):
    department = load_demo()["department"]
    structure = department.narrative.get(key="dept_structure").text
    assert "<p>罗庄区民政局内设机构职责分工表</p><table>" in structure
    assert "<th><p>机构设置</p></th><th><p>职责分工</p></th>" in structure
    assert structure.count("<tr>") == 7  # the header and six units
    performance = department.narrative.get(key="dept_performance").text
    assert '<th colspan="2"><p>部门职责</p></th><th><p>职责目标</p></th><th><p>工作内容</p></th>' in performance
    assert (
        '<td rowspan="3"><p>社会事务工作</p></td>' in performance and performance.count("<tr>") == 12
    )  # the header and 11 rows
    assert "机构设置：" not in structure and "部门职责：" not in performance  # no run-on prose left
    for section in department.narrative.all():
        assert clean_section_html(section.text) == section.text  # stored as the sanitiser makes it


def test_the_audit_trail_shows_the_words_not_the_tags(world):
    service.save_section(evaluation=world["a"], key="dept_overview", text="<p>旧</p>", expected_version=0)
    service.save_section(
        evaluation=world["a"], key="dept_overview", text="<p>新<strong>文</strong></p>", expected_version=1
    )
    entries = change_log(world["a"]).entries
    words = [(change.old, change.new) for entry in entries for change in entry.changes if change.field == "正文"]
    assert ("旧", "新文") in words


def test_the_migration_turns_stored_plain_text_into_paragraphs(world):
    plain = NarrativeSection.objects.create(evaluation=world["a"], key="dept_overview", text="一 <二>\n\n三")
    html = NarrativeSection.objects.create(evaluation=world["a"], key="dept_duties", text="<p>已是 HTML</p>")
    migration = importlib.import_module("evaluations.migrations.0012_narrative_sections_as_html")
    migration.paragraphs_to_html(apps, None)
    plain.refresh_from_db()
    html.refresh_from_db()
    assert (plain.text, html.text) == ("<p>一 &lt;二&gt;</p><p>三</p>", "<p>已是 HTML</p>")
