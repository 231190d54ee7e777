"""The report outlines, versioned: which headings, in which order, and what fills each one.

An outline is a tree of Nodes; each node's parts say what goes under its heading, in order:
narrative text (evaluations.sections keys), data tables (evaluations.datatables keys) and generated
blocks (score tables, the indicator analysis, findings …). Headings are numbered 一、（一）1.（1）
by position when the report is assembled. A new wording or order is a new version: versions
already rendered keep theirs, and the admin picks per evaluation which one to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Part:
    kind: str  # text | table | team_text | conclusion | score_full | score_summary | analysis | items
    #            indicator_system | indicator_annex | base_tables | field_research
    #            explanations (accepted 说明 of check errors)
    key: str = ""


@dataclass(frozen=True)
class Node:
    title: str
    parts: tuple[Part, ...] = ()
    children: tuple[Node, ...] = ()
    optional: bool = False  # left out when it has nothing to say (a chapter prints "无。" instead)


@dataclass(frozen=True)
class OutlineSpec:
    key: str
    version: int
    kind: str
    name: str
    description: str
    chapters: tuple[Node, ...]
    annexes: tuple[Node, ...]
    preamble: tuple[Part, ...] = ()
    table_numbering: str = "chapter"  # "chapter": 表1-1, 表1-2 … per chapter; "none": titles only
    analysis_style: str = "project"  # project: （1）level-2 headings; department: a score table per level 1
    level1_suffix: str = ""  # appended to level-1 names in the analysis: "情况分析"
    # Data tables placed after the analysis of the named indicator (as the reference reports do).
    indicator_tables: dict[str, tuple[str, ...]] = field(default_factory=dict)


def T(key: str) -> Part:
    return Part("text", key)


def TB(key: str) -> Part:
    return Part("table", key)


def P(kind: str, key: str = "") -> Part:
    return Part(kind, key)


def N(title: str, *parts: Part, children: tuple[Node, ...] = (), optional: bool = False) -> Node:
    return Node(title, tuple(parts), children, optional)


PROJECT_V1 = OutlineSpec(
    key="project",
    version=1,
    kind="project",
    name="项目支出绩效评价报告（财预〔2020〕10号 附3）",
    description="参考报告 003 的结构，符合《项目支出绩效评价管理办法》附3 参考提纲：基本情况、评价开展情况、"
    "综合评价结论与指标分析、经验做法、问题、建议；附件为评分表、基础数据表和现场调研记录。",
    preamble=(T("preamble"),),
    chapters=(
        N(
            "基本情况",
            children=(
                N("项目背景", T("background")),
                N("项目概况", children=(N("项目主要内容", T("content")), N("项目实施情况", T("implementation")))),
                N(
                    "项目资金管理情况",
                    children=(
                        N("资金来源", T("funds_source")),
                        N("资金投入与使用", T("funds_use"), TB("funds_use")),
                    ),
                ),
                N(
                    "项目目标",
                    children=(
                        N("项目总目标", T("goal_overall")),
                        N("年度绩效目标及实现情况", T("goal_annual"), TB("performance_targets")),
                    ),
                ),
            ),
        ),
        N(
            "绩效评价开展情况",
            children=(
                N(
                    "绩效评价目的、对象和范围",
                    children=(N("评价目的", T("purpose")), N("评价对象和范围", T("scope"))),
                ),
                N(
                    "绩效评价依据、原则、方法",
                    children=(
                        N("评价依据", T("basis")),
                        N("评价原则", T("principles")),
                        N("评价方法", T("methods")),
                        N("评价实施过程", T("process")),
                    ),
                ),
            ),
        ),
        N(
            "综合评价结论与指标分析",
            children=(
                N("评价结论", P("conclusion"), P("score_full")),
                N("评价指标分析", P("analysis")),
            ),
        ),
        N("主要经验及做法", P("items", "experiences")),
        N("存在的问题", P("items", "findings")),
        N("相关建议和整改措施", P("items", "recommendations")),
        N("其他需要说明的问题", T("other"), P("explanations"), optional=True),
    ),
    annexes=(
        N("项目绩效指标体系评分表", P("indicator_annex")),
        N("基础数据采集表", P("base_tables")),
        N("现场调研记录", P("field_research"), optional=True),
    ),
    table_numbering="chapter",
    analysis_style="project",
    indicator_tables={"资金投入": ("sub_item_budgets",)},
)

DEPARTMENT_V1 = OutlineSpec(
    key="department",
    version=1,
    kind="department",
    name="部门整体绩效评价报告",
    description="参考报告 004 的结构：部门基本情况、评价工作开展情况、指标体系、评价结论及绩效分析、"
    "经验做法与问题建议、其他；附件 1 指标体系得分表、附件 2 基础数据采集表、附件 3 现场调研记录。",
    chapters=(
        N(
            "部门基本情况",
            children=(
                N(
                    "部门概况",
                    children=(
                        N("部门情况", T("dept_overview")),
                        N("主要职责", T("dept_duties")),
                        N("部门组织架构", T("dept_structure")),
                        N("部门人员编制", T("dept_staff"), TB("dept_staffing")),
                        N("部门资产情况", T("dept_assets")),
                    ),
                ),
                N("部门规划与绩效目标", T("dept_plan")),
                N("部门履职情况", T("dept_performance")),
                N(
                    "部门整体收支情况",
                    children=(
                        N("部门收入情况", T("dept_income"), TB("dept_budget_summary")),
                        N("部门支出情况", T("dept_expenditure"), TB("dept_budget_vs_final")),
                        N("“三公”经费", T("dept_three_public")),
                        N("部门重点项目支出情况", T("dept_key_projects")),
                    ),
                ),
                N("部门管理情况", T("dept_management")),
            ),
        ),
        N(
            "绩效评价工作开展情况",
            children=(
                N("评价目的和关注点", T("purpose")),
                N("评价依据", T("basis")),
                N("绩效评价方法选择", T("methods")),
                N("评价过程", P("team_text", "process")),
                N("评价的局限性", T("limitations"), optional=True),
            ),
        ),
        N(
            "部门整体绩效评价指标体系",
            children=(
                N("指标体系设计的总体思路", T("system_design"), P("indicator_system")),
                N("评价等级", T("grade_levels")),
            ),
        ),
        N(
            "评价结论及绩效分析",
            children=(
                N("评价结论", P("conclusion"), P("score_summary")),
                N("绩效分析", P("analysis")),
            ),
        ),
        N(
            "主要经验及做法、存在的问题及建议",
            children=(
                N("主要经验及做法", P("items", "experiences")),
                N("存在的问题", P("items", "findings")),
                N("建议和改进措施", P("items", "recommendations")),
            ),
        ),
        N("其他需要说明的问题", T("other"), P("explanations"), optional=True),
    ),
    annexes=(
        N("指标体系得分表", P("indicator_annex")),
        N("基础数据采集表", P("base_tables")),
        N("现场调研记录", P("field_research"), optional=True),
    ),
    table_numbering="none",
    analysis_style="department",
    level1_suffix="情况分析",
    indicator_tables={"“三公经费”变动率": ("dept_three_public",)},
)

OUTLINES: dict[tuple[str, int], OutlineSpec] = {(spec.key, spec.version): spec for spec in (PROJECT_V1, DEPARTMENT_V1)}


def get_spec(key: str, version: int) -> OutlineSpec:
    return OUTLINES[(key, version)]


def latest_specs() -> list[OutlineSpec]:
    latest: dict[str, OutlineSpec] = {}
    for spec in OUTLINES.values():
        if spec.key not in latest or spec.version > latest[spec.key].version:
            latest[spec.key] = spec
    return list(latest.values())
