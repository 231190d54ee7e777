"""assemble_report(evaluation, outline) → ReportContent: the report's text, tables and scores from the data.

Nothing here knows HTML or PDF (a section's rich text is read into blocks by reports.rich_text). Every figure
comes from the data: narrative sections (NarrativeSection),
tables (evaluations.queries.datatables with the declared specs), scores (the indicators), the team,
findings, recommendations and experiences. Sentences that restate weights and scores are generated here,
so they always agree with the score tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils import timezone

from evaluations.datatables import spec_for, tables_for_kind
from evaluations.datatables.figures import compute_figures
from evaluations.datatables.spec import FORM_SIGNATURES
from evaluations.models import FROZEN_STATES, Evaluation, EvaluationState, Transition
from evaluations.queries.bound_figures import figure_catalogue, figure_texts
from evaluations.queries.consistency import ERROR, TODO, check_evaluation, unfinished
from evaluations.queries.datatables import evaluation_tables
from evaluations.queries.explanations import accepted_explanations
from evaluations.queries.narrative import score_sentence
from evaluations.queries.research import research_rows
from evaluations.queries.tree import indicator_tree, not_applicable_note
from reports import base_tables, form_tables, indicator_tables
from reports.content import CoverField, Paragraph, Problem, ReportContent, Run, Section, Table
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
    """Plain text (findings, recommendations, experiences) as paragraphs: one per line; short numbered lines become
    sub-headings."""
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


def with_sentence(paragraph: Paragraph, sentence: str) -> None:
    """insert_before_tail on a paragraph, its runs (bold, line breaks, bound figures) kept in step."""
    match = TAIL.search(paragraph.text)
    at = match.start() if match else len(paragraph.text)
    paragraph.text = paragraph.text[:at] + sentence + paragraph.text[at:]
    if not paragraph.runs:
        return
    runs, offset = [], 0
    for run in paragraph.runs:
        length = 1 if run.br else len(run.text)
        if offset <= at < offset + length and not run.br and not run.missing:
            cut = at - offset
            runs += [replace(run, text=run.text[:cut]), Run(sentence), replace(run, text=run.text[cut:])]
            at = -1
        else:
            if offset == at:  # before a line break or a bound figure: the sentence goes first
                runs.append(Run(sentence))
                at = -1
            runs.append(run)
        offset += length
    if at >= 0:
        runs.append(Run(sentence))
    paragraph.runs = [run for run in runs if run.br or run.text]


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
    # Where the body prints each data table ("表1-1", or its section "一、（四）部门整体收支情况"): the annex refers
    # to it instead of printing it a second time.
    in_body: dict[str, str] = field(default_factory=dict)

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


def _analysis_text(ctx: Context, node: TreeNode, level: int) -> list:
    """An indicator's analysis (rich text, like a section's) as report blocks inside a section at ``level``: its
    paragraphs, sub-headings, lists and tables, each bound figure printing its value now."""
    return section_blocks(node.indicator.analysis, level, ctx.figures)


def _leaf_blocks(ctx: Context, leaf: TreeNode, level: int) -> list:
    """A leaf inside a section at ``level``: the heading sentence from the data ("权重分为 4 分，实际得分为 4 分",
    never the analysis' own copy), then its analysis and the tables placed after it."""
    indicator = leaf.indicator
    sentence = score_sentence(leaf.weight, leaf.score, applicable=leaf.applicable)
    if indicator.awarded_score is not None and indicator.override_reason.strip():
        sentence += f"评定理由：{indicator.override_reason.strip().rstrip('。')}。"
    analysis = _analysis_text(ctx, leaf, level)
    if not analysis and indicator.score_explanation and leaf.applicable:
        sentence += f"计分依据：{indicator.score_explanation.strip()}"
    return [Paragraph(sentence, label=f"{leaf.name}："), *_after_intro(analysis, _mapped_tables(ctx, leaf))]


def _mapped_tables(ctx: Context, node: TreeNode) -> list[Table]:
    keys = ctx.spec.indicator_tables.get(node.name, ())
    return [_table(ctx, key) for key in keys if key in ctx.tables and key not in ctx.placed_tables]


def _announces(block) -> bool:
    return isinstance(block, Paragraph) and block.style != "heading" and bool(TABLE_INTRO.search(block.text))


def _after_intro(blocks: list, tables: list[Table]) -> list:
    """Tables go right after the paragraph that announces them ("…如下表："), else after the text."""
    for index, block in enumerate(blocks):
        if _announces(block):
            return [*blocks[: index + 1], *tables, *blocks[index + 1 :]]
    return [*blocks, *tables]


def _inner_blocks(ctx: Context, node: TreeNode, level: int) -> list:
    """An inner node inside a section at ``level``: its analysis and tables, then its children."""
    analysis = _analysis_text(ctx, node, level)
    tables = _mapped_tables(ctx, node)
    announces = any(_announces(block) for block in analysis)
    completion = any(indicator_tables.completion_rate(leaf.indicator) is not None for leaf in node.leaves())
    if not tables and announces and completion:
        tables = [indicator_tables.completion_table(node)]
    blocks = _after_intro(analysis, tables)
    for child in node.children:
        if child.is_leaf:
            blocks += _leaf_blocks(ctx, child, level)
        else:
            blocks.append(Paragraph(_titled(child), style="subhead"))
            blocks += _inner_blocks(ctx, child, level)
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
        blocks = _analysis_text(ctx, root, level)
        sentence = _level1_sentence(ctx, root)
        first = blocks[0] if blocks else None
        if isinstance(first, Paragraph) and first.style in ("", "subhead"):  # the weight and score join its text
            with_sentence(first, sentence)
        else:
            blocks.insert(0, Paragraph(sentence))
        section.blocks.append(blocks[0])
        rest = blocks[1:]
        if ctx.spec.analysis_style == "department":
            section.blocks.append(indicator_tables.leaf_score_table(root))
            for child in root.children:
                if child.is_leaf:
                    section.blocks += _leaf_blocks(ctx, child, level)
                else:
                    section.blocks += _inner_blocks(ctx, child, level)
            section.blocks += rest
        else:
            section.blocks += rest
            for child in root.children:
                if child.is_leaf:
                    section.blocks += _leaf_blocks(ctx, child, level)
                    continue
                section.children.append(
                    Section("", _titled(child), level + 1, blocks=_inner_blocks(ctx, child, level + 1), toc=False)
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
    """附件: the data-collection tables, then the figures derived from them.

    The seed's forms (基础表1–6) are printed whole, each numbered once, with their header block and the rows the
    unit signs. The product's other tables are printed under their title alone (their sheet codes are internal);
    one the body already prints is referred to, never printed a second time under the same number.
    """
    specs = [spec for spec in tables_for_kind(ctx.evaluation.kind) if spec.role != FORM_SIGNATURES]
    signed = [
        row
        for spec in tables_for_kind(ctx.evaluation.kind)
        if spec.role == FORM_SIGNATURES
        for row in ctx.tables.get(spec.key) or []
    ]
    facts = form_tables.FormFacts(
        unit=ctx.evaluation.evaluated_unit.name,
        year=ctx.evaluation.year,
        as_of=ctx.evaluation.period_end,
        signatures=form_tables.signatures(signed),
    )
    blocks: list = []
    referred: list[tuple[str, str]] = []  # (title, where the body prints it)
    index = 0
    while index < len(specs):
        spec = specs[index]
        if spec.form_number:
            form = [other for other in specs[index:] if other.form_number == spec.form_number]
            blocks += form_tables.form_blocks(form, ctx.tables, facts)
            index += len(form)
            continue
        index += 1
        if spec.key in ctx.in_body:
            referred.append((spec.title, ctx.in_body[spec.key]))
            continue
        if referred:
            blocks.append(_shown_in_body(referred))
            referred = []
        blocks.append(base_tables.data_table(spec, ctx.tables.get(spec.key) or [], spec.title, wide=True))
        if spec.key == "disbursements":
            blocks += _batches_note(ctx)
    if referred:
        blocks.append(_shown_in_body(referred))
    figures = compute_figures(ctx.evaluation.kind, ctx.tables).values()
    blocks.append(base_tables.figures_table([figure for figure in figures if figure.value is not None]))
    return blocks


def _shown_in_body(references: list[tuple[str, str]]) -> Paragraph:
    """项目资金使用情况表见正文表1-1，…; the tables of one section together: 收支预算总表和预、决算支出对比表见正文
    “一、（四）部门整体收支情况”."""
    places: dict[str, list[str]] = {}
    for title, where in references:
        places.setdefault(where, []).append(title)
    parts = []
    for where, titles in places.items():
        named = titles[0] if len(titles) == 1 else "、".join(titles[:-1]) + "和" + titles[-1]
        parts.append(f"{named}见正文{where if where.startswith('表') else f'“{where}”'}")
    return Paragraph("，".join(parts) + "，此处不再重复列示。")


def _batches_note(ctx: Context) -> list[Paragraph]:
    """Why the batches add up to another total than 表1-1 (what 表1-1 pays outside batches, which items differ)."""
    uses = spec_for("funds_use")
    name = ctx.in_body.get(uses.key) or uses.title
    note = base_tables.batches_note(ctx.tables.get("disbursements") or [], ctx.tables.get(uses.key) or [], name)
    return [Paragraph(note)] if note else []


def _body_references(chapters: list[Section]) -> dict[str, str]:
    """Each data table the body prints, by key: its number (表1-1), else the section that holds it."""
    found: dict[str, str] = {}

    def walk(section: Section, chapter: Section, second: Section | None) -> None:
        for block in section.blocks:
            if isinstance(block, Table) and block.key not in found:
                where = second.heading if second is not None else chapter.title
                found[block.key] = block.number or f"{chapter.number}{where}"
        for child in section.children:
            walk(child, chapter, second or child)

    for chapter in chapters:
        walk(chapter, chapter, None)
    return found


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


COVER_LINE = 15  # em: a cover title line longer than this may wrap on the cover, so the title is broken before it
# Where a long cover title breaks, best first: before the kind of report, keeping each term whole.
TITLE_TAILS = ("部门整体绩效评价报告", "项目支出绩效评价报告", "整体绩效评价报告", "绩效评价报告", "评价报告", "报告")


def _em(text: str) -> float:
    return sum(0.5 if ord(char) < 0x2E80 else 1 for char in text)


def cover_title_lines(title: str) -> list[str]:
    """The title as the cover prints it: one line, or broken before "部门整体绩效评价报告" / "绩效评价报告" …
    so that no line breaks inside a word ("…项目支出绩效 / 评价报告")."""
    title = title.strip()
    if _em(title) <= COVER_LINE:
        return [title]
    for tail in TITLE_TAILS:
        head = title.removesuffix(tail).rstrip()
        if head != title and head and _em(head) <= COVER_LINE and _em(tail) <= COVER_LINE:
            return [head, tail]
    for tail in TITLE_TAILS:  # a head too long for one line still breaks before the tail, not inside it
        head = title.removesuffix(tail).rstrip()
        if head != title and head:
            return [head, tail]
    return [title]


UNDATED = "（报告日期未定）"
# States in which the report has been handed to someone else (a review level, the unit, the bureau).
HANDED_ON = frozenset({EvaluationState.INTERNAL_REVIEW, EvaluationState.CONSULTATION, EvaluationState.SUBMITTED})


def cover_date(evaluation: Evaluation) -> str:
    """The cover's date, never the day it is rendered (a report rendered twice must read the same):

    - the report date the team set (基本信息);
    - else, once approved, the date of approval;
    - else, while handed on (内部复核, 征求意见, 已提交), the date it was handed on: the receiver's copy is dated
      the day it was sent, as a 送审稿 or 征求意见稿 is;
    - else (the team is still writing it) no date: "（报告日期未定）".
    """
    if evaluation.report_date:
        return cn_year_month(evaluation.report_date)
    changes = evaluation.state_changes.order_by("-created_at", "-pk")
    if evaluation.state in FROZEN_STATES:
        step = changes.filter(transition=Transition.APPROVE).first()
    elif evaluation.state in HANDED_ON:
        step = changes.filter(to_state=evaluation.state).first()
    else:
        step = None
    return cn_year_month(timezone.localdate(step.created_at)) if step else UNDATED


def cover_fields(evaluation: Evaluation) -> list[CoverField]:
    """项目名称, 项目单位, 委托单位 and, when the report is issued in its name, 评价机构: only the evaluation's own."""
    subject = evaluation.project.name if evaluation.project else evaluation.title
    fields = [
        CoverField("项目名称", subject),
        CoverField("项目单位", evaluation.evaluated_unit.name),
        CoverField("委托单位", evaluation.commissioning_bureau.name),
    ]
    if evaluation.cover_names_firm:
        fields.append(CoverField("评价机构", evaluation.evaluating_firm.name))
    return fields


def assemble_report(evaluation: Evaluation, outline, *, title: str = "", list_problems: bool = True) -> ReportContent:
    """The report of an evaluation in the given outline (a ReportOutline or an OutlineSpec).

    A draft lists the check's open problems on its last page for the team; ``list_problems`` False: a draft
    handed to the unit or the bureau keeps its 草稿 mark but not the list (the check is the firm's own)."""
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
    ctx.in_body = _body_references(chapters)
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
    title = title or default_title(evaluation)
    issuer = evaluation.evaluating_firm if evaluation.cover_names_firm else evaluation.evaluated_unit
    return ReportContent(
        evaluation_id=evaluation.pk,
        title=title,
        title_lines=cover_title_lines(title),
        cover_fields=cover_fields(evaluation),
        date_text=cover_date(evaluation),
        outline_key=spec.key,
        outline_version=spec.version,
        outline_name=spec.name,
        author=issuer.name,
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
        if draft and list_problems
        else [],
        total=plain(total) if total is not None else "",
        grade=ctx.grade,
    )


__all__ = ["assemble_report", "cover_date", "cover_title_lines", "default_title", "grade_note", "text_paragraphs"]
