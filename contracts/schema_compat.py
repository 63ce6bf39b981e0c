"""BACKWARD compatibility of two JSON Schemas, as a schema registry checks it: can a reader built on
the new schema still read every document written under the old one?

Reported (each as "path: what changed"): a removed field, a changed type, a new required field,
a narrowed enum/const/Literal, tightened bounds (maxLength down, minimum up, ...), a new or changed
pattern/format, and any union branch the new schema no longer accepts. Defaults, titles and
descriptions are ignored: our events are written with every field, so defaults never fill gaps.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_UPPER = (("maxLength", None), ("maxItems", None), ("maxProperties", None), ("maximum", "exclusiveMaximum"))
_LOWER = (("minLength", None), ("minItems", None), ("minProperties", None), ("minimum", "exclusiveMinimum"))
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def check_backward(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Breaking changes for readers of documents written under `old_schema`; [] when compatible."""
    return _Diff(old_schema, new_schema).compare("", old_schema, new_schema)


class _Diff:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)

    def _resolve(self, node: Any, root: Schema, depth: int = 0) -> Any:
        while isinstance(node, dict) and "$ref" in node and depth < 32:
            target: Any = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node, depth = target, depth + 1
        return node

    def compare(self, path: str, old: Any, new: Any, depth: int = 0) -> list[str]:
        old, new = self._resolve(old, self.roots[0]), self._resolve(new, self.roots[1])
        if depth > 64 or new is True or new == {}:
            return []  # the new reader accepts anything here
        if old is True or old == {}:
            return [f"{_at(path)}: was unconstrained, now {_describe(new)}"]
        old_branches, new_branches = _branches(old), _branches(new)
        if len(old_branches) == 1 and len(new_branches) == 1:
            return self._compare_one(path, old, new, depth)
        out: list[str] = []
        for branch in old_branches:
            results = [self.compare(path, branch, candidate, depth + 1) for candidate in new_branches]
            if all(results):
                closest = min(results, key=len)
                out += closest if len(new_branches) == 1 else [
                    f"{_at(path)}: {_describe(self._resolve(branch, self.roots[0]))} is no longer accepted"]
        return out

    def _compare_one(self, path: str, old: Schema, new: Schema, depth: int) -> list[str]:
        old_types, new_types = _types(old), _types(new)
        if new_types is not None:
            if old_types is None:
                return [f"{_at(path)}: type narrowed to {'/'.join(sorted(new_types))}"]
            lost = {t for t in old_types if t not in new_types and not (t == "integer" and "number" in new_types)}
            if lost:
                was, now = "/".join(sorted(old_types)), "/".join(sorted(new_types))
                return [f"{_at(path)}: type changed from {was} to {now}"]
        out = _value_problems(path, old, new)
        if "properties" in old or "properties" in new or "additionalProperties" in new:
            out += self._object_problems(path, old, new, depth)
        if "items" in new or "prefixItems" in new:
            out += self._array_problems(path, old, new, depth)
        return out

    def _object_problems(self, path: str, old: Schema, new: Schema, depth: int) -> list[str]:
        out: list[str] = []
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        new_extra = new.get("additionalProperties", True)
        for name, old_prop in old_props.items():
            sub = f"{path}.{name}" if path else name
            if name in new_props:
                out += self.compare(sub, old_prop, new_props[name], depth + 1)
            elif isinstance(new_extra, dict):
                out += self.compare(sub, old_prop, new_extra, depth + 1)
            else:
                out.append(f"{sub}: field removed")
        for name in new.get("required", ()):
            if name not in old.get("required", ()):
                sub = f"{path}.{name}" if path else name
                out.append(f"{sub}: new required field without default" if name not in old_props
                           else f"{sub}: was optional, now required")
        old_extra = old.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            out.append(f"{_at(path)}: additional properties no longer allowed")
        elif isinstance(new_extra, dict) and old_extra is not False:
            out += self.compare(f"{path}{{}}", old_extra, new_extra, depth + 1)
        return out

    def _array_problems(self, path: str, old: Schema, new: Schema, depth: int) -> list[str]:
        old_items = old.get("prefixItems") or ([old["items"]] if "items" in old else [])
        if "prefixItems" in new:
            if "prefixItems" not in old:
                return [f"{path}[]: a list became a fixed-length tuple"]
            return [p for i, (o, n) in enumerate(zip(old["prefixItems"], new["prefixItems"]))
                    for p in self.compare(f"{path}[{i}]", o, n, depth + 1)]
        return [p for o in old_items for p in self.compare(f"{path}[]", o, new["items"], depth + 1)]


def _value_problems(path: str, old: Schema, new: Schema) -> list[str]:
    out: list[str] = []
    old_values, new_values = _allowed_values(old), _allowed_values(new)
    if new_values is not None:
        lost = new_values if old_values is None else [v for v in old_values if v not in new_values]
        if old_values is None:
            out.append(f"{_at(path)}: narrowed to the values {new_values!r}")
        elif lost:
            out.append(f"{_at(path)}: enum/literal narrowed, no longer accepts {lost!r}")
    for bounds, tighter in ((_UPPER, lambda n, o: n < o), (_LOWER, lambda n, o: n > o)):
        for inclusive, exclusive in bounds:
            o, n = _bound(old, inclusive, exclusive), _bound(new, inclusive, exclusive)
            if n is not None and (o is None or tighter(n[0], o[0]) or (n[0] == o[0] and n[1] and not o[1])):
                out.append(f"{_at(path)}: {inclusive} tightened from {_show(o)} to {_show(n)}")
    for key in ("pattern", "format", "multipleOf"):
        if key in new and new[key] != old.get(key):
            out.append(f"{_at(path)}: {key} {'changed' if key in old else 'added'}: {new[key]!r}")
    if new.get("uniqueItems") and not old.get("uniqueItems"):
        out.append(f"{_at(path)}: items must now be unique")
    return out


def _branches(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return node.get("anyOf") or node.get("oneOf") or [node]
    return [node]


def _types(node: Schema) -> set[str] | None:
    if "type" in node:
        return set(node["type"]) if isinstance(node["type"], list) else {node["type"]}
    values = _allowed_values(node)
    return None if values is None else {_JSON_TYPES.get(type(v), "object") for v in values}


def _allowed_values(node: Schema) -> list[Any] | None:
    return [node["const"]] if "const" in node else node.get("enum")


def _bound(node: Schema, inclusive: str, exclusive: str | None) -> tuple[float, bool] | None:
    found = [(node[inclusive], False)] if inclusive in node else []
    if exclusive and exclusive in node:
        found.append((node[exclusive], True))
    if not found:
        return None
    # The binding bound: the lowest maximum / highest minimum; at a tie the exclusive one.
    if inclusive.startswith("max"):
        return min(found, key=lambda b: (b[0], not b[1]))
    return max(found, key=lambda b: (b[0], b[1]))


def _show(bound: tuple[float, bool] | None) -> str:
    return "none" if bound is None else f"{bound[0]}{' (exclusive)' if bound[1] else ''}"


def _describe(node: Any) -> str:
    if isinstance(node, dict):
        values = _allowed_values(node)
        if values is not None:
            return f"values {values!r}"
        if "type" in node:
            return f"type {node['type']}"
    return "a constrained schema"


def _at(path: str) -> str:
    return path or "<document>"
