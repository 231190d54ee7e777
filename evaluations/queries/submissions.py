"""What changed between two perf-eval/1 documents of the same evaluation, in Chinese sentences.

Used to show a bureau reviewer what the team changed since the submission they returned.
"""

from __future__ import annotations

from evaluations.datatables import TABLES
from evaluations.sections import SECTIONS

NODE_FIELDS = {
    "weight": "权重",
    "inputs": "计分输入",
    "score": "评定得分",
    "reason": "调整理由",
    "rule": "计分规则",
    "analysis": "指标分析",
    "actual_display": "实际完成值",
    "benchmark": "标杆值",
    "standard": "评分标准",
}


def _leaves(nodes: list, path: tuple = ()) -> dict[tuple, dict]:
    result = {}
    for node in nodes or []:
        key = (*path, node.get("name", ""))
        result[key] = node
        result.update(_leaves(node.get("children") or [], key))
    return result


def _titled(items: list) -> dict[str, str]:
    return {item.get("title", ""): item.get("text", "") for item in items or []}


def document_changes(old: dict, new: dict) -> list[str]:
    changes: list[str] = []
    old_nodes, new_nodes = _leaves(old.get("indicators")), _leaves(new.get("indicators"))
    for path in new_nodes.keys() - old_nodes.keys():
        changes.append(f"新增指标「{' / '.join(path)}」。")
    for path in old_nodes.keys() - new_nodes.keys():
        changes.append(f"删除指标「{' / '.join(path)}」。")
    for path in sorted(new_nodes.keys() & old_nodes.keys()):
        before, after = old_nodes[path], new_nodes[path]
        for field, label in NODE_FIELDS.items():
            if before.get(field) != after.get(field):
                changes.append(f"指标「{path[-1]}」的{label}已修改。")
    old_text, new_text = old.get("narrative") or {}, new.get("narrative") or {}
    titles = {section.key: section.title for section in SECTIONS.get((new.get("evaluation") or {}).get("kind"), ())}
    for key in sorted(old_text.keys() | new_text.keys()):
        if old_text.get(key) != new_text.get(key):
            changes.append(f"报告章节「{titles.get(key, key)}」已修改。")
    old_tables, new_tables = old.get("tables") or {}, new.get("tables") or {}
    for key in sorted(old_tables.keys() | new_tables.keys()):
        if old_tables.get(key) != new_tables.get(key):
            spec = TABLES.get(key)
            name = f"{spec.code} {spec.title}" if spec else key
            changes.append(
                f"{name}已修改（{len(old_tables.get(key) or [])} 行 → {len(new_tables.get(key) or [])} 行）。"
            )
    for label, field in (("问题", "findings"), ("建议", "recommendations"), ("经验做法", "experiences")):
        before, after = _titled(old.get(field)), _titled(new.get(field))
        for title in after.keys() - before.keys():
            changes.append(f"新增{label}「{title}」。")
        for title in before.keys() - after.keys():
            changes.append(f"删除{label}「{title}」。")
        changes += [
            f"{label}「{t}」的内容已修改。" for t in sorted(after.keys() & before.keys()) if after[t] != before[t]
        ]
    return changes
