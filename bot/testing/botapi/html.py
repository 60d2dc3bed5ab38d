"""Telegram's HTML parse mode: validate like the Bot API and turn markup into text + entities.

Follows TDLib's parser (tags, attributes, error wording with UTF-8 byte offsets) with one
deliberate difference: by default it is *strict* and refuses a bare ``&`` or ``>`` that Telegram
would quietly keep, so that a bot forgetting ``html.escape`` fails in tests, not in production
on the first runner whose name contains ``<``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EntityParseError", "ParsedText", "parse_html", "strip_text", "utf16_len"]

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{1,10}));")
_SPACE = " \t\n\r\f\v"


class EntityParseError(ValueError):
    """The text cannot be parsed; ``str(err)`` is the part after "can't parse entities: "."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(src: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``src[i] == '&'``: (character, index after it) or None."""
    match = _ENTITY_RE.match(src, i)
    if match is None:
        return None
    dec, hexa, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, match.end()
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(src: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML into plain text and MessageEntity dicts (UTF-16 offsets)."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    n = len(src)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal out_len
        out.append(chunk)
        out_len += utf16_len(chunk)

    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_entity(src, i)
            if decoded is not None:
                emit(decoded[0])
                i = decoded[1]
                continue
            if strict:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(src, i)}: use &amp;'
                )
            emit("&")
            i += 1
            continue
        if char == ">":
            if strict:
                raise EntityParseError(
                    f'Unescaped ">" at byte offset {_byte_offset(src, i)}: use &gt;'
                )
            emit(">")
            i += 1
            continue
        if char != "<":
            start = i
            while i < n and src[i] not in "<>&":
                i += 1
            emit(src[start:i])
            continue
        begin = i
        i += 1
        if i < n and src[i] == "/":
            i = _close_tag(src, begin, i, stack, entities, out_len)
        else:
            i, opened = _open_tag(src, begin, i, out_len)
            stack.append(opened)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _open_tag(src: str, begin: int, i: int, out_len: int) -> tuple[int, _Open]:
    n = len(src)
    offset = _byte_offset(src, begin)
    while i < n and src[i] not in _SPACE and src[i] != ">":
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
    tag = src[begin + 1 : i].lower()
    if tag not in _TAG_ENTITY:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
    argument = ""
    while True:
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
        if src[i] == ">":
            break
        name_start = i
        while i < n and src[i] not in _SPACE and src[i] not in "=>":
            i += 1
        name = src[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
            )
        while i < n and src[i] in _SPACE:
            i += 1
        if tag == "blockquote" and name == "expandable" and (i >= n or src[i] != "="):
            argument = "expandable"
            continue
        if i >= n or src[i] != "=":
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {offset}"
            )
        i += 1
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
        value, i = _attribute_value(src, i)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "expandable"
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if tag == "tg-emoji" and not argument.isdigit():
        raise EntityParseError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
        )
    return i + 1, _Open(tag, argument, out_len)


def _attribute_value(src: str, i: int) -> tuple[str, int]:
    n = len(src)
    if src[i] not in "'\"":
        start = i
        while i < n and (src[i].isalnum() or src[i] in ".-"):
            i += 1
        if i < n and src[i] not in _SPACE and src[i] != ">":
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(src, start)}"
            )
        return src[start:i].lower(), i
    quote = src[i]
    i += 1
    chars: list[str] = []
    while i < n and src[i] != quote:
        if src[i] == "&":
            decoded = _decode_entity(src, i)
            if decoded is not None:
                chars.append(decoded[0])
                i = decoded[1]
                continue
        chars.append(src[i])
        i += 1
    if i < n:
        i += 1
    return "".join(chars), i


def _close_tag(
    src: str,
    begin: int,
    i: int,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    out_len: int,
) -> int:
    n = len(src)
    offset = _byte_offset(src, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
    i += 1  # skip '/'
    name_start = i
    while i < n and src[i] not in _SPACE and src[i] != ">":
        i += 1
    end_name = src[name_start:i].lower()
    while i < n and src[i] in _SPACE:
        i += 1
    if i >= n or src[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
            f'found "</{end_name}>"'
        )
    length = out_len - opened.offset
    if length > 0:
        _add_entity(opened, length, stack, entities)
    return i + 1


def _add_entity(
    opened: _Open, length: int, stack: list[_Open], entities: list[dict[str, Any]]
) -> None:
    kind = _TAG_ENTITY[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        if not opened.argument:
            return  # <a> without href is plain text for Telegram
        entity["url"] = opened.argument
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.argument
    elif kind == "blockquote" and opened.argument == "expandable":
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and stack and stack[-1].tag == "pre":
        # <pre><code class="language-x">…</code></pre> is one pre entity with a language
        if opened.argument:
            stack[-1].argument = opened.argument
        return
    elif kind == "pre" and opened.argument:
        entity["language"] = opened.argument
    entities.append(entity)


def strip_text(parsed: ParsedText) -> ParsedText:
    """Trim surrounding whitespace like Telegram does, keeping entity offsets right."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_len)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
