"""assemble_report(evaluation, outline) → ReportContent: the report's text, tables and scores from the data.

Nothing here knows HTML or PDF (a section's rich text is read into blocks by reports.rich_text). Every figure
comes from the data: narrative sections (NarrativeSection),
tables (evaluations.queries.datatables with the declared specs), scores (the indicators), the team,
findings, recommendations and experiences. Sentences that restate weights and scores are generated here,
so they always agree with the score tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.datatables.figures import compute_figures
from evaluations.models import Evaluation
from evaluations.queries.bound_figures import figure_catalogue, figure_texts
from evaluations.queries.consistency import ERROR, TODO, check_evaluation, unfinished
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.explanations import accepted_explanations
from evaluations.queries.narrative import score_sentence
from evaluations.queries.research import research_rows
from evaluations.queries.tree import indicator_tree, not_applicable_note
from reports import base_tables, indicator_tables
from reports.content import CoverField, Paragraph, Problem, ReportContent, Section, Table
from reports.numbering import heading_number
from reports.outlines import Node, OutlineSpec, Part
from reports.rich_text import SENTENCE_END, SUBHEAD, section_blocks
from reports.typography import REPORT, profile_fonts
from rubrics.numbers import cn_year_month, percent, plain
from rubrics.tree import IndicatorTree, TreeNode

TAIL = re.compile(
    r"(具体分析如下|指标得分情况见下?表|得分情况(详)?见下表|(具体)?情况如下表|详见下表|如下表|见下表)[：:]?\s*$"
)
TABLE_INTRO = re.compile(r"(如下表|见下表|详见下表)[：:]?\s*$")


def text_paragraphs(text: str) -> list[Paragraph]:
    """Plain text (analysis, findings …) as paragraphs: one per line; short numbered lines become sub-headings."""
    paragraphs = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        short = len(line) <= 30 and not line.endswith(SENTENCE_END)
        paragraphs.append(Paragraph(line, style="subhead" if short and SUBHEAD.match(line) else ""))
    return paragraphs


def grade_note(grades: list) -> str:
    """等级标识分数对应标准：优：绩效评价分值≥90 分；良：80 分≤绩效评价分值＜90 分；…"""
    bounds = sorted(((Decimal(str(lower)), str(label)) for lower, label in grades), reverse=True)
    parts = []
    for index, (lower, label) in enumerate(bounds):
        upper = bounds[index - 1][0] if index else None
        if upper is None:
            parts.append(f"{label}：绩效评价分值≥{plain(lower)} 分")
        elif lower <= 0 and index == len(bounds) - 1:
            parts.append(f"{label}：绩效评价分值＜{plain(upper)} 分")
        else:
            parts.append(f"{label}：{plain(lower)} 分≤绩效评价分值＜{plain(upper)} 分")
    return "等级标识分数对应标准：" + "；".join(parts) + "。"


def insert_before_tail(text: str, sentence: str) -> str:
    """Put a generated sentence before a closing "具体分析如下：" / "指标得分情况见表：", else at the end."""
    match = TAIL.search(text)
    if match:
        return text[: match.start()] + sentence + text[match.start() :]
    return text + sentence


@dataclass
class Context:
    evaluation: Evaluation
    spec: OutlineSpec
    narrative: dict[str, str]
    figures: dict[str, str]  # the values of the figures sections may bind, as printed now (bound_figures)
    tables: dict[str, list[dict]]
    tree: IndicatorTree
    total: Decimal | None
    grade: str
    grade_footnote: str
    na_note: str = ""  # leaves marked 不适用 and how the total was reached
    problems: list = field(default_factory=list)  # the check's findings (accepted explanations are printed)
    placed_tables: set[str] = field(default_factory=set)

    @property
    def roots(self) -> list[TreeNode]:
        return self.tree.roots

    @property
    def year_prefix(self) -> str:
        return f"{self.evaluation.year} 年度"


# --- parts -------------------------------------------------------------------------------------------


def _table(ctx: Context, key: str) -> Table:
    spec = spec_for(key)
    rows = ctx.tables.get(key) or []
    builder = base_tables.SPECIAL_TABLES.get(key)
    title = spec.title if ctx.spec.table_numbering == "chapter" else f"{ctx.year_prefix}{spec.title}"
    ctx.placed_tables.add(key)
    return builder(rows, title) if builder else base_tables.data_table(spec, rows, title)


def _text(ctx: Context, key: str, level: int) -> list:
    """A section's rich text as blocks (paragraphs, sub-headings below the section's level, lists, tables)."""
    return section_blocks(ctx.narrative.get(key, ""), level, ctx.figures)


def _conclusion(ctx: Context, level: int) -> list:
    paragraphs = _text(ctx, "conclusion", level)
    if ctx.total is None:
        paragraphs.append(Paragraph("尚有指标未计分，暂无综合得分和评价等级。"))
        return paragraphs
    total = plain(ctx.total)
    quoting = [p for p in paragraphs if isinstance(p, Paragraph) and total in p.text and ctx.grade in p.text]
    if quoting:
        quoting[-1].footnote = ctx.grade_footnote
    else:
        paragraphs.append(Paragraph(f"综合得分为 {total} 分，评价等级为“{ctx.grade}”。", footnote=ctx.grade_footnote))
    if ctx.na_note:  # how a rescaled total was reached, always printed: the reader cannot add it up otherwise
        paragraphs.append(Paragraph(ctx.na_note))
    return paragraphs


def _team_text(ctx: Context, key: str, level: int) -> list:
    blocks = _text(ctx, key, level)
    table = base_tables.team_table(ctx.evaluation.team.all())
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph) and "人员及分工" in block.text:
            return [*blocks[: index + 1], table, *blocks[index + 1 :]]
    return [table, *blocks]


def _items(kind: str, ctx: Context, level: int) -> list[Section]:
    items = {
        "experiences": ctx.evaluation.experiences.all(),
        "findings": ctx.evaluation.findings.all(),
        "recommendations": ctx.evaluation.recommendations.all(),
    }[kind]
    return [Section("", item.title, level, blocks=text_paragraphs(item.text)) for item in items]


def _leaf_blocks(ctx: Context, leaf: TreeNode) -> list:
    indicator = leaf.indicator
    sentence = score_sentence(leaf.weight, leaf.score, applicable=leaf.applicable)
    if indicator.awarded_score is not None and indicator.override_reason.strip():
        sentence += f"评定理由：{indicator.override_reason.strip().rstrip('。')}。"
    analysis = text_paragraphs(indicator.analysis)
    if not analysis and indicator.score_explanation and leaf.applicable:
        sentence += f"计分依据：{indicator.score_explanation.strip()}"
    return [Paragraph(sentence, label=f"{leaf.name}："), *_after_intro(analysis, _mapped_tables(ctx, leaf))]


def _mapped_tables(ctx: Context, node: TreeNode) -> list[Table]:
    keys = ctx.spec.indicator_tables.get(node.name, ())
    return [_table(ctx, key) for key in keys if key in ctx.tables and key not in ctx.placed_tables]


def _after_intro(paragraphs: list[Paragraph], tables: list[Table]) -> list:
    """Tables go right after the paragraph that announces them ("…如下表："), else after the text."""
    for index, paragraph in enumerate(paragraphs):
        if TABLE_INTRO.search(paragraph.text):
            return [*paragraphs[: index + 1], *tables, *paragraphs[index + 1 :]]
    return [*paragraphs, *tables]


def _inner_blocks(ctx: Context, node: TreeNode) -> list:
    """An inner node inside a section: its analysis and tables, then its children."""
    paragraphs = text_paragraphs(node.indicator.analysis)
    tables = _mapped_tables(ctx, node)
    announces = any(TABLE_INTRO.search(p.text) for p in paragraphs)
    completion = any(indicator_tables.completion_rate(leaf.indicator) is not None for leaf in node.leaves())
    if not tables and announces and completion:
        tables = [indicator_tables.completion_table(node)]
    blocks = _after_intro(paragraphs, tables)
    for child in node.children:
        if child.is_leaf:
            blocks += _leaf_blocks(ctx, child)
        else:
            blocks.append(Paragraph(_titled(child), style="subhead"))
            blocks += _inner_blocks(ctx, child)
    return blocks


def _titled(node: TreeNode) -> str:
    """项目立项（满分 7 分，得分 7 分）; 不适用 for a node left out of the total."""
    score = indicator_tables.node_score(node)
    return f"{node.name}（满分 {plain(node.weight)} 分，得分 {score}{' 分' if node.applicable else ''}）"


def _level1_sentence(ctx: Context, node: TreeNode) -> str:
    weight, score = f"{plain(node.weight)} 分", indicator_tables.score_text(node.score)
    if not node.applicable:
        return f"指标分值为 {weight}，本指标不适用于本次评价，不计分。"
    if node.has_not_applicable:  # some leaf below is left out: say so; the rate is over what counts
        weight += f"（其中不适用指标 {plain(node.weight - node.applicable_weight)} 分不计分）"
    if ctx.spec.analysis_style == "department":
        tail = f"，得分率为 {percent(node.rate, trim=True)}" if node.rate is not None else ""
        return f"指标分值为 {weight}，实际得分 {score} 分{tail}。"
    return f"指标权重分 {weight}，得分 {score} 分。"


def _analysis(ctx: Context, level: int) -> list[Section]:
    sections = []
    for root in ctx.roots:
        section = Section("", f"{root.name}{ctx.spec.level1_suffix}", level, toc=False)
        paragraphs = text_paragraphs(root.indicator.analysis)
        sentence = _level1_sentence(ctx, root)
        if paragraphs:
            paragraphs[0].text = insert_before_tail(paragraphs[0].text, sentence)
        else:
            paragraphs = [Paragraph(sentence)]
        section.blocks.append(paragraphs[0])
        rest = paragraphs[1:]
        if ctx.spec.analysis_style == "department":
            section.blocks.append(indicator_tables.leaf_score_table(root))
            for child in root.children:
                section.blocks += _leaf_blocks(ctx, child) if child.is_leaf else _inner_blocks(ctx, child)
            section.blocks += rest
        else:
            section.blocks += rest
            for child in root.children:
                if child.is_leaf:
                    section.blocks += _leaf_blocks(ctx, child)
                    continue
                section.children.append(
                    Section("", _titled(child), level + 1, blocks=_inner_blocks(ctx, child), toc=False)
                )
        section.blocks += _mapped_tables(ctx, root)
        sections.append(section)
    # Tables the outline places after an indicator that this evaluation does not have go at the end.
    leftover = [key for names in ctx.spec.indicator_tables.values() for key in names]
    leftover = [key for key in dict.fromkeys(leftover) if key in ctx.tables and key not in ctx.placed_tables]
    if leftover and sections:
        sections[-1].blocks += [_table(ctx, key) for key in leftover]
    return sections


def _base_tables(ctx: Context) -> list:
    """附件: every data-collection table of the kind, then the figures derived from them."""
    blocks: list = []
    for spec in tables_for_kind(ctx.evaluation.kind):
        title = spec.title if spec.code == spec.title else f"{spec.code} {spec.title}"
        blocks.append(base_tables.data_table(spec, ctx.tables.get(spec.key) or [], title, wide=True))
    figures = compute_figures(ctx.evaluation.kind, ctx.tables).values()
    blocks.append(base_tables.figures_table([figure for figure in figures if figure.value is not None]))
    return blocks


def _field_research(ctx: Context) -> list:
    rows = research_rows(ctx.evaluation)
    if not any(row.required or row.obtained or row.period for row in rows):
        return []
    return [base_tables.field_research_table(rows)]


def _explanations(ctx: Context) -> list:
    """Errors of the check that state true facts, as the team explained them and the reviewer accepted."""
    return [
        Paragraph(problem.explanation.text.strip(), label=f"关于{problem.where}：")
        for problem in accepted_explanations(ctx.problems)
    ]


def _part(ctx: Context, part: Part, level: int) -> tuple[list, list[Section]]:
    """The blocks and generated subsections of one part of a node."""
    kind = part.kind
    if kind == "text":
        return _text(ctx, part.key, level), []
    if kind == "table":
        return [_table(ctx, part.key)], []
    if kind == "team_text":
        return _team_text(ctx, part.key, level), []
    if kind == "conclusion":
        return _conclusion(ctx, level), []
    if kind == "score_full":
        return [indicator_tables.score_full_table(ctx.tree, ctx.total)], []
    if kind == "score_summary":
        return [indicator_tables.score_summary_table(ctx.tree, ctx.total, "绩效得分整体情况表")], []
    if kind == "analysis":
        return [], _analysis(ctx, level + 1)
    if kind == "items":
        return [], _items(part.key, ctx, level + 1)
    if kind == "indicator_system":
        return [indicator_tables.indicator_system_table(ctx.roots, f"{ctx.year_prefix}绩效评价指标体系")], []
    if kind == "indicator_annex":
        return [indicator_tables.indicator_annex_table(ctx.tree, ctx.total)], []
    if kind == "base_tables":
        return _base_tables(ctx), []
    if kind == "field_research":
        return _field_research(ctx), []
    if kind == "explanations":
        return _explanations(ctx), []
    raise ValueError(f"未知的提纲内容：{kind}")


def _build(ctx: Context, node: Node, level: int, *, chapter: bool = True) -> Section | None:
    """The section of an outline node; an empty optional node is left out (a chapter says "无。")."""
    section = Section("", node.title, level)
    for part in node.parts:
        blocks, children = _part(ctx, part, level)
        section.blocks += blocks
        section.children += children
    section.children += [child for child in (_build(ctx, sub, level + 1) for sub in node.children) if child]
    empty = not section.blocks and not section.children
    if empty and node.optional:
        return Section("", node.title, level, blocks=[Paragraph("无。")]) if level == 1 and chapter else None
    if empty and any(part.kind in ("text", "items") for part in node.parts):
        section.blocks.append(Paragraph("无。" if node.parts[0].kind == "items" else "（尚未填写）", style="note"))
    return section


def _number(sections: list[Section], prefix: str) -> None:
    for index, section in enumerate(sections, start=1):
        section.number = heading_number(section.level, index)
        section.anchor = f"{prefix}-{index}"
        _number(section.children, section.anchor)


def _tables_in(section: Section) -> list[Table]:
    found = [block for block in section.blocks if isinstance(block, Table) and block.title]
    for child in section.children:
        found += _tables_in(child)
    return found


def _number_tables(chapters: list[Section]) -> None:
    """表1-1, 表1-2 … numbered per chapter, in reading order."""
    for chapter_index, chapter in enumerate(chapters, start=1):
        for count, table in enumerate(_tables_in(chapter), start=1):
            table.number = f"表{chapter_index}-{count}"


def default_title(evaluation: Evaluation) -> str:
    return f"{evaluation.title}报告"


def assemble_report(evaluation: Evaluation, outline, *, title: str = "", today=None) -> ReportContent:
    """The report of an evaluation in the given outline (a ReportOutline or an OutlineSpec)."""
    spec: OutlineSpec = getattr(outline, "spec", outline)
    typography = getattr(outline, "typography", REPORT)  # an OutlineSpec alone is set in the compact style
    evaluation = Evaluation.objects.select_related(
        "evaluated_unit", "project", "commissioning_bureau", "evaluating_firm"
    ).get(pk=evaluation.pk)
    tables = evaluation_tables(evaluation)
    scored = indicator_tree(evaluation, texts=True, figures=compute_figures(evaluation.kind, tables))
    total = evaluation.total_score if scored.total is not None else None
    ctx = Context(
        evaluation=evaluation,
        spec=spec,
        narrative={section.key: section.text for section in evaluation.narrative.all()},
        figures=figure_texts(figure_catalogue(evaluation, tables=tables, tree=scored)),
        tables=tables,
        tree=scored,
        total=total,
        grade=evaluation.grade if total is not None else "",
        grade_footnote=grade_note(evaluation.grades),
        na_note=not_applicable_note(scored, evaluation.na_policy),
        problems=check_evaluation(evaluation),
    )
    preamble: list = []
    for part in spec.preamble:
        preamble += _part(ctx, part, 0)[0]
    chapters = [section for section in (_build(ctx, node, 1) for node in spec.chapters) if section]
    _number(chapters, "sec")
    if spec.table_numbering == "chapter":
        _number_tables(chapters)
    annexes = []
    for node in spec.annexes:
        section = _build(ctx, node, 1, chapter=False)
        if section is None:
            continue
        annexes.append(section)
    for index, section in enumerate(annexes, start=1):
        section.number = f"附件{index} " if len(annexes) > 1 else "附件："
        section.anchor = f"annex-{index}"
        section.new_page = section.wide = True
        _number(section.children, section.anchor)

    problems = ctx.problems
    draft = bool(unfinished(problems))  # an error, or something still to fill in: not yet the report
    unit = evaluation.evaluated_unit.name
    subject = evaluation.project.name if evaluation.project else evaluation.title
    report_day = evaluation.report_date or today or timezone.localdate()
    return ReportContent(
        evaluation_id=evaluation.pk,
        title=title or default_title(evaluation),
        cover_fields=[
            CoverField("项目名称", subject),
            CoverField("项目单位", unit),
            CoverField("委托单位", evaluation.commissioning_bureau.name),
            CoverField("评价机构", evaluation.evaluating_firm.name),
        ],
        date_text=cn_year_month(report_day),
        outline_key=spec.key,
        outline_version=spec.version,
        outline_name=spec.name,
        author=evaluation.evaluating_firm.name,
        typography=typography,
        fonts=profile_fonts(typography),
        preamble=preamble,
        sections=chapters,
        annexes=annexes,
        draft=draft,
        problems=[
            Problem(p.label, p.where, p.message)
            for p in sorted(problems, key=lambda p: (p.severity != ERROR, p.severity != TODO))
        ]
        if draft
        else [],
        total=plain(total) if total is not None else "",
        grade=ctx.grade,
    )


__all__ = ["assemble_report", "default_title", "grade_note", "text_paragraphs"]
