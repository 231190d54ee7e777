"""evaluations.interfaces.excel: the workbook the tables download as, and every way an upload is read or refused."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from evaluations.datatables import TABLES, spec_for, tables_for_kind
from evaluations.interfaces import excel
from rubrics.builtin import BUILTIN_DIR

SEEDS = {"project": "project_luohu_2023.json", "department": "department_luozhuang_2022.json"}


def seed_rows(kind: str) -> dict[str, list[dict]]:
    """The reference report's tables, parsed (Decimal, date …) as evaluation_tables gives them."""
    document = json.loads((BUILTIN_DIR / SEEDS[kind]).read_text(encoding="utf-8"))
    rows = {}
    for spec in tables_for_kind(kind):
        parsed = [spec.parse_row(raw) for raw in document["tables"].get(spec.key, [])]
        assert all(not errors for _, errors in parsed), spec.key
        rows[spec.key] = [values for values, _ in parsed]
    return rows


def dumped(spec, rows):
    return [spec.dump_row(row) for row in rows]


def reparsed(spec, raw_rows):
    return [spec.dump_row(spec.parse_row(raw)[0]) for raw in raw_rows]


def open_book(data: bytes):
    return load_workbook(io.BytesIO(data))


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def problems_of(data: bytes, specs) -> list[str]:
    with pytest.raises(excel.WorkbookError) as caught:
        excel.read_workbook(data, specs)
    return caught.value.problems


# --- names and layout -----------------------------------------------------------------------------------


def test_sheet_names_are_code_and_title_unique_and_short():
    names = [excel.sheet_name(spec) for spec in TABLES.values()]
    assert len(names) == len({name.lower() for name in names})
    assert all(len(name) <= 31 for name in names)
    assert excel.sheet_name(spec_for("funds_use")) == "表1-1 项目资金使用情况表"
    assert excel.sheet_name(spec_for("dept_projects")) == "基础表4 部门年度专项项目完成情况表"
    assert excel.sheet_name(spec_for("dept_budget_summary")) == "收支预算总表"


def test_an_empty_table_downloads_as_a_template_with_a_marked_example_row():
    spec = spec_for("dept_projects")
    book = open_book(excel.build_workbook([spec], {}, example=True))
    sheet = book[excel.sheet_name(spec)]
    assert sheet["A1"].value == "基础表4 部门年度专项项目完成情况表"
    assert sheet.cell(row=2, column=len(spec.columns)).value == "单位：元"
    headers = [cell.value for cell in sheet[excel.HEADER_ROW]][: len(spec.columns)]
    assert headers == ["资金类型", "项目名称", "工作内容", "预算数（元）", "实际支付资金数（元）", "备注"]
    example = [cell.value for cell in sheet[excel.HEADER_ROW + 1]]
    assert example[:2] == ["区级资金", "社会救助经费"]
    assert example[3] == 50000
    assert example[len(spec.columns)] == excel.EXAMPLE_MARK
    assert sheet.freeze_panes == "A4"
    assert sheet["D4"].number_format == "#,##0.00"
    assert sheet.column_dimensions["B"].width >= 10
    validations = sheet.data_validations.dataValidation
    assert any(v.formula1 == '"区级资金,上级资金,其他资金"' and "A4" in str(v.sqref) for v in validations)
    assert sheet["A3"].comment is not None and "必填" in sheet["A3"].comment.text
    assert book.active.title == excel.sheet_name(spec)


def test_without_example_an_empty_table_has_only_its_header():
    spec = spec_for("funds_use")
    sheet = open_book(excel.build_workbook([spec], {}))[excel.sheet_name(spec)]
    assert sheet.max_row == excel.HEADER_ROW


def test_stored_rows_are_written_typed_with_money_formats():
    rows = seed_rows("project")
    spec = spec_for("funds_use")
    sheet = open_book(excel.build_workbook([spec], rows, example=True))[excel.sheet_name(spec)]
    assert [c.value for c in sheet[4]][:4] == ["慰问工作", "节日慰问", "春节慰问金", 94.19]
    assert sheet["D4"].number_format == "#,##0.00####"
    assert sheet.max_row == excel.HEADER_ROW + len(rows["funds_use"])
    assert excel.EXAMPLE_MARK not in [c.value for row in sheet.iter_rows() for c in row]
    dates = open_book(excel.build_workbook([spec_for("disbursements")], rows))[
        excel.sheet_name(spec_for("disbursements"))
    ]
    assert dates["D4"].value == dt.datetime(2023, 1, 20) and dates["D4"].number_format == "yyyy-mm-dd"


def test_a_one_row_table_is_a_vertical_form():
    spec = spec_for("project_funds")
    sheet = open_book(excel.build_workbook([spec], seed_rows("project")))[excel.sheet_name(spec)]
    assert [c.value for c in sheet[3]] == list(excel.SINGLE_HEADERS)
    assert [sheet.cell(row=4 + i, column=1).value for i in range(len(spec.columns))] == [
        column.header for column in spec.columns
    ]
    assert sheet["B4"].value == 433.53
    assert sheet["C4"].value.startswith("必填")


def test_the_workbook_has_a_guide_every_table_and_hidden_versions():
    specs = tables_for_kind("department")
    meta = excel.WorkbookMeta(
        kind="department", evaluation_id=7, evaluation_title="测试", versions={"dept_projects": 4}
    )
    book = open_book(excel.build_workbook(specs, seed_rows("department"), example=True, meta=meta))
    assert book.sheetnames == [excel.GUIDE_SHEET, *(excel.sheet_name(s) for s in specs), excel.META_SHEET]
    assert book[excel.META_SHEET].sheet_state == "hidden"
    assert sum(1 for sheet in book.worksheets if sheet.sheet_view.tabSelected) == 1
    content = excel.read_workbook(save(book), specs)
    assert content.meta.kind == "department" and content.meta.evaluation_id == 7
    assert content.meta.versions == {"dept_projects": 4}


# --- round trip ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["project", "department"])
def test_download_then_read_gives_the_same_rows(kind):
    specs = tables_for_kind(kind)
    rows = seed_rows(kind)
    content = excel.read_workbook(excel.build_workbook(specs, rows, example=True), specs)
    for spec in specs:
        assert reparsed(spec, content[spec.key]) == dumped(spec, rows[spec.key]), spec.key


@pytest.mark.parametrize("kind", ["project", "department"])
def test_a_template_reads_back_empty(kind):
    specs = tables_for_kind(kind)
    content = excel.read_workbook(excel.build_workbook(specs, {}, example=True), specs)
    assert all(rows == [] for rows in content.values())
    assert set(content) == {spec.key for spec in specs}


def test_cells_typed_as_text_dates_and_serials_are_accepted():
    spec = spec_for("disbursements")
    book = open_book(excel.build_workbook([spec], {}, example=True))
    sheet = book[excel.sheet_name(spec)]
    sheet.delete_rows(4)
    sheet.append(
        [
            "节日慰问金",
            "春节慰问金",
            "市属福利机构",
            "2023年1月20日",
            dt.datetime(2023, 1, 21, 0, 0),
            "7",
            "6",
            "1,234.50",
            None,
        ]
    )
    sheet.append(["节日慰问金", "中秋节慰问金", "区属", dt.date(2023, 9, 20), 45190, 3, 0.5, 1.5, "0"])
    sheet.append([None] * 9)  # blank rows are skipped
    content = excel.read_workbook(save(book), [spec])
    first, second = (spec.parse_row(raw)[0] for raw in content[spec.key])
    assert first["paid_on"] == dt.date(2023, 1, 20) and first["deadline"] == dt.date(2023, 1, 21)
    assert first["amount"] == Decimal("1234.50") and first["recipients"] == 7
    assert second["paid_on"] == dt.date(2023, 9, 20) and second["deadline"] == dt.date(2023, 9, 21)  # serial 45190
    assert len(content[spec.key]) == 2


def test_excel_float_noise_does_not_leak_into_numbers():
    spec = spec_for("funds_use")
    book = open_book(excel.build_workbook([spec], {}, example=False))
    book[excel.sheet_name(spec)].append(["慰问工作", None, "临时慰问金", 0.1 + 0.2])
    (raw,) = excel.read_workbook(save(book), [spec])[spec.key]
    assert spec.parse_row(raw)[0]["amount"] == Decimal("0.3")


def test_text_columns_read_numbers_and_dates_as_people_typed_them():
    spec = spec_for("performance_targets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)].append(["产出指标", "数量指标", "户数", 15.0, dt.datetime(2023, 5, 1)])
    (raw,) = excel.read_workbook(save(book), [spec])[spec.key]
    assert raw["target"] == "15" and raw["actual"] == "2023-05-01"


def test_the_header_row_is_found_when_rows_were_inserted_above():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    book[excel.sheet_name(spec)].insert_rows(1, 2)
    content = excel.read_workbook(save(book), [spec])
    assert len(content[spec.key]) == 3


# --- cell problems: all listed, with sheet, row, column and why -------------------------------------------


def test_every_bad_cell_of_every_sheet_is_listed():
    specs = tables_for_kind("department")
    book = open_book(excel.build_workbook(specs, seed_rows("department")))
    projects = book[excel.sheet_name(spec_for("dept_projects"))]
    projects["D7"] = "六百万"
    projects["B8"] = None
    three = book[excel.sheet_name(spec_for("dept_three_public"))]
    three["A5"] = "会议费"
    key_figures = book[excel.sheet_name(spec_for("dept_key_figures"))]
    key_figures["B5"] = "abc"
    problems = problems_of(save(book), specs)
    assert "工作表「基础表4 部门年度专项项目完成情况表」第7行 D列 预算数（元）：「六百万」不是数字" in problems
    assert "工作表「基础表4 部门年度专项项目完成情况表」第8行 B列 项目名称：必须填写" in problems
    assert any(
        p.startswith("工作表「三公经费表 一般公共预算财政拨款“三公”经费表」第5行 A列 项目：「会议费」不在可选值")
        for p in problems
    )
    assert "工作表「预算执行表 部门预算执行与运行成本情况」第5行 B列 年终收回预算（万元）：「abc」不是数字" in problems
    assert len(problems) == 4


def test_content_in_a_column_without_header_is_refused_not_dropped():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    book[excel.sheet_name(spec)]["E5"] = "备注：追加"
    (problem,) = problems_of(save(book), [spec])
    assert "第5行 E列" in problem and "没有列标题" in problem


def test_a_total_row_typed_into_the_sheet_is_refused_not_counted_twice():
    spec = spec_for("funds_use")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    book[excel.sheet_name(spec)].append(["合 计", None, None, 293.53])
    assert problems_of(save(book), [spec]) == [
        "工作表「表1-1 项目资金使用情况表」第13行是「合计」行：合计由系统自动计算，请删除此行。"
    ]


def test_an_example_row_is_recognised_by_its_mark_and_skipped_even_if_edited():
    spec = spec_for("funds_use")
    book = open_book(excel.build_workbook([spec], {}, example=True))
    sheet = book[excel.sheet_name(spec)]
    sheet["D4"] = 1
    sheet.append(["慰问工作", "节日慰问", "春节慰问金", 94.19])
    (raw,) = excel.read_workbook(save(book), [spec])[spec.key]
    assert raw["item"] == "春节慰问金"


# --- the file itself ------------------------------------------------------------------------------------------

SPECS = tables_for_kind("project")


def test_an_empty_file_is_refused():
    assert problems_of(b"", SPECS) == ["上传的文件是空的（0 字节）。"]


def test_a_pdf_is_refused():
    (problem,) = problems_of(b"%PDF-1.7\n1 0 obj\n", SPECS)
    assert "PDF" in problem


def test_a_text_file_renamed_xlsx_is_refused():
    (problem,) = problems_of("项目名称,预算数\n社会救助,100\n".encode(), SPECS)
    assert "不是 Excel 工作簿" in problem


def test_an_old_xls_file_is_refused_with_how_to_fix():
    (problem,) = problems_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, SPECS)
    assert ".xls" in problem and "另存为" in problem


def test_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    (problem,) = problems_of(buffer.getvalue(), SPECS)
    assert "Word" in problem


def test_a_broken_xlsx_is_refused():
    data = excel.build_workbook(SPECS, {})
    (problem,) = problems_of(data[: len(data) // 2], SPECS)
    assert "损坏" in problem or "无法读取" in problem


def test_a_zip_with_a_broken_workbook_inside_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml")
    (problem,) = problems_of(buffer.getvalue(), SPECS)
    assert "无法读取" in problem


def test_too_large_a_file_is_refused():
    (problem,) = problems_of(b"PK\x03\x04" + b"\0" * excel.MAX_UPLOAD_BYTES, SPECS)
    assert "超过 5 MB" in problem


# --- sheets and columns -----------------------------------------------------------------------------------------


def test_a_renamed_sheet_is_refused_naming_the_sheets_found():
    book = open_book(excel.build_workbook(SPECS, {}))
    book[excel.sheet_name(spec_for("funds_use"))].title = "Sheet1"
    (problem,) = problems_of(save(book), SPECS)
    assert "找不到工作表「表1-1 项目资金使用情况表」" in problem and "「Sheet1」" in problem


def test_a_missing_sheet_is_refused():
    book = open_book(excel.build_workbook(SPECS, {}))
    del book[excel.sheet_name(spec_for("disbursements"))]
    (problem,) = problems_of(save(book), SPECS)
    assert "找不到工作表「发放表 资金发放批次表」" in problem


def test_an_extra_column_is_refused():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)]["D3"] = "备注"
    assert problems_of(save(book), [spec]) == ["工作表「表3-2 预算编制情况表」D列「备注」不是本表的列，请删除该列。"]


def test_a_missing_column_is_refused():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)].delete_cols(3)
    assert problems_of(save(book), [spec]) == ["工作表「表3-2 预算编制情况表」缺少列「指标金额（万元）」。"]


def test_a_renamed_column_is_refused():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)]["C3"] = "调整后金额（万元）"
    assert problems_of(save(book), [spec]) == [
        "工作表「表3-2 预算编制情况表」C列标题「调整后金额（万元）」应为「指标金额（万元）」（请勿修改列名）。"
    ]


def test_a_column_in_another_unit_is_refused():
    spec = spec_for("dept_projects")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)]["D3"] = "预算数（万元）"
    (problem,) = problems_of(save(book), [spec])
    assert "D列标题「预算数（万元）」应为「预算数（元）」" in problem and "单位应为元" in problem


def test_a_duplicated_column_is_refused():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)]["D3"] = "子项名称"
    assert problems_of(save(book), [spec]) == ["工作表「表3-2 预算编制情况表」列「子项名称」出现了两次（A列和D列）。"]


def test_columns_in_another_order_and_with_ascii_brackets_are_read():
    spec = spec_for("sub_item_budgets")
    book = Workbook()
    sheet = book.active
    sheet.title = excel.sheet_name(spec)
    sheet.append(["预算编制情况表"])
    sheet.append([])
    sheet.append(["指标金额(万元)", "子项名称", "年初下达金额 （万元）"])
    sheet.append([226.5, "困难群体补助", 257])
    (raw,) = excel.read_workbook(save(book), [spec])[spec.key]
    assert spec.parse_row(raw) == ({"name": "困难群体补助", "initial": Decimal(257), "adjusted": Decimal("226.5")}, {})


def test_a_sheet_without_a_header_row_is_refused():
    spec = spec_for("sub_item_budgets")
    book = open_book(excel.build_workbook([spec], {}))
    book[excel.sheet_name(spec)].delete_rows(1, 10)
    (problem,) = problems_of(save(book), [spec])
    assert "找不到表头行" in problem


def test_the_vertical_form_refuses_a_renamed_item():
    spec = spec_for("project_funds")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    book[excel.sheet_name(spec)]["A5"] = "调整后预算"
    assert problems_of(save(book), [spec]) == [
        "工作表「资金表 项目资金情况表」第5行 A列「调整后预算」应为「调整后预算（指标金额）（万元）」"
        "（请勿修改项目名称）。"
    ]


def test_the_vertical_form_refuses_missing_unknown_and_misunited_items():
    spec = spec_for("project_funds")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    sheet = book[excel.sheet_name(spec)]
    sheet["A4"] = "年初预算（元）"
    sheet["A8"] = "资金性质"
    sheet.delete_rows(7)
    problems = problems_of(save(book), [spec])
    assert problems == [
        "工作表「资金表 项目资金情况表」第4行 A列「年初预算（元）」应为「年初预算（万元）」（单位应为万元）。",
        "工作表「资金表 项目资金情况表」第7行 A列「资金性质」不是本表的项目。",
        "工作表「资金表 项目资金情况表」缺少项目「实际支出（万元）」所在的行。",
        "工作表「资金表 项目资金情况表」缺少项目「资金来源」所在的行。",
    ]


def test_a_value_in_the_vertical_form_is_checked_like_a_cell():
    spec = spec_for("project_funds")
    book = open_book(excel.build_workbook([spec], seed_rows("project")))
    book[excel.sheet_name(spec)]["B7"] = None
    assert problems_of(save(book), [spec]) == ["工作表「资金表 项目资金情况表」第7行 B列 实际支出（万元）：必须填写"]


# --- a file of the other kind ----------------------------------------------------------------------------------


def test_a_workbook_of_the_other_kind_is_refused_by_its_meta():
    data = excel.build_workbook(
        tables_for_kind("department"), {}, meta=excel.WorkbookMeta(kind="department", evaluation_id=2)
    )
    (problem,) = problems_of(data, SPECS)
    assert "此文件是「部门整体绩效评价」的基础数据表，本评价是「项目支出绩效评价」" in problem


def test_a_workbook_of_the_other_kind_is_refused_by_its_sheets_without_meta():
    book = open_book(excel.build_workbook(tables_for_kind("project"), {}))
    (problem,) = problems_of(save(book), tables_for_kind("department"))
    assert "此文件是「项目支出绩效评价」的基础数据表" in problem
