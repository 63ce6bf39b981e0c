"""What every intake route shares: answers, pagination and the problems' docs (the service's state, the
caller, key and instant are eventlog/http/front_door.py's, as for every service)."""

from __future__ import annotations

from typing import Any

from eventlog.http.docs import Paging, json_response, paging, problem_docs
from eventlog.http.problems import reply_response as answer

__all__ = ["Paging", "answer", "json_response", "paging", "problems"]


_EXAMPLES = {
    403: ("role_not_allowed", "该操作仅限推荐单位。"),
    404: ("nomination_not_found", "未找到该推荐。"),
    409: ("wrong_status", "该申报当前状态为“已推荐”，不能进行此操作。"),
    413: ("payload_too_large", "请求体超过上限 256 KiB。"),
    415: ("media_type_mismatch", "文件扩展名“.pdf”与文件内容（PNG 图片）不符。"),
    422: ("submission_closed", "网上申报已于2022年10月31日24:00（北京时间）截止，不再受理提交、修改或撤回。"),
    503: ("event_log_unavailable", "事件日志暂不可用，本次提交未生效，请稍后重试。"),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers an intake route gives."""
    return problem_docs(_EXAMPLES, *statuses)
