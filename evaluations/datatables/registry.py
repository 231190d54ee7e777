"""The tables of both evaluation kinds, as the seeds print them (DESIGN.md §6)."""

from __future__ import annotations

from evaluations.datatables.spec import DATE, INTEGER, MONEY, TEXT, Column, TableSpec

PROJECT = frozenset({"project"})
DEPARTMENT = frozenset({"department"})

PROJECT_TABLES = (
    TableSpec(
        key="project_funds",
        code="资金表",
        title="项目资金情况表",
        kinds=PROJECT,
        single_row=True,
        unit_note="单位：万元",
        description="项目的年初预算、调整后预算（指标金额）、实际到位资金和实际支出；资金到位率、预算执行率、预算调剂率由此计算。",
        columns=(
            Column("initial_budget", "年初预算", MONEY, "万元", required=True, example="433.53"),
            Column("adjusted_budget", "调整后预算（指标金额）", MONEY, "万元", required=True, example="294.39"),
            Column("funds_received", "实际到位资金", MONEY, "万元", required=True, example="294.39"),
            Column("actual_expenditure", "实际支出", MONEY, "万元", required=True, example="293.53"),
            Column("funding_source", "资金来源", TEXT, example="区级一般公共预算"),
        ),
    ),
    TableSpec(
        key="funds_use",
        code="表1-1",
        title="项目资金使用情况表",
        kinds=PROJECT,
        unit_note="单位：万元",
        group_columns=("category", "subcategory"),
        share_of="amount",
        columns=(
            Column("category", "类型", TEXT, required=True, example="慰问工作"),
            Column("subcategory", "子类型", TEXT, example="节日慰问"),
            Column("item", "支出明细", TEXT, required=True, example="春节慰问金"),
            Column("amount", "实际支付金额", MONEY, "万元", required=True, example="94.19", total=True),
        ),
    ),
    TableSpec(
        key="performance_targets",
        code="表1-2",
        title="项目绩效目标完成情况表",
        kinds=PROJECT,
        group_columns=("level1", "level2"),
        columns=(
            Column("level1", "一级指标", TEXT, required=True, example="产出指标"),
            Column("level2", "二级指标", TEXT, required=True, example="数量指标"),
            Column("name", "三级指标", TEXT, required=True, example="低保边缘户数"),
            Column("target", "年度指标值", TEXT, example="15 户"),
            Column("actual", "实际完成值", TEXT, example="15 户"),
        ),
    ),
    TableSpec(
        key="sub_item_budgets",
        code="表3-2",
        title="预算编制情况表",
        kinds=PROJECT,
        unit_note="单位：万元",
        columns=(
            Column("name", "子项名称", TEXT, required=True, example="困难群体补助"),
            Column("initial", "年初下达金额", MONEY, "万元", required=True, example="257", total=True),
            Column("adjusted", "指标金额", MONEY, "万元", required=True, example="226.5", total=True),
        ),
    ),
    TableSpec(
        key="disbursements",
        code="发放表",
        title="资金发放批次表",
        kinds=PROJECT,
        description="每一批次的发放日期、应发放截止日期、对象、金额和标准；发放及时率、超标率由此计算。",
        columns=(
            Column(
                "category",
                "发放类别",
                TEXT,
                required=True,
                example="节日慰问金",
                help="同一类别的批次合并计算及时率，如 节日慰问金、养育扶助金",
            ),
            Column(
                "item",
                "发放事项",
                TEXT,
                required=True,
                example="春节慰问金",
                help="同一事项的批次合并计算超标率，如 春节慰问金、中秋节慰问金",
            ),
            Column("recipient", "发放对象", TEXT, required=True, example="市属福利机构"),
            Column("paid_on", "发放日期", DATE, required=True, example="2023-01-20"),
            Column("deadline", "应发放截止日期", DATE, example="2023-01-21"),
            Column("recipients", "对象数量", INTEGER, "户/人/家", example="7"),
            Column("standard", "发放标准", MONEY, "万元/户", example="6"),
            Column("amount", "发放金额", MONEY, "万元", required=True, example="36", total=True),
            Column("over_standard", "超标准金额", MONEY, "万元", example="0", total=True),
        ),
    ),
)

DEPARTMENT_TABLES = (
    TableSpec(
        key="dept_staffing",
        code="基础表1",
        title="部门基本情况：机构设置和人员情况",
        kinds=DEPARTMENT,
        unit_note="单位：人",
        description="各机构的核定编制数和实际在岗人数；在职人员控制率由合计计算。",
        columns=(
            Column("unit", "机构名称", TEXT, required=True, example="民政局局机关"),
            Column("nature", "机构性质", TEXT, example="行政"),
            Column("quota_admin", "核定行政编制", INTEGER, "人", example="6", total=True),
            Column("quota_public", "核定事业编制", INTEGER, "人", example="0", total=True),
            Column("quota_welfare", "核定公益岗位", INTEGER, "人", total=True),
            Column("quota_dispatch", "核定劳务派遣", INTEGER, "人", total=True),
            Column("staff_admin", "在岗行政编制", INTEGER, "人", example="9", total=True),
            Column("staff_public", "在岗事业编制", INTEGER, "人", total=True),
            Column("staff_welfare", "在岗公益岗位", INTEGER, "人", example="3", total=True),
            Column("staff_workers", "在岗机关工勤", INTEGER, "人", example="1", total=True),
        ),
    ),
    TableSpec(
        key="dept_assets",
        code="基础表1",
        title="部门基本情况：固定资产状况",
        kinds=DEPARTMENT,
        unit_note="单位：元",
        columns=(
            Column("category", "固定资产分类", TEXT, required=True, example="房屋"),
            Column("year_end", "本年末价值", MONEY, "元", example="50226201.94", total=True),
            Column("in_use", "其中：在用价值", MONEY, "元", example="50226201.94", total=True),
            Column("previous_year_end", "上年末价值", MONEY, "元", total=True),
        ),
    ),
    TableSpec(
        key="dept_current_assets",
        code="基础表1",
        title="部门基本情况：流动资产状况",
        kinds=DEPARTMENT,
        unit_note="单位：元",
        columns=(
            Column("category", "流动资产分类", TEXT, required=True, example="银行存款"),
            Column("opening", "年初数", MONEY, "元", example="1691197.17", total=True),
            Column("closing", "期末数", MONEY, "元", example="161802.03", total=True),
        ),
    ),
    TableSpec(
        key="dept_rules",
        code="基础表2",
        title="部门组织管理制度",
        kinds=DEPARTMENT,
        columns=(
            Column("category", "制度分类", TEXT, required=True, example="财务管理"),
            Column("name", "制度文件名称", TEXT, required=True, example="罗庄区民政局财务管理制度"),
            Column("issuer", "发文单位", TEXT, example="办公室"),
            Column("issued_on", "发文日期", DATE, example="2017-12-27"),
            Column("execution", "执行情况", TEXT, example="按制度执行"),
        ),
    ),
    TableSpec(
        key="dept_workplan",
        code="基础表3",
        title="部门年度工作计划完成情况",
        kinds=DEPARTMENT,
        group_columns=("duty",),
        columns=(
            Column("duty", "部门职责", TEXT, required=True, example="社会救助"),
            Column("goal", "职责目标", TEXT, example="保障城乡低保对象的基本生活"),
            Column("indicator", "绩效指标", TEXT, required=True, example="城乡低保标准之比"),
            Column("explanation", "指标解释", TEXT),
            Column("planned", "年度计划值", TEXT, example="≥1.35:1"),
            Column("actual", "完成值", TEXT, example="1.3:1"),
            Column("budget_project", "预算项目", TEXT),
            Column("office", "对应科室", TEXT, example="社会救助科"),
        ),
    ),
    TableSpec(
        key="dept_projects",
        code="基础表4",
        title="部门年度专项项目完成情况表",
        kinds=DEPARTMENT,
        unit_note="单位：元",
        columns=(
            Column(
                "source",
                "资金类型",
                TEXT,
                required=True,
                example="区级资金",
                choices=("区级资金", "上级资金", "其他资金"),
            ),
            Column("name", "项目名称", TEXT, required=True, example="社会救助经费"),
            Column("content", "工作内容", TEXT),
            Column("budget", "预算数", MONEY, "元", required=True, example="50000.00", total=True),
            Column("paid", "实际支付资金数", MONEY, "元", required=True, example="0.00", total=True),
            Column("note", "备注", TEXT),
        ),
    ),
    TableSpec(
        key="dept_outcomes",
        code="基础表5",
        title="履职效益情况表",
        kinds=DEPARTMENT,
        columns=(
            Column("category", "类别", TEXT, required=True, example="收养登记合格率"),
            Column("benchmark", "标杆值", TEXT, example="100%"),
            Column("actual", "实际完成情况", TEXT, example="100%"),
            Column("quality", "完成质量情况", TEXT, example="优", choices=("优", "良", "中", "差", "较差")),
        ),
    ),
    TableSpec(
        key="dept_capacity",
        code="基础表6",
        title="部门能力建设情况",
        kinds=DEPARTMENT,
        columns=(
            Column("category", "能力建设分类", TEXT, required=True, example="档案管理"),
            Column("explanation", "解释说明", TEXT),
            Column("situation", "实际情况说明", TEXT),
        ),
    ),
    TableSpec(
        key="dept_budget_summary",
        code="收支预算总表",
        title="收支预算总表",
        kinds=DEPARTMENT,
        unit_note="单位：万元",
        group_columns=("side",),
        columns=(
            Column("side", "收支", TEXT, required=True, example="收入", choices=("收入", "支出")),
            Column("item", "项目", TEXT, required=True, example="一般公共预算"),
            Column("budget", "预算数", MONEY, "万元", example="5446.28"),
        ),
    ),
    TableSpec(
        key="dept_budget_vs_final",
        code="预决算对比表",
        title="预、决算支出对比表",
        kinds=DEPARTMENT,
        unit_note="单位：万元",
        group_columns=("classification",),
        columns=(
            Column(
                "classification",
                "分类",
                TEXT,
                required=True,
                example="功能分类科目",
                choices=("功能分类科目", "经济分类科目"),
            ),
            Column("item", "科目", TEXT, required=True, example="社会保障和就业支出"),
            Column("budget", "预算支出", MONEY, "万元", example="5395.32"),
            Column("final", "决算支出", MONEY, "万元", example="5049.03"),
        ),
    ),
    TableSpec(
        key="dept_three_public",
        code="三公经费表",
        title="一般公共预算财政拨款“三公”经费表",
        kinds=DEPARTMENT,
        unit_note="单位：万元",
        columns=(
            Column(
                "item",
                "项目",
                TEXT,
                required=True,
                example="公务接待费",
                choices=("因公出国（境）费", "公务用车购置费", "公务用车运行维护费", "公务接待费"),
            ),
            Column("previous_budget", "上年预算数", MONEY, "万元", example="0.2", total=True),
            Column("previous_final", "上年决算数", MONEY, "万元", example="0", total=True),
            Column("budget", "本年预算数", MONEY, "万元", example="0.1", total=True),
            Column("final", "本年决算数", MONEY, "万元", example="0.07", total=True),
        ),
    ),
    TableSpec(
        key="dept_key_figures",
        code="预算执行表",
        title="部门预算执行与运行成本情况",
        kinds=DEPARTMENT,
        single_row=True,
        unit_note="单位：万元",
        description="收支预算总表、预决算对比表和三公经费表之外的关键数据；预算执行进度率、调整率、结转结余率、"
        "政府采购执行率及各项变动率由此计算。",
        columns=(
            Column("added", "年中追加预算", MONEY, "万元", example="0"),
            Column("recalled", "年终收回预算", MONEY, "万元", example="0"),
            Column("adjustment", "预算调整数", MONEY, "万元", example="21.15"),
            Column("carryover", "结转结余总额", MONEY, "万元", example="360.52"),
            Column("procurement_budget", "政府采购预算", MONEY, "万元", example="6.85"),
            Column("procurement_actual", "实际政府采购金额", MONEY, "万元", example="6.93"),
            Column("key_project_spending", "重点项目支出", MONEY, "万元"),
            Column("project_spending", "项目总支出", MONEY, "万元"),
            Column("public_cost_per_capita", "本年人均公用经费", MONEY, "万元", example="0.95"),
            Column("public_cost_per_capita_previous", "上年人均公用经费", MONEY, "万元", example="1"),
            Column("training_meeting", "本年培训费、会议费", MONEY, "万元", example="0.1953"),
            Column("training_meeting_previous", "上年培训费、会议费", MONEY, "万元", example="0.68"),
            Column("operating_cost", "本年机关运行经费", MONEY, "万元", example="39.40"),
            Column("operating_cost_previous", "上年机关运行经费", MONEY, "万元", example="236.76"),
        ),
    ),
)

TABLES: dict[str, TableSpec] = {spec.key: spec for spec in (*PROJECT_TABLES, *DEPARTMENT_TABLES)}


def spec_for(key: str) -> TableSpec:
    return TABLES[key]


def tables_for_kind(kind: str) -> list[TableSpec]:
    return [spec for spec in TABLES.values() if kind in spec.kinds]
