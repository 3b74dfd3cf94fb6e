"""The configuration reference (``docs/configuration.md``), generated from the config schema:
one row per key with its type, default and meaning, so the schema stays the one source.

``python -m hfe.core.config_reference > docs/configuration.md`` regenerates it; a test checks
that the committed file is up to date."""

from __future__ import annotations

import json

import yaml

from hfe.core.config import load_schema

HEADER = """# Configuration reference

Generated from the config schema (`hfe/core/config.schema.yaml`) by
`python -m hfe.core.config_reference > docs/configuration.md`; do not edit by hand.

A key left out takes the default shown (—: optional, no default; *required*: must be given
whenever its parent is). Unknown keys, wrong types and inconsistent values are errors, reported
before any job runs. `<name>` stands for a name you choose (a system, a variation, a species),
`[]` for each entry of a list. The defaults are the schema's: `config/config.yaml`, the default
analysis, sets most keys explicitly and adds the two Pb-Pb systems, their truth curves and the
variations. Units: pT in GeV/c, cross sections in mb or µb/(GeV/c), ⟨T_AA⟩ in mb⁻¹.
Defaults too long for the table are listed under [Long defaults](#long-defaults).

| key | type | default | meaning |
|---|---|---|---|
"""
MAX_INLINE_DEFAULT = 60
TABLE_HEAD = "| key | type | default | meaning |\n|---|---|---|---|\n"


def _type(node: dict) -> str:
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return f"[{name}](#{name})"  # heading anchors keep underscores
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array" and isinstance(node.get("items"), dict) and "type" in node["items"]:
        inner = node["items"]
        kind = "list of " + (" \\| ".join(map(str, inner["enum"])) if "enum" in inner else str(inner["type"]))
    return kind


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _has_keys(node: dict) -> bool:
    """Whether a node has documented keys of its own (an object, a definition, a list of objects)."""
    items = node.get("items")
    return bool(node.get("properties")) or "$ref" in node or (isinstance(items, dict) and bool(items.get("properties")))


def rows(schema: dict, long_defaults: dict | None = None) -> list[str]:
    """Markdown rows of every documented key, depth first in schema order; a key whose value
    is a shared definition (``$ref``) links to that definition's own table. Defaults longer
    than a table cell go to ``long_defaults`` (key -> default) and the cell links there."""
    out: list[str] = []

    def default_cell(node: dict, key: str, required: bool) -> str:
        if "default" not in node:
            return "*required*" if required else "—"
        value = json.dumps(node["default"], ensure_ascii=False)
        if len(value) <= MAX_INLINE_DEFAULT or isinstance(node["default"], str) or long_defaults is None:
            return f"`{_cell(value)}`"
        long_defaults[key] = node["default"]
        return "[see below](#long-defaults)"

    def walk(node: dict, key: str, required: bool = False) -> None:
        if key:
            meaning = node.get("description", "")
            out.append(f"| `{key}` | {_type(node)} | {default_cell(node, key, required)} | {_cell(meaning)} |")
        if "$ref" in node:
            return
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{key}.{name}" if key else name, name in node.get("required", []))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and _has_keys(extra):
            walk(extra, f"{key}.<name>" if key else "<name>")
        items = node.get("items")
        if isinstance(items, dict) and items.get("properties"):
            for name, sub in items["properties"].items():
                walk(sub, f"{key}[].{name}", name in items.get("required", []))

    walk(schema, "")
    return out


def reference(schema: dict | None = None) -> str:
    schema = load_schema() if schema is None else schema
    long_defaults: dict = {}
    text = HEADER + "\n".join(rows(schema, long_defaults)) + "\n"
    for name, definition in schema.get("$defs", {}).items():
        text += f"\n## {name}\n\n{_cell(definition.get('description', ''))}\n\n" + TABLE_HEAD
        text += "\n".join(rows(definition, long_defaults)) + "\n"
    if long_defaults:
        text += "\n## Long defaults\n\nAs they would be written in a config file.\n"
        for key, value in long_defaults.items():
            for part in reversed(key.split(".")):
                value = {part: value}
            text += f"\n`{key}`:\n\n```yaml\n{yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)}```\n"
    return text


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain values and short mappings of plain values (``[0.5, 1.0]``)."""


def _represent_list(dumper: yaml.SafeDumper, items: list):
    flat = not any(isinstance(item, (dict, list)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


def _represent_dict(dumper: yaml.SafeDumper, mapping: dict):
    flat = not any(isinstance(v, (dict, list)) for v in mapping.values()) and len(str(mapping)) <= MAX_INLINE_DEFAULT
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping.items(), flow_style=flat)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


if __name__ == "__main__":
    print(reference(), end="")
