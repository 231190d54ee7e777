"""The demo data set: the organisations, projects, budgets and teams of the two seed reports.

Built only through the services, so running it is also a smoke test of them. Idempotent:
every record is matched by its natural key and brought up to these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from evaluations.domain.importing import import_document
from evaluations.domain.templates import load_builtin_templates
from evaluations.domain.upsert import upsert
from evaluations.models import (
    BudgetFigure,
    Evaluation,
    FundingSource,
    Organisation,
    OrganisationKind,
    Project,
    SubItem,
    User,
)
from evaluations.models.roles import Role
from rubrics.builtin import BUILTIN_DIR
from rubrics.document import DocumentError, parse_document, read_document_file
from rubrics.numbers import round_half_up

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo password, printed by the start script

FIRM = "山东鲁昶项目管理咨询有限公司"
LUOHU_BUREAU, LUOHU_UNIT = "深圳市罗湖区财政局", "深圳市罗湖区民政局"
LUOZHUANG_BUREAU, LUOZHUANG_UNIT = "临沂市罗庄区财政局", "临沂市罗庄区民政局"
LUOZHUANG_SUBUNITS = (
    "临沂市罗庄区婚姻登记中心",
    "临沂市罗庄区民政事业发展服务中心",
    "临沂市罗庄区社会救助综合服务中心",
)

# The two reference reports as complete perf-eval/1 documents (see rubrics/builtin/README.md).
SEED_DOCUMENTS = {
    "project": BUILTIN_DIR / "project_luohu_2023.json",
    "department": BUILTIN_DIR / "department_luozhuang_2022.json",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    organisation: str
    role: Role
    description: str
    qualification: str = ""  # the profile a team list is filled from (seed 004's 评价小组 table)
    position: str = ""


ACCOUNTS = (
    DemoAccount(
        "evaluator",
        "王桂龙",
        FIRM,
        Role.EVALUATOR,
        "评价人员（项目经理，全部演示评价的评价小组成员）",
        "注册造价师",
        "项目经理",
    ),
    DemoAccount(
        "reviewer", "孙琴", FIRM, Role.INTERNAL_REVIEWER, "内部复核（二级复核）", "注册会计师、资产评估师", "部门主任"
    ),
    DemoAccount(
        "reviewer1", "李文静", FIRM, Role.INTERNAL_REVIEWER, "内部复核（一级审核）", "中级会计师、工程师", "项目组长"
    ),
    DemoAccount(
        "reviewer3", "姜兆峰", FIRM, Role.INTERNAL_REVIEWER, "内部复核（三级审核）", "注册会计师、工程师", "总经理"
    ),
    DemoAccount("unit", "罗庄区民政局联系人", LUOZHUANG_UNIT, Role.UNIT, "被评价单位：临沂市罗庄区民政局"),
    DemoAccount("bureau", "罗庄区财政局审核人", LUOZHUANG_BUREAU, Role.BUREAU, "财政审核：临沂市罗庄区财政局"),
    DemoAccount("unit_luohu", "罗湖区民政局联系人", LUOHU_UNIT, Role.UNIT, "被评价单位：深圳市罗湖区民政局"),
    DemoAccount("bureau_luohu", "罗湖区财政局审核人", LUOHU_BUREAU, Role.BUREAU, "财政审核：深圳市罗湖区财政局"),
)

WAN = Decimal(10000)


def yuan(wan: str) -> Decimal:
    """万元 as printed in the seeds → yuan, the unit the database stores."""
    return round_half_up(Decimal(wan) * WAN, 2)


# Seed 003 表 3-2 (万元): sub-item, 年初下达金额, 指标金额.
LUOHU_SUB_ITEMS = (
    ("困难群体补助", "257", "226.5"),
    ("困难群体补助（非营利组织补贴）", "0", "36"),
    ("生活扶助金", "176.53", "31.89"),
)

# Seed 004 基础表 4 (amounts printed in yuan although its header says 万元): source, project, budget, paid.
LUOZHUANG_PROJECTS = (
    (FundingSource.DISTRICT, "公益性公墓建设资金", "6840000.00", "0.00"),
    (FundingSource.DISTRICT, "社会救助经费", "50000.00", "0.00"),
    (FundingSource.DISTRICT, "惠民殡葬政策减免资金", "1760000.00", "454542.00"),
    (FundingSource.DISTRICT, "慈善事业发展经费", "342200.00", "342200.00"),
    (FundingSource.DISTRICT, "经济困难老年人补贴", "480000.00", "424260.00"),
    (FundingSource.DISTRICT, "社会福利中心建设资金", "2000000.00", "138876.79"),
    (FundingSource.DISTRICT, "官庄公墓租赁费", "109200.00", "0.00"),
    (FundingSource.DISTRICT, "居家养老服务费", "70000.00", "0.00"),
    (FundingSource.DISTRICT, "春节走访慰问困难群众费用", "600000.00", "599960.00"),
    (FundingSource.DISTRICT, "部分民政服务对象补助资金", "170100.00", "168120.00"),
    (FundingSource.DISTRICT, "养老服务体系建设项目专项资金", "500000.00", "0.00"),
    (FundingSource.DISTRICT, "困难群众基本生活救助", "24000000.00", "18511556.20"),
    (FundingSource.SUPERIOR, "困难群众基本生活救助", "14430000.00", "14430000.00"),
    (FundingSource.DISTRICT, "建国前老党员和抗战老兵养老关爱服务项目", "99500.00", "99450.00"),
    (FundingSource.DISTRICT, "未成年人保护工作经费", "50000.00", "6900.00"),
    (FundingSource.DISTRICT, "社会组织经费", "20201.20", "0.00"),
    (FundingSource.DISTRICT, "市级界线管理经费", "10000.00", "4800.00"),
    (FundingSource.SUPERIOR, "儿童福利项目", "38000.00", "38000.00"),
    (FundingSource.DISTRICT, "城市社区专职工作者考务费", "98600.00", "74047.00"),
    (FundingSource.DISTRICT, "2021 年罗庄区和谐使者", "43200.00", "43200.00"),
    (FundingSource.DISTRICT, "预算绩效考核奖励资金", "70000.00", "69767.92"),
)


def _organisation(name: str, kind: str, region: str, parent: Organisation | None = None) -> Organisation:
    return upsert(Organisation, lookup={"name": name}, values={"kind": kind, "region": region, "parent": parent})


def _budget(organisation, year, *, project=None, sub_item=None, source=FundingSource.DISTRICT, **amounts):
    upsert(
        BudgetFigure,
        lookup={
            "organisation": organisation,
            "project": project,
            "sub_item": sub_item,
            "year": year,
            "funding_source": source,
        },
        values=amounts,
    )


def _accounts(orgs: dict[str, Organisation]) -> None:
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(username=account.username)
        user.full_name = account.full_name
        user.qualification, user.position = account.qualification, account.position
        user.organisation = orgs[account.organisation]
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([groups[account.role]])
    admin, created = User.objects.get_or_create(username="admin")
    admin.full_name, admin.organisation = "系统管理员", orgs[FIRM]
    admin.is_staff = admin.is_superuser = True
    if created:
        admin.set_password(DEMO_PASSWORD)
    admin.save()
    admin.groups.set([groups[Role.ADMIN]])


@transaction.atomic
def load_demo(*, reset: bool = False) -> dict[str, Evaluation]:
    """Build the demo data set; with reset, re-import the two seed evaluations from their documents."""
    refuse_in_production()
    orgs = {
        FIRM: _organisation(FIRM, OrganisationKind.FIRM, "山东省临沂市"),
        LUOHU_BUREAU: _organisation(LUOHU_BUREAU, OrganisationKind.BUREAU, "深圳市罗湖区"),
        LUOHU_UNIT: _organisation(LUOHU_UNIT, OrganisationKind.UNIT, "深圳市罗湖区"),
        LUOZHUANG_BUREAU: _organisation(LUOZHUANG_BUREAU, OrganisationKind.BUREAU, "临沂市罗庄区"),
        LUOZHUANG_UNIT: _organisation(LUOZHUANG_UNIT, OrganisationKind.UNIT, "临沂市罗庄区"),
    }
    for name in LUOZHUANG_SUBUNITS:
        orgs[name] = _organisation(name, OrganisationKind.UNIT, "临沂市罗庄区", parent=orgs[LUOZHUANG_UNIT])
    _accounts(orgs)

    # Seed 003: 困难群体救助, 2023 (万元 in the report; stored in yuan).
    luohu = orgs[LUOHU_UNIT]
    relief = upsert(
        Project,
        lookup={"unit": luohu, "name": "困难群体救助"},
        values={"description": "慰问工作、城市最低生活保障 2 大类工作"},
    )
    _budget(
        luohu,
        2023,
        project=relief,
        initial_budget=yuan("433.53"),
        adjusted_budget=yuan("294.39"),
        funds_received=yuan("294.39"),
        actual_expenditure=yuan("293.53"),
    )
    for order, (name, initial, adjusted) in enumerate(LUOHU_SUB_ITEMS, start=1):
        sub_item = upsert(SubItem, lookup={"project": relief, "name": name}, values={"order": order})
        _budget(
            luohu,
            2023,
            project=relief,
            sub_item=sub_item,
            initial_budget=yuan(initial),
            adjusted_budget=yuan(adjusted),
        )

    # Seed 004: 罗庄区民政局 2022 department budget and its 20 projects (基础表 4).
    luozhuang = orgs[LUOZHUANG_UNIT]
    _budget(
        luozhuang,
        2022,
        initial_budget=yuan("5653.10"),
        actual_expenditure=yuan("5292.58"),
        carryover=yuan("360.52"),
        note="部门整体（收支预算总表、预决算对比表）",
    )
    for source, name, budget, paid in LUOZHUANG_PROJECTS:
        project = upsert(Project, lookup={"unit": luozhuang, "name": name})
        _budget(
            luozhuang,
            2022,
            project=project,
            source=source,
            adjusted_budget=Decimal(budget),
            actual_expenditure=Decimal(paid),
        )

    _load_templates()
    evaluations = {}
    for key, path in SEED_DOCUMENTS.items():
        evaluations[key] = _seed_evaluation(path, reset=reset)
    return evaluations


def refuse_in_production() -> None:
    """The demo accounts share one published password (admin among them): never on a production installation."""
    if settings.PRODUCTION:
        raise DemoError(
            "生产环境（DJANGO_ENV=production）不载入演示数据：演示账号（包括管理员 admin）使用公开的密码 demo12345。"
            "请用 manage.py createsuperuser 创建管理员。"
        )


class DemoError(RuntimeError):
    """The shipped demo documents or templates do not load: a packaging fault, reported line by line."""


def _load_templates() -> None:
    failed = [f"{r.file.name}：{line}" for r in load_builtin_templates() for line in r.errors]
    if failed:
        raise DemoError("内置指标体系模板载入失败：\n" + "\n".join(failed))


def _seed_evaluation(path: Path, *, reset: bool) -> Evaluation:
    """Import a seed document through the same service as `import_evaluation`, once (or again with reset)."""
    doc = parse_document(read_document_file(str(path)))
    header = doc["evaluation"]
    existing = Evaluation.objects.filter(
        evaluated_unit__name=header["agency"], year=header["year"], title=header["title"]
    ).first()
    if existing is not None and not reset:
        return existing
    try:
        return import_document(doc)
    except DocumentError as error:
        raise DemoError(f"演示评价 {path.name} 载入失败：\n" + "\n".join(error.errors)) from None
