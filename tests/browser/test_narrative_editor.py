"""Issue 11 in the browser: an evaluator writes a report section in the packaged editor (a sub-heading, bold, a
figure bound to the data chosen in the picker) and pastes a table and a list from Word; the saved section shows
them on the page."""

import pytest
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.models import Evaluation
from tests.browser.conftest import EDITOR, focus_at_end, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Word's clipboard HTML, shortened: mso styles, fonts, <o:p>, a bulleted list written as list paragraphs,
# a table whose first cell is merged over two rows.
WORD = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style><!-- p.MsoNormal {margin:0cm;}
--></style></head><body lang=ZH-CN><!--StartFragment-->
<p class=MsoListParagraphCxSpFirst style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span style='font-family:Wingdings'><span style='mso-list:Ignore'>l<span style='font:7.0pt
"Times New Roman"'>&nbsp; </span></span></span><![endif]><span
style='font-family:仿宋'>部分数据不予公开<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpLast style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span style='font-family:Wingdings'><span style='mso-list:Ignore'>l<span style='font:7.0pt
"Times New Roman"'>&nbsp; </span></span></span><![endif]><span
style='font-family:仿宋'>资料以纸质为主<o:p></o:p></span></p>
<table class=MsoTableGrid border=1 style='border-collapse:collapse;mso-yfti-tbllook:1184'>
<tr><td style='border:solid windowtext 1.0pt'><p class=MsoNormal><b>单位</b></p></td>
<td><p class=MsoNormal><b>资料</b></p></td><td><p><b>份数</b></p></td></tr>
<tr><td rowspan=2><p class=MsoNormal><font face=宋体 color=red>婚姻登记中心</font><o:p></o:p></p></td>
<td><p>登记档案</p></td><td><p>260</p></td></tr>
<tr><td><p>补发证明</p></td><td><p>143</p></td></tr></table>
<!--EndFragment--></body></html>"""

PASTE = """([html, text]) => {
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", text);
  const target = document.querySelector(".prose-editor .ProseMirror[contenteditable=true]");
  target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


def test_evaluator_writes_and_pastes_rich_text_into_a_section(page):
    evaluation = load_demo()["department"]
    login(page, "evaluator")
    page.goto(f"/evaluations/{evaluation.pk}/narrative/sections/limitations/")
    editor = page.locator(EDITOR)
    expect(editor).to_contain_text("本次评价使用罗庄区民政局提供的相关基础数据")  # the stored text, in the editor
    menu = page.locator(".prose-menubar")
    expect(menu.locator("[data-name=bold]")).to_have_attribute("title", "加粗")  # Chinese words on the buttons
    expect(menu.locator("[data-name=table]")).to_have_attribute("title", "插入表格")

    # a sub-heading, chosen from the paragraph-style menu, then a sentence with a bold word
    focus_at_end(page)
    page.keyboard.press("Enter")
    page.keyboard.insert_text("补充说明")
    menu.locator(".prose-menubar__selected").click()
    page.locator(".prose-menubar__option[data-name=heading3]", has_text="小标题").click()
    expect(editor.locator("h3")).to_have_text("补充说明")
    focus_at_end(page)
    page.keyboard.press("Enter")
    page.keyboard.insert_text("评价组")
    page.keyboard.press("Control+b")
    page.keyboard.insert_text("重点")
    page.keyboard.press("Control+b")
    page.keyboard.insert_text("关注以下两点：")
    expect(editor.locator("strong")).to_have_text("重点")
    expect(page.locator("[data-char-count]")).to_contain_text("字")

    # a figure bound to the data, found in the picker by searching; the editor shows its current value
    page.keyboard.insert_text("综合得分为")
    menu.locator("[data-name=dataFigure]").click()
    picker = page.locator("dialog.figure-picker")
    picker.locator("input[type=search]").fill("综合得分")
    expect(picker.locator("[data-key]")).to_have_count(1)
    picker.locator("[data-key=total]").click()
    expect(picker).to_have_count(0)
    expect(editor.locator(".bound-figure[data-figure=total]")).to_have_text("91.87 分")
    page.keyboard.insert_text("。")

    # paste from Word: the list paragraphs become a list, the table a table with its merged cell
    page.keyboard.press("Enter")
    page.evaluate(PASTE, [WORD, "部分数据不予公开\n资料以纸质为主"])
    expect(editor.locator("ul li")).to_have_count(2)
    expect(editor.locator("ul li").first).to_have_text("部分数据不予公开")
    expect(editor.locator("table td[rowspan='2']")).to_have_text("婚姻登记中心")

    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_have_text("已保存「评价的局限性」。")
    stored = evaluation.narrative.get(key="limitations").text
    assert (
        '<h3>补充说明</h3><p>评价组<strong>重点</strong>关注以下两点：综合得分为<span data-figure="total"></span>。</p>'
        in stored
    )
    assert "<ul><li><p>部分数据不予公开</p></li><li><p>资料以纸质为主</p></li></ul>" in stored
    assert '<td rowspan="2"><p>婚姻登记中心</p></td>' in stored and "<td><p>143</p></td>" in stored
    for junk in ("mso", "style=", "class=", "<o:p", "font", "Wingdings", "colgroup"):
        assert junk not in stored, junk

    # the saved section, shown on the report text page as what it is: a heading, a list and a table
    page.goto(f"/evaluations/{evaluation.pk}/narrative/")
    section = page.locator("#section-limitations")
    expect(section.locator("h3")).to_have_text("补充说明")
    expect(section.locator(".bound-figure[data-figure=total]")).to_have_text("91.87 分")
    expect(section.locator("ul li")).to_have_count(2)
    expect(section.locator("table td[rowspan='2']")).to_have_text("婚姻登记中心")
    # and opened again, the editor shows the same structure
    page.goto(f"/evaluations/{evaluation.pk}/narrative/sections/limitations/")
    expect(editor.locator("table td[rowspan='2']")).to_have_text("婚姻登记中心")
    assert Evaluation.objects.get(pk=evaluation.pk).narrative.get(key="limitations").version == 2
