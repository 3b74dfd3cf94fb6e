"""The configuration reference (``docs/configuration.md``), generated from the config schema:
one row per key with its type, default and meaning, so the schema stays the one source.

``python -m hfe.core.config_reference > docs/configuration.md`` regenerates it; a test checks
that the committed file is up to date."""

from __future__ import annotations

import json

from analysis.config import load_schema

HEADER = """# Configuration reference

Generated from the config schema (`hfe/core/config.schema.yaml`) by
`python -m hfe.core.config_reference > docs/configuration.md`; do not edit by hand.
Every key has a default; unknown keys are errors. `<name>` stands for a name you choose
(a system, a variation, a species). Units: pT in GeV/c, cross sections in mb or µb/(GeV/c).

| key | type | default | meaning |
|---|---|---|---|
"""


def _type(node: dict) -> str:
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return f"[{name}](#{name.replace('_', '-')})"
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


def _default(node: dict) -> str:
    if "default" not in node:
        return "—"
    value = json.dumps(node["default"])
    return f"`{_cell(value)}`" if len(value) <= 60 else "see schema"


def rows(schema: dict) -> list[str]:
    """Markdown rows of every documented key, depth first in schema order; a key whose value
    is a shared definition (``$ref``) links to that definition's own table."""
    out: list[str] = []

    def walk(node: dict, key: str, required: bool = False) -> None:
        if key:
            meaning = node.get("description", "")
            default = "required" if required and "default" not in node else _default(node)
            out.append(f"| `{key}` | {_type(node)} | {default} | {_cell(meaning)} |")
        if "$ref" in node:
            return
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{key}.{name}" if key else name, name in node.get("required", []))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and (extra.get("properties") or "$ref" in extra):
            walk(extra, f"{key}.<name>")

    walk(schema, "")
    return out


def reference(schema: dict | None = None) -> str:
    schema = load_schema() if schema is None else schema
    text = HEADER + "\n".join(rows(schema)) + "\n"
    for name, definition in schema.get("$defs", {}).items():
        if "properties" not in definition:
            continue
        text += f"\n## {name}\n\n{_cell(definition.get('description', ''))}\n\n| key | type | default | meaning |\n|---|---|---|---|\n"
        text += "\n".join(rows({"properties": definition["properties"], "required": definition.get("required", [])})) + "\n"
    return text


if __name__ == "__main__":
    print(reference(), end="")
