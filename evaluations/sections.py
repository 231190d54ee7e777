"""The report's text sections per evaluation kind, in the order of the reference outlines.

Project (seed 003, 财预〔2020〕10号 附3) and department (seed 004). Sections hold the prose
users write; tables, scores, findings and recommendations come from the data and are
placed by the report outline (reports/), not typed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    chapter: str  # the 一级 heading it belongs to
    title: str  # its own heading
    hint: str = ""
    optional: bool = False


PROJECT_SECTIONS = (
    Section("preamble", "引言", "报告引言", "开篇说明评价的依据和组织情况。"),
    Section("background", "一、基本情况", "项目背景"),
    Section("content", "一、基本情况", "项目主要内容"),
    Section("implementation", "一、基本情况", "项目实施情况"),
    Section("funds_source", "一、基本情况", "资金来源"),
    Section("funds_use", "一、基本情况", "资金投入与使用", "资金投入与使用情况；表 1-1 由基础数据生成。"),
    Section("goal_overall", "一、基本情况", "项目总目标"),
    Section("goal_annual", "一、基本情况", "年度绩效目标及实现情况", "表 1-2 由基础数据生成。"),
    Section("purpose", "二、绩效评价开展情况", "评价目的"),
    Section("scope", "二、绩效评价开展情况", "评价对象和范围"),
    Section("basis", "二、绩效评价开展情况", "评价依据"),
    Section("principles", "二、绩效评价开展情况", "评价原则"),
    Section("methods", "二、绩效评价开展情况", "评价方法"),
    Section("process", "二、绩效评价开展情况", "评价实施过程"),
    Section("conclusion", "三、综合评价结论与指标分析", "评价结论", "总分、等级和得分表由评分生成；此处写总体评价。"),
    Section("other", "七、其他需要说明的问题", "其他需要说明的问题", optional=True),
)

DEPARTMENT_SECTIONS = (
    Section("dept_overview", "一、部门基本情况", "部门情况"),
    Section("dept_duties", "一、部门基本情况", "主要职责"),
    Section("dept_structure", "一、部门基本情况", "部门组织架构"),
    Section("dept_staff", "一、部门基本情况", "部门人员编制", "人员情况表由基础表 1 生成。"),
    Section("dept_assets", "一、部门基本情况", "部门资产情况"),
    Section("dept_plan", "一、部门基本情况", "部门规划与绩效目标"),
    Section("dept_performance", "一、部门基本情况", "部门履职情况"),
    Section("dept_income", "一、部门基本情况", "部门收入情况", "收支预算总表由基础数据生成。"),
    Section("dept_expenditure", "一、部门基本情况", "部门支出情况", "预决算对比表由基础数据生成。"),
    Section("dept_three_public", "一、部门基本情况", "“三公”经费"),
    Section("dept_key_projects", "一、部门基本情况", "部门重点项目支出情况"),
    Section("dept_management", "一、部门基本情况", "部门管理情况"),
    Section("purpose", "二、绩效评价工作开展情况", "评价目的和关注点"),
    Section("basis", "二、绩效评价工作开展情况", "评价依据"),
    Section("methods", "二、绩效评价工作开展情况", "绩效评价方法选择"),
    Section("process", "二、绩效评价工作开展情况", "评价过程", "工作组人员及分工表由评价小组生成。"),
    Section("limitations", "二、绩效评价工作开展情况", "评价的局限性", optional=True),
    Section("system_design", "三、部门整体绩效评价指标体系", "指标体系设计的总体思路", "指标体系表由指标数据生成。"),
    Section("grade_levels", "三、部门整体绩效评价指标体系", "评价等级"),
    Section("conclusion", "四、评价结论及绩效分析", "评价结论", "总分、等级和得分表由评分生成；此处写总体评价。"),
    Section("other", "六、其他需要说明的问题", "其他需要说明的问题", optional=True),
)

SECTIONS = {"project": PROJECT_SECTIONS, "department": DEPARTMENT_SECTIONS}


def sections_for(kind: str) -> tuple[Section, ...]:
    return SECTIONS[kind]


def section_keys(kind: str) -> set[str]:
    return {section.key for section in SECTIONS[kind]}
