"""Loading a campaign from its YAML file, and the JSON-safe dict form carried inside events.

Every problem names the YAML line and the field: pydantic error locations and consistency-check
locations are walked through the composed YAML node tree to the node's start mark. Nothing is
half-loaded: the result is a whole Campaign or a CampaignFileError listing every problem found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from contracts.campaign.checks import Loc, campaign_problems, dotted
from contracts.campaign.model import Campaign
from contracts.errors import DomainError

# The shipped campaign files stay beside the package (contracts/campaigns/, package data).
CAMPAIGNS_DIR = Path(__file__).resolve().parents[1] / "campaigns"


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line in the source file; 0 when there is no file (a dict)
    field: str
    reason: str

    def render(self, source: str) -> str:
        return f"{source}:{self.line}: {self.field}: {self.reason}"


class CampaignFileError(DomainError):
    code = "invalid_campaign_file"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(p.render(source) for p in problems)
        super().__init__(f"活动定义无效（invalid campaign file）：{source}\n{lines}",
                         field=problems[0].field if problems else None)


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps timestamps as strings, so pydantic parses (and reports) them."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_REASONS = {
    "extra_forbidden": "未知字段", "unexpected_keyword_argument": "未知字段",
    "missing": "缺少必填字段", "missing_argument": "缺少必填字段",
    "greater_than_equal": "数值过小", "greater_than": "数值过小", "less_than_equal": "数值过大",
    "string_pattern_mismatch": "代码格式不符（须为小写英文字母、数字、下划线）",
    "literal_error": "取值不在允许范围内",
    "timezone_aware": "须为带时区的时间，如 2022-11-01T00:00:00+08:00",
    "datetime_from_date_parsing": "须为带时区的时间", "datetime_parsing": "须为带时区的时间",
    "date_from_datetime_parsing": "须为日期", "date_parsing": "须为日期",
    "string_too_short": "不能为空",
}


def _reason(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        zh = "不能为负数"
    elif kind.endswith("_type"):
        zh = "类型错误"
    else:
        zh = _REASONS.get(kind, "取值无效")
    return f"{zh}（{err['msg']}）"


def _line_of(root: Node | None, loc: Loc) -> int:
    """1-based line of the deepest node on `loc` that exists (a mapping entry points at its key)."""
    if root is None:
        return 0
    node, line = root, root.start_mark.line
    for part in loc:
        if isinstance(node, MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line, hit[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _duplicate_keys(node: Node, path: Loc = ()) -> list[Problem]:
    out: list[Problem] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = k.value if isinstance(k, ScalarNode) else repr(k)
            if key in seen:
                out.append(Problem(k.start_mark.line + 1, dotted((*path, key)), f"重复的键：{key}（duplicate key）"))
            seen.add(key)
            out += _duplicate_keys(v, (*path, key))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, (*path, i))
    return out


def _validate(data: Any, root: Node | None) -> tuple[Campaign | None, list[Problem]]:
    try:
        campaign = Campaign.model_validate(data, context={"defer_checks": True})
    except ValidationError as e:
        return None, [Problem(_line_of(root, err["loc"]), dotted(err["loc"]) or "<document>", _reason(err))
                      for err in e.errors()]
    return campaign, [Problem(_line_of(root, loc), dotted(loc), reason) for loc, reason in campaign_problems(campaign)]


def _finish(source: str, campaign: Campaign | None, problems: list[Problem]) -> Campaign:
    if problems or campaign is None:
        raise CampaignFileError(source, sorted(problems, key=lambda p: p.line))
    return campaign


def parse_campaign(text: str, source: str = "<string>") -> Campaign:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise CampaignFileError(source, [Problem(1, "<document>", "文件为空（empty file）")])
        if not isinstance(root, MappingNode):
            raise CampaignFileError(source, [Problem(root.start_mark.line + 1, "<document>",
                                                     "顶层须为映射（top level must be a mapping）")])
        dup = _duplicate_keys(root)
        if dup:
            raise CampaignFileError(source, dup)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise CampaignFileError(source, [Problem(mark.line + 1 if mark else 1, "<yaml>",
                                                 f"YAML 语法错误（syntax error）：{e.problem or e.context}")]) from None
    except yaml.YAMLError as e:
        raise CampaignFileError(source, [Problem(1, "<yaml>", f"YAML 错误（error）：{e}")]) from None
    finally:
        loader.dispose()
    return _finish(source, *_validate(data, root))


def load_campaign(path: str | Path) -> Campaign:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CampaignFileError(source, [Problem(0, "<file>", f"无法读取文件（cannot read）：{e}")]) from None
    return parse_campaign(text, source)


def load_builtin_campaign(code: str) -> Campaign:
    """A campaign shipped in contracts/campaigns/, e.g. "kczg-2022"."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", code):
        raise CampaignFileError(code, [Problem(0, "code", "活动代码格式不符（bad campaign code）")])
    campaign = load_campaign(CAMPAIGNS_DIR / f"{code}.yaml")
    if campaign.code != code:
        raise CampaignFileError(code, [Problem(0, "code", f"文件中的活动代码为 {campaign.code}（code mismatch）")])
    return campaign


def campaign_to_dict(c: Campaign) -> dict[str, Any]:
    """JSON-safe, lossless form (ISO instants with offsets, lists for tuples) for a CampaignOpened event."""
    return c.model_dump(mode="json")


def campaign_from_dict(d: dict[str, Any], source: str = "<dict>") -> Campaign:
    return _finish(source, *_validate(d, None))
