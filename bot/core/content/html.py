"""Telegram HTML: would Telegram's HTML parse mode accept a text, and the text without tags.

Tip bodies and announcements are sent with ``parse_mode=HTML``; Telegram refuses the whole
message when the markup is off, and a reminder that fails at send time is a reminder lost. So
the checker here is stricter than Telegram where Telegram is lenient, and an edit or a file is
refused up front with the first reason, in words an admin can act on.

What an admin types in Telegram is more forgiving (``escape_typed``): a plain ``&``, ``<`` or
``>`` is the character itself, and is escaped before the strict check; only text that uses
tags keeps what might be markup for the check to explain. Files stay strict: a person who can
fix them wrote them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final

__all__ = ["escape_typed", "plain_text", "telegram_html_problem"]

_FORMATTING_TAGS: Final = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span"}
)
_ALLOWED_TAGS: Final = _FORMATTING_TAGS | {"a", "code", "pre", "blockquote"}
_LINK_SCHEMES: Final = ("http://", "https://", "tg://", "mailto:")
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_ATTRIBUTE = re.compile(r"""\s+([A-Za-z_][A-Za-z0-9_:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_TAG_FOR_STRIPPING = re.compile(r"<[^<>]*>")
# Something meant as a tag: a name Telegram knows (in any case), then the end of the name.
_TAG_INTENT = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)")
# Looks like an entity (supported or not): left for the strict check when the text has tags.
_ENTITY_LIKE = re.compile(r"&#?[A-Za-z0-9]+;")


def _entity_problem(text: str, i: int, offset: int = 0) -> tuple[str | None, int]:
    """Check the ``&`` at ``text[i]``; return (problem, index after the entity).

    Positions in problems are 1-based characters, shifted by ``offset``."""
    at = offset + i + 1
    m = _ENTITY.match(text, i)
    if m:
        digits, hexdigits = m.group(2), m.group(3)
        if digits or hexdigits:
            code = int(digits, 10) if digits else int(hexdigits, 16)
            if not (0 < code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
                return f"bad character reference {m.group(0)} at character {at}", m.end()
        return None, m.end()
    named = _NAMED_ENTITY.match(text, i)
    if named:
        return (
            f"unsupported entity {named.group(0)} at character {at} "
            "(only &lt; &gt; &amp; &quot; and &#NN; work)",
            named.end(),
        )
    return f"bare '&' at character {at} (write &amp;)", i + 1


def _text_problem(text: str, offset: int) -> str | None:
    """Problems in text outside tags (used for attribute values): bare < > & and entities."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            problem, i = _entity_problem(text, i, offset)
            if problem:
                return problem
            continue
        if ch in "<>":
            escape = "&lt;" if ch == "<" else "&gt;"
            return f"bare '{ch}' at character {offset + i + 1} (write {escape})"
        i += 1
    return None


def _attributes(raw: str, tag: str) -> tuple[dict[str, tuple[str, int]] | None, str | None]:
    """Parse ``raw`` (what follows the tag name) into {name: (value, where in raw)}, or return
    a problem."""
    found: dict[str, tuple[str, int]] = {}
    pos = 0
    while True:
        m = _ATTRIBUTE.match(raw, pos)
        if not m:
            break
        name = m.group(1)
        group = 2 if m.group(2) is not None else 3
        if name in found:
            return None, f"<{tag}> has attribute {name} twice"
        found[name] = (m.group(group), m.start(group))
        pos = m.end()
    rest = raw[pos:]
    if rest.strip():
        if rest.strip() == "/":
            return None, f"self-closing <{tag}/> is not supported"
        return None, f'malformed attributes in <{tag}{raw}> (write name="value")'
    return found, None


def _open_tag_problem(
    name: str, attrs: dict[str, tuple[str, int]], stack: Sequence[str], at: int
) -> str | None:
    """Problems with an opening tag; ``at`` is where its attributes start in the text."""
    if name == "a":
        if "href" not in attrs:
            return "<a> needs an href"
        extra = sorted(set(attrs) - {"href"})
        if extra:
            return f"<a> takes only href, not {extra[0]}"
        href, where = attrs["href"]
        problem = _text_problem(href, at + where)
        if problem:
            return f"in href: {problem}"
        if not html.unescape(href).startswith(_LINK_SCHEMES):
            return f"<a> href must start with {', '.join(_LINK_SCHEMES)}"
    elif name == "span":
        if {k: v for k, (v, _) in attrs.items()} != {"class": "tg-spoiler"}:
            return '<span> needs class="tg-spoiler" and nothing else'
    elif attrs:
        return f"<{name}> takes no attributes"
    for outer in stack:
        if outer == "code":
            return f"<{name}> cannot go inside <code>"
        if outer == "pre" and name != "code":
            return f"<{name}> cannot go inside <pre> (only <code> can)"
        if outer == "a" and name not in _FORMATTING_TAGS:
            return f"<{name}> cannot go inside <a>"
        if outer == "blockquote" and name == "blockquote":
            return "<blockquote> cannot go inside <blockquote>"
    return None


def telegram_html_problem(text: str) -> str | None:
    """The first reason Telegram's HTML parse mode would refuse ``text``, or None if it is fine.

    Stricter than Telegram where Telegram is lenient (lower-case tags only, quoted attributes,
    links must be http(s)://, tg:// or mailto:), so that what passes here always sends.
    """
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            problem, i = _entity_problem(text, i)
            if problem:
                return problem
            continue
        if ch == ">":
            return f"bare '>' at character {i + 1} (write &gt;)"
        if ch != "<":
            i += 1
            continue
        if text.startswith("</", i):
            close = _CLOSE_TAG.match(text, i)
            if not close:
                if i + 2 < n and text[i + 2].isascii() and text[i + 2].isalpha():
                    return f"malformed closing tag at character {i + 1}"
                return f"bare '<' at character {i + 1} (write &lt;)"
            name = close.group(1)
            if name not in _ALLOWED_TAGS:
                return _unknown_tag(name, closing=True)
            if name not in stack:
                return f"</{name}> without an opening <{name}>"
            if stack[-1] != name:
                return f"misnested </{name}>: <{stack[-1]}> is still open inside <{name}>"
            stack.pop()
            i = close.end()
            continue
        tag = _OPEN_TAG.match(text, i)
        if not tag:
            if i + 1 < n and text[i + 1].isascii() and text[i + 1].isalpha():
                return f"unterminated tag at character {i + 1} (write &lt; for a plain '<')"
            return f"bare '<' at character {i + 1} (write &lt;)"
        name, raw = tag.group(1), tag.group(2)
        if name not in _ALLOWED_TAGS:
            return _unknown_tag(name, closing=False)
        if raw and not raw[0].isspace() and raw.strip() != "/":
            return f"malformed tag at character {i + 1}"
        attrs, problem = _attributes(raw, name)
        if problem or attrs is None:
            return problem
        problem = _open_tag_problem(name, attrs, stack, tag.start(2))
        if problem:
            return problem
        stack.append(name)
        i = tag.end()
    if stack:
        return "unclosed " + ", ".join(f"<{name}>" for name in stack)
    return None


def _unknown_tag(name: str, *, closing: bool) -> str:
    slash = "/" if closing else ""
    if name.lower() in _ALLOWED_TAGS:
        return f"tag <{slash}{name}> must be lower-case"
    return f"unknown tag <{slash}{name}>"


def uses_tags(text: str) -> bool:
    """Does ``text`` hold anything meant as a Telegram HTML tag (``<b>``, ``</i>``, ``<B>``, an
    unfinished ``<a href=...``)? ``<foo>`` or ``< 3`` is not."""
    return any(m.group(1).lower() in _ALLOWED_TAGS for m in _TAG_INTENT.finditer(text))


def escape_typed(text: str) -> str:
    """What an admin typed in Telegram (no Telegram formatting) as Telegram HTML.

    Without tags (see ``uses_tags``), ``&``, ``<`` and ``>`` are the characters themselves and
    are escaped; an entity Telegram supports (``&amp;``, ``&#8212;``...) is kept, so a body
    copied back from the edit prompt (which shows the stored HTML) is not escaped twice. With
    tags, only what cannot be markup is escaped: a ``&`` that starts no entity, a ``<`` that
    starts no tag (``< 3``, ``<3``) and a ``>`` outside a tag; the rest is left as typed for
    ``telegram_html_problem`` to check strictly.
    """
    if not uses_tags(text):
        return _ENTITY_OR_MARK.sub(_escape_mark, text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            out.append("&" if _ENTITY_LIKE.match(text, i) else "&amp;")
        elif ch == "<":
            tag = _OPEN_TAG.match(text, i) or _CLOSE_TAG.match(text, i)
            if tag:
                out.append(tag.group(0))
                i = tag.end()
                continue
            after = text[i + 1 : i + 3]
            meant = after[:1].isascii() and after[:1].isalpha()
            meant = meant or (after[:1] == "/" and after[1:].isascii() and after[1:].isalpha())
            out.append("<" if meant else "&lt;")
        elif ch == ">":
            out.append("&gt;")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_ENTITY_OR_MARK = re.compile(rf"{_ENTITY.pattern}|[&<>]")
_MARKS: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape_mark(match: re.Match[str]) -> str:
    found = match.group(0)
    return _MARKS.get(found, found)


def plain_text(html_text: str) -> str:
    """``html_text`` with its tags removed and entities decoded (for previews and lengths)."""
    return html.unescape(_TAG_FOR_STRIPPING.sub("", html_text))
