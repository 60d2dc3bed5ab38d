"""Table-driven tests for bot.content: the schedules on disk and their validation."""

from __future__ import annotations

import datetime as dt
import pickle
import textwrap
from pathlib import Path

import pytest

from bot.core import content
from bot.core.content import (
    ContentError,
    Library,
    check_schedules,
    dump_plan,
    dump_tips,
    load_schedules,
    parse_plan,
    parse_tips,
    plain_text,
    telegram_html_problem,
    validate_slot,
    validate_tip,
)
from bot.core.models import TIP_CATEGORIES, Anchor, AnchorKind, Days, DaysKind, Slot, SlotKind, Tip

REPO = Path(__file__).resolve().parent.parent
KNOWN = ", ".join(TIP_CATEGORIES)
SLUG_HINT = "use 2-63 characters a-z, 0-9, - and _, starting with a letter or digit"


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def tips_file(category: str, *entries: str) -> str:
    """A tips file with the given entries (each a YAML mapping without the leading dash)."""
    lines = [f"category: {category}", "tips:"]
    for entry in entries:
        body = textwrap.dedent(entry).strip("\n").splitlines()
        lines.append("  - " + body[0])
        lines.extend("    " + line if line else "" for line in body[1:])
    return "\n".join(lines) + "\n"


def plan_file(*entries: str) -> str:
    lines = ["slots:"]
    for entry in entries:
        body = textwrap.dedent(entry).strip("\n").splitlines()
        lines.append("  - " + body[0])
        lines.extend("    " + line for line in body[1:])
    return "\n".join(lines) + "\n"


GOOD_TIP = yaml_text(
    """
    id: form-1
    title: "🏃 Run tall"
    body: |
      Stand <b>tall</b> for 10 min.
    """
)

GOOD_SLOT = yaml_text(
    """
    id: warm_up
    title: Warm-up
    kind: tip
    categories: [warm_up]
    anchor: {before_run: 30}
    days: run_days
    """
)


# --------------------------------------------------------------------------------------------
# Telegram HTML

HTML_OK = [
    "plain text",
    "",
    "<b>bold</b> <strong>strong</strong> <i>it</i> <em>em</em> <u>u</u> <ins>ins</ins>",
    "<s>s</s> <strike>strike</strike> <del>del</del> <code>x = 1</code>",
    "<b>bold <i>and italic <u>and underlined</u></i></b>",
    '<tg-spoiler>secret</tg-spoiler> and <span class="tg-spoiler">secret</span>',
    "<pre>block</pre> <pre><code>x</code></pre>",
    "<blockquote>quote <b>bold</b></blockquote>",
    '<a href="https://www.nhs.uk/conditions/back-pain/">NHS</a>',
    "<a href='https://example.org/?a=1&amp;b=2'>link</a>",
    '<a href="tg://user?id=1"><b>bold link</b></a>',
    "<b >spaces inside the tag</b >",
    "a &lt; b &gt; c &amp; d &quot;e&quot;",
    "AT&amp;T",
    "&#128170; &#x1F4AA; &#X1f4aa;",
    "multi\nline\n\n<b>text</b>",
    '3 x 20-30 s, 10 reps/side; 50% (easy) ~ 5\' "quote"',
]

HTML_BAD = [
    ("a < b", "bare '<' at character 3 (write &lt;)"),
    ("a > b", "bare '>' at character 3 (write &gt;)"),
    ("AT&T", "bare '&' at character 3 (write &amp;)"),
    ("fish & chips", "bare '&' at character 6 (write &amp;)"),
    ("&amp", "bare '&' at character 1 (write &amp;)"),
    (
        "&nbsp;",
        "unsupported entity &nbsp; at character 1 (only &lt; &gt; &amp; &quot; and &#NN; work)",
    ),
    ("&#0;", "bad character reference &#0; at character 1"),
    ("&#xD800;", "bad character reference &#xD800; at character 1"),
    ("&#x110000;", "bad character reference &#x110000; at character 1"),
    ("<b>bold", "unclosed <b>"),
    ("<b><i>x", "unclosed <b>, <i>"),
    ("<b>x<i>y</i>", "unclosed <b>"),
    ("<b><i></b></i>", "misnested </b>: <i> is still open inside <b>"),
    ("x</b>", "</b> without an opening <b>"),
    ("<b>x</b></b>", "</b> without an opening <b>"),
    ("<i>x</b>", "</b> without an opening <b>"),
    ("<div>x</div>", "unknown tag <div>"),
    ("x</div>", "unknown tag </div>"),
    ("<p>x</p>", "unknown tag <p>"),
    ("line<br>", "unknown tag <br>"),
    ("line<br/>", "unknown tag <br>"),
    ("<B>x</B>", "tag <B> must be lower-case"),
    ("<b/>", "self-closing <b/> is not supported"),
    ('<b class="x">x</b>', "<b> takes no attributes"),
    ("<a>x</a>", "<a> needs an href"),
    ('<a href="https://x.org" title="t">x</a>', "<a> takes only href, not title"),
    ('<a href="https://x.org" href="https://y.org">x</a>', "<a> has attribute href twice"),
    (
        "<a href=https://x.org>x</a>",
        'malformed attributes in <a href=https://x.org> (write name="value")',
    ),
    (
        '<a href="javascript:alert(1)">x</a>',
        "<a> href must start with http://, https://, tg://, mailto:",
    ),
    ('<a href="https://x.org/?a=1&b=2">x</a>', "in href: bare '&' at character 28 (write &amp;)"),
    ("<span>x</span>", '<span> needs class="tg-spoiler" and nothing else'),
    ('<span class="red">x</span>', '<span> needs class="tg-spoiler" and nothing else'),
    ("<code><b>x</b></code>", "<b> cannot go inside <code>"),
    ("<pre><b>x</b></pre>", "<b> cannot go inside <pre> (only <code> can)"),
    (
        '<a href="https://x.org"><a href="https://y.org">x</a></a>',
        "<a> cannot go inside <a>",
    ),
    ('<a href="https://x.org"><code>x</code></a>', "<code> cannot go inside <a>"),
    (
        "<blockquote><blockquote>x</blockquote></blockquote>",
        "<blockquote> cannot go inside <blockquote>",
    ),
    ("<b", "unterminated tag at character 1 (write &lt; for a plain '<')"),
    ("x <b x", "unterminated tag at character 3 (write &lt; for a plain '<')"),
    ("<é", "bare '<' at character 1 (write &lt;)"),
    ("<b!>x</b>", "malformed tag at character 1"),
    ("</ b>", "bare '<' at character 1 (write &lt;)"),
    ("</b", "malformed closing tag at character 1"),
    ("<!-- note -->", "bare '<' at character 1 (write &lt;)"),
    ("<3 you", "bare '<' at character 1 (write &lt;)"),
]


@pytest.mark.parametrize("text", HTML_OK)
def test_html_accepted(text: str) -> None:
    assert telegram_html_problem(text) is None


@pytest.mark.parametrize(("text", "problem"), HTML_BAD)
def test_html_refused(text: str, problem: str) -> None:
    assert telegram_html_problem(text) == problem


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>AT&amp;T</b> &lt;3 &#128170;", "AT&T <3 💪"),
        ('<a href="https://x.org">link</a> &quot;q&quot;', 'link "q"'),
        ("&lt;b&gt;literal&lt;/b&gt;", "<b>literal</b>"),
        ("plain", "plain"),
    ],
)
def test_plain_text(html: str, text: str) -> None:
    assert plain_text(html) == text


# --------------------------------------------------------------------------------------------
# Tips files

F = "tips/form.yaml"

TIPS_BAD = [
    (
        "body too long",
        tips_file("form", f"id: form-long\ntitle: Long\nbody: {'x' * 712}"),
        ["tips/form.yaml: tip form-long: body: 712 characters, at most 600"],
    ),
    (
        "id missing, reported by position",
        tips_file("form", GOOD_TIP, "id: form-2\ntitle: T\nbody: b", "title: T\nbody: b"),
        ["tips/form.yaml: tip #3: id: missing"],
    ),
    (
        "title and body missing",
        tips_file("form", "id: form-1"),
        [
            "tips/form.yaml: tip form-1: title: missing",
            "tips/form.yaml: tip form-1: body: missing",
        ],
    ),
    (
        "null body counts as missing",
        tips_file("form", "id: form-1\ntitle: T\nbody:"),
        ["tips/form.yaml: tip form-1: body: missing"],
    ),
    (
        "unclosed tag",
        tips_file("form", "id: form-1\ntitle: T\nbody: Keep it <b>light"),
        ["tips/form.yaml: tip form-1: body: invalid HTML: unclosed <b>"],
    ),
    (
        "bare ampersand",
        tips_file("form", 'id: form-1\ntitle: T\nbody: "Tips & tricks"'),
        ["tips/form.yaml: tip form-1: body: invalid HTML: bare '&' at character 6 (write &amp;)"],
    ),
    (
        "body only tags",
        tips_file("form", "id: form-1\ntitle: T\nbody: <b></b>"),
        ["tips/form.yaml: tip form-1: body: no text outside the HTML tags"],
    ),
    (
        "body blank",
        tips_file("form", "id: form-1\ntitle: T\nbody: '   '"),
        ["tips/form.yaml: tip form-1: body: empty"],
    ),
    (
        "long body with bad HTML reports both",
        tips_file("form", f"id: form-1\ntitle: T\nbody: <b>{'x' * 600}"),
        [
            "tips/form.yaml: tip form-1: body: 603 characters, at most 600",
            "tips/form.yaml: tip form-1: body: invalid HTML: unclosed <b>",
        ],
    ),
    (
        "unknown field with suggestion",
        tips_file("form", GOOD_TIP + "titel: typo\n"),
        ["tips/form.yaml: tip form-1: titel: unknown field 'titel' (did you mean 'title'?)"],
    ),
    (
        "unknown field without suggestion",
        tips_file("form", GOOD_TIP + "colour: red\n"),
        ["tips/form.yaml: tip form-1: colour: unknown field 'colour'"],
    ),
    (
        "bad id",
        tips_file("form", "id: Core Plank\ntitle: T\nbody: b"),
        [f"tips/form.yaml: tip #1: id: bad id 'Core Plank' ({SLUG_HINT})"],
    ),
    (
        "id of wrong type",
        tips_file("form", "id: 12\ntitle: T\nbody: b"),
        ["tips/form.yaml: tip #1: id: expected text, got the number 12"],
    ),
    (
        "title too long",
        tips_file("form", f"id: form-1\ntitle: {'t' * 81}\nbody: b"),
        ["tips/form.yaml: tip form-1: title: 81 characters, at most 80"],
    ),
    (
        "title with HTML",
        tips_file("form", "id: form-1\ntitle: <b>Bold</b> title\nbody: b"),
        ["tips/form.yaml: tip form-1: title: HTML tags are not allowed here (plain text)"],
    ),
    (
        "title with an entity",
        tips_file("form", "id: form-1\ntitle: Q&amp;A\nbody: b"),
        [
            "tips/form.yaml: tip form-1: title: "
            "HTML entities are not allowed here (plain text: write the character)"
        ],
    ),
    (
        "unquoted yes is a boolean in YAML",
        tips_file("form", "id: form-1\ntitle: yes\nbody: b"),
        [
            "tips/form.yaml: tip form-1: title: "
            "expected text, got true (put quotes around yes, no, on or off)"
        ],
    ),
    (
        "duplicate id found even when the first entry is broken",
        tips_file("form", "id: form-1\ntitle: ''\nbody: b", GOOD_TIP),
        [
            "tips/form.yaml: tip form-1: title: empty",
            "tips/form.yaml: tip form-1: id: duplicate id, also tip #1 in this file",
        ],
    ),
    (
        "title empty",
        tips_file("form", "id: form-1\ntitle: ''\nbody: b"),
        ["tips/form.yaml: tip form-1: title: empty"],
    ),
    (
        "title list",
        tips_file("form", "id: form-1\ntitle: [a, b]\nbody: b"),
        ["tips/form.yaml: tip form-1: title: expected text, got a list"],
    ),
    (
        "title on two lines",
        tips_file("form", 'id: form-1\ntitle: "a\\nb"\nbody: b'),
        ["tips/form.yaml: tip form-1: title: must be one line"],
    ),
    (
        "why too long and with HTML",
        tips_file("form", GOOD_TIP + f"why: <i>{'w' * 200}</i>\n"),
        [
            "tips/form.yaml: tip form-1: why: 207 characters, at most 200",
            "tips/form.yaml: tip form-1: why: HTML tags are not allowed here (plain text)",
        ],
    ),
    (
        "source too long",
        tips_file("form", GOOD_TIP + f"source: {'s' * 121}\n"),
        ["tips/form.yaml: tip form-1: source: 121 characters, at most 120"],
    ),
    (
        "active not a boolean",
        tips_file("form", GOOD_TIP + "active: sometimes\n"),
        ["tips/form.yaml: tip form-1: active: expected true or false, got the text 'sometimes'"],
    ),
    (
        "entry not a mapping",
        "category: form\ntips:\n  - just a string\n",
        [
            "tips/form.yaml: tip #1: entry: "
            "expected a mapping with id, title and body, got the text 'just a string'"
        ],
    ),
    (
        "duplicate id in one file",
        tips_file("form", GOOD_TIP, GOOD_TIP),
        ["tips/form.yaml: tip form-1: id: duplicate id, also tip #1 in this file"],
    ),
    (
        "unknown category",
        tips_file("footwear", GOOD_TIP),
        [f"tips/form.yaml: file: category: unknown category 'footwear' (known: {KNOWN})"],
    ),
    (
        "category does not match the file name",
        tips_file("recovery", GOOD_TIP),
        [
            "tips/form.yaml: file: category: "
            "'recovery' does not match the file name 'form.yaml' "
            "(the category is the file name without .yaml)"
        ],
    ),
    (
        "category missing",
        "tips:\n  - id: form-1\n    title: T\n    body: b\n",
        ["tips/form.yaml: file: category: missing"],
    ),
    (
        "category not text",
        "category: [form]\ntips:\n  - id: form-1\n    title: T\n    body: b\n",
        ["tips/form.yaml: file: category: expected a category name, got a list"],
    ),
    (
        "tips missing",
        "category: form\n",
        ["tips/form.yaml: file: tips: missing"],
    ),
    (
        "tips empty",
        "category: form\ntips: []\n",
        ["tips/form.yaml: file: tips: empty list (add at least one tip)"],
    ),
    (
        "tips not a list",
        "category: form\ntips: lots\n",
        ["tips/form.yaml: file: tips: expected a list of tips, got the text 'lots'"],
    ),
    (
        "unknown top-level field",
        tips_file("form", GOOD_TIP) + "categroy: form\n",
        ["tips/form.yaml: file: categroy: unknown field 'categroy' (did you mean 'category'?)"],
    ),
    (
        "empty file",
        "",
        ["tips/form.yaml: file: yaml: empty file (expected category and tips)"],
    ),
    (
        "only comments",
        "# nothing yet\n",
        ["tips/form.yaml: file: yaml: empty file (expected category and tips)"],
    ),
    (
        "top level is a list",
        "- a\n- b\n",
        ["tips/form.yaml: file: yaml: expected a mapping with category and tips, got a list"],
    ),
    (
        "YAML syntax error with its line",
        "category: form\ntips:\n  - id: form-1\n    title: a: b\n",
        [
            "tips/form.yaml: file: yaml: syntax error at line 4, column 13: "
            "mapping values are not allowed here"
        ],
    ),
    (
        "YAML bad indentation",
        "category: form\ntips:\n  - id: form-1\n   title: T\n",
        [
            "tips/form.yaml: file: yaml: syntax error at line 4, column 4: "
            "expected <block end>, but found '<block mapping start>'"
        ],
    ),
    (
        "duplicate YAML key",
        tips_file("form", GOOD_TIP + "body: second body\n"),
        ["tips/form.yaml: file: yaml: duplicate key 'body' at line 7"],
    ),
    (
        "every problem in the file is reported",
        tips_file(
            "form",
            "id: form-1\ntitle: T\nbody: <div>x</div>",
            "id: form-2\ntitle: ''\nbody: ok",
        ),
        [
            "tips/form.yaml: tip form-1: body: invalid HTML: unknown tag <div>",
            "tips/form.yaml: tip form-2: title: empty",
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in TIPS_BAD], ids=[c[0] for c in TIPS_BAD]
)
def test_tips_file_refused(text: str, expected: list[str]) -> None:
    with pytest.raises(ContentError) as caught:
        parse_tips(text, F)
    assert caught.value.errors == expected
    assert str(caught.value) == "\n".join(expected)


def test_tips_file_parsed() -> None:
    text = yaml_text(
        """
        category: form
        tips:
          - id: form-1
            title: "🏃 Run tall"
            body: |
              Stand <b>tall</b>, look ahead.

              Hold it for <i>10 min</i>.
            why: Keeps your spine stacked.
            source: NHS back pain
          - id: form-2
            title: Short steps
            body: "Cadence 5-10% up &amp; shorter steps."
            active: false
          - id: form-3
            title: Nulls mean defaults
            body: x
            why:
            source:
            active:
        """
    )
    assert parse_tips(text, F) == (
        Tip(
            id="form-1",
            category="form",
            title="🏃 Run tall",
            body="Stand <b>tall</b>, look ahead.\n\nHold it for <i>10 min</i>.",
            why="Keeps your spine stacked.",
            source="NHS back pain",
        ),
        Tip("form-2", "form", "Short steps", "Cadence 5-10% up &amp; shorter steps.", active=False),
        Tip("form-3", "form", "Nulls mean defaults", "x"),
    )


def test_body_length_ignores_trailing_whitespace() -> None:
    body = "x" * 600
    text = tips_file("form", f"id: form-1\ntitle: T\nbody: |\n  {body}\n\n\n")
    (tip,) = parse_tips(text, F)
    assert tip.body == body


# --------------------------------------------------------------------------------------------
# Plan file

P = "plan.yaml"

PLAN_BAD = [
    (
        "bad time",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", '{at: "25:99"}')),
        ["plan.yaml: slot warm_up: anchor: bad time '25:99' (use HH:MM, 00:00-23:59)"],
    ),
    (
        "unquoted time is a number in YAML",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{at: 12:30}")),
        [
            'plan.yaml: slot warm_up: anchor: at must be a quoted "HH:MM" time, got the number '
            '750 (YAML reads an unquoted 12:30 as a number: write at: "12:30")'
        ],
    ),
    (
        "time as a list",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{at: [12, 30]}")),
        ['plan.yaml: slot warm_up: anchor: at must be a quoted "HH:MM" time, got a list'],
    ),
    (
        "unknown weekday",
        plan_file(GOOD_SLOT.replace("id: warm_up", "id: cross").replace("run_days", "[mon, fun]")),
        ["plan.yaml: slot cross: days: unknown weekday 'fun' (use mon..sun)"],
    ),
    (
        "capitalised weekday",
        plan_file(GOOD_SLOT.replace("run_days", "[Mon]")),
        ["plan.yaml: slot warm_up: days: unknown weekday 'Mon' (use mon..sun)"],
    ),
    (
        "weekday that is not text",
        plan_file(GOOD_SLOT.replace("run_days", "[1]")),
        ["plan.yaml: slot warm_up: days: unknown weekday the number 1 (use mon..sun)"],
    ),
    (
        "weekday twice",
        plan_file(GOOD_SLOT.replace("run_days", "[mon, thu, mon]")),
        ["plan.yaml: slot warm_up: days: weekday 'mon' listed twice"],
    ),
    (
        "empty weekday list",
        plan_file(GOOD_SLOT.replace("run_days", "[]")),
        ["plan.yaml: slot warm_up: days: empty list (name at least one weekday)"],
    ),
    (
        "unknown days word",
        plan_file(GOOD_SLOT.replace("run_days", "weekdays")),
        [
            "plan.yaml: slot warm_up: days: unknown days 'weekdays' "
            "(use run_days, rest_days, every_day, strength_days, quiet_days "
            "or a list like [mon, thu])"
        ],
    ),
    (
        "a single weekday without brackets",
        plan_file(GOOD_SLOT.replace("run_days", "mon")),
        [
            "plan.yaml: slot warm_up: days: unknown days 'mon' (for one weekday write [mon]; "
            "use run_days, rest_days, every_day, strength_days, quiet_days "
            "or a list like [mon, thu])"
        ],
    ),
    (
        "days of wrong type",
        plan_file(GOOD_SLOT.replace("run_days", "{mon: 1}")),
        [
            "plan.yaml: slot warm_up: days: "
            "expected run_days, rest_days, every_day or a list, got a mapping"
        ],
    ),
    (
        "days missing",
        plan_file(GOOD_SLOT.replace("days: run_days\n", "")),
        [
            "plan.yaml: slot warm_up: days: "
            "missing (use run_days, rest_days, every_day, strength_days, quiet_days "
            "or a list like [mon, thu])"
        ],
    ),
    (
        "anchor missing",
        plan_file(GOOD_SLOT.replace("anchor: {before_run: 30}\n", "")),
        [
            "plan.yaml: slot warm_up: anchor: missing (use one of {before_run: MIN}, "
            '{after_run: MIN}, {at: "HH:MM"}, {tip_time: MIN})'
        ],
    ),
    (
        "anchor with two keys",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{before_run: 30, after_run: 10}")),
        [
            "plan.yaml: slot warm_up: anchor: give exactly one of before_run, after_run, at, "
            "tip_time (got before_run, after_run)"
        ],
    ),
    (
        "anchor empty",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{}")),
        [
            "plan.yaml: slot warm_up: anchor: give exactly one of before_run, after_run, at, "
            "tip_time (got none)"
        ],
    ),
    (
        "anchor misspelt",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{befor_run: 30}")),
        [
            "plan.yaml: slot warm_up: anchor: unknown anchor 'befor_run' "
            "(did you mean 'before_run'? use before_run, after_run, at or tip_time)"
        ],
    ),
    (
        "anchor not a mapping",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "before_run 30")),
        [
            "plan.yaml: slot warm_up: anchor: "
            "expected a mapping like {before_run: 30}, got the text 'before_run 30'"
        ],
    ),
    (
        "minutes out of range",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{before_run: 800}")),
        ["plan.yaml: slot warm_up: anchor: before_run 800 is out of range (0..720 minutes)"],
    ),
    (
        "negative minutes",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{after_run: -5}")),
        ["plan.yaml: slot warm_up: anchor: after_run -5 is out of range (0..720 minutes)"],
    ),
    (
        "tip_time offset out of range",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{tip_time: -721}")),
        ["plan.yaml: slot warm_up: anchor: tip_time -721 is out of range (-720..720 minutes)"],
    ),
    (
        "minutes not a number",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{before_run: 30m}")),
        [
            "plan.yaml: slot warm_up: anchor: "
            "before_run must be a whole number of minutes, got the text '30m'"
        ],
    ),
    (
        "minutes as a float",
        plan_file(GOOD_SLOT.replace("{before_run: 30}", "{before_run: 7.5}")),
        [
            "plan.yaml: slot warm_up: anchor: "
            "before_run must be a whole number of minutes, got the number 7.5"
        ],
    ),
    (
        "unknown category",
        plan_file(GOOD_SLOT.replace("[warm_up]", "[warm_up, stretching]")),
        [f"plan.yaml: slot warm_up: categories: unknown category 'stretching' (known: {KNOWN})"],
    ),
    (
        "category repeated",
        plan_file(GOOD_SLOT.replace("[warm_up]", "[warm_up, form, warm_up]")),
        ["plan.yaml: slot warm_up: categories: category 'warm_up' listed twice"],
    ),
    (
        "tip slot without categories",
        plan_file(GOOD_SLOT.replace("categories: [warm_up]\n", "")),
        ["plan.yaml: slot warm_up: categories: missing (a tip slot needs at least one category)"],
    ),
    (
        "tip slot with an empty category list",
        plan_file(GOOD_SLOT.replace("[warm_up]", "[]")),
        [
            "plan.yaml: slot warm_up: categories: "
            "empty list (a tip slot needs at least one category)"
        ],
    ),
    (
        "categories as a string",
        plan_file(GOOD_SLOT.replace("[warm_up]", "warm_up")),
        [
            "plan.yaml: slot warm_up: categories: "
            "expected a list like [core_strength, hips_glutes], got the text 'warm_up'"
        ],
    ),
    (
        "check_in slot with categories",
        plan_file(GOOD_SLOT.replace("kind: tip", "kind: check_in")),
        ["plan.yaml: slot warm_up: categories: a check_in slot takes no categories"],
    ),
    (
        "unknown kind",
        plan_file(GOOD_SLOT.replace("kind: tip", "kind: tips")),
        [
            "plan.yaml: slot warm_up: kind: unknown kind 'tips' "
            "(use tip, session, education or check_in)"
        ],
    ),
    (
        "kind missing",
        plan_file(GOOD_SLOT.replace("kind: tip\n", "")),
        ["plan.yaml: slot warm_up: kind: missing (use tip, session, education or check_in)"],
    ),
    (
        "id missing",
        plan_file(GOOD_SLOT, GOOD_SLOT.replace("id: warm_up\n", "")),
        ["plan.yaml: slot #2: id: missing"],
    ),
    (
        "bad id",
        plan_file(GOOD_SLOT.replace("id: warm_up", "id: Warm up")),
        [f"plan.yaml: slot #1: id: bad id 'Warm up' ({SLUG_HINT})"],
    ),
    (
        "duplicate slot id",
        plan_file(GOOD_SLOT, GOOD_SLOT),
        ["plan.yaml: slot warm_up: id: duplicate id, also slot #1"],
    ),
    (
        "title missing",
        plan_file(GOOD_SLOT.replace("title: Warm-up\n", "")),
        ["plan.yaml: slot warm_up: title: missing"],
    ),
    (
        "title too long",
        plan_file(GOOD_SLOT.replace("title: Warm-up", f"title: {'t' * 90}")),
        ["plan.yaml: slot warm_up: title: 90 characters, at most 80"],
    ),
    (
        "weekly not a boolean",
        plan_file(GOOD_SLOT + "weekly: often\n"),
        ["plan.yaml: slot warm_up: weekly: expected true or false, got the text 'often'"],
    ),
    (
        "enabled quoted",
        plan_file(GOOD_SLOT + 'enabled: "false"\n'),
        ["plan.yaml: slot warm_up: enabled: expected true or false, got the text 'false'"],
    ),
    (
        "unknown field",
        plan_file(GOOD_SLOT + "weekley: true\n"),
        ["plan.yaml: slot warm_up: weekley: unknown field 'weekley' (did you mean 'weekly'?)"],
    ),
    (
        "slot not a mapping",
        "slots:\n  - warm_up\n",
        [
            "plan.yaml: slot #1: entry: expected a mapping with id, title, kind, anchor and days, "
            "got the text 'warm_up'"
        ],
    ),
    (
        "slots missing",
        "plan: []\n",
        [
            "plan.yaml: file: plan: unknown field 'plan'",
            "plan.yaml: file: slots: missing",
        ],
    ),
    ("slots empty", "slots: []\n", ["plan.yaml: file: slots: empty list (add at least one slot)"]),
    ("empty file", "", ["plan.yaml: file: yaml: empty file (expected slots)"]),
    (
        "YAML syntax error",
        "slots:\n  - id: warm_up\n    anchor: {before_run: 30\n",
        [
            "plan.yaml: file: yaml: syntax error at line 4, column 1: "
            "expected ',' or '}', but got '<stream end>'"
        ],
    ),
    (
        "every problem in every slot",
        plan_file(
            GOOD_SLOT.replace("run_days", "[fun]"),
            GOOD_SLOT.replace("id: warm_up", "id: other").replace("{before_run: 30}", "{at: '7'}"),
        ),
        [
            "plan.yaml: slot warm_up: days: unknown weekday 'fun' (use mon..sun)",
            "plan.yaml: slot other: anchor: bad time '7' (use HH:MM, 00:00-23:59)",
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in PLAN_BAD], ids=[c[0] for c in PLAN_BAD]
)
def test_plan_file_refused(text: str, expected: list[str]) -> None:
    with pytest.raises(ContentError) as caught:
        parse_plan(text)
    assert caught.value.errors == expected


def test_plan_uses_the_given_file_name() -> None:
    with pytest.raises(ContentError) as caught:
        parse_plan("", "upload.yaml")
    assert caught.value.errors == ["upload.yaml: file: yaml: empty file (expected slots)"]


PLAN_OK = [
    ("{before_run: 30}", "run_days", Anchor(AnchorKind.RUN_TIME, -30), Days(DaysKind.RUN_DAYS)),
    ("{before_run: 0}", "rest_days", Anchor(AnchorKind.RUN_TIME, 0), Days(DaysKind.REST_DAYS)),
    ("{after_run: 120}", "every_day", Anchor(AnchorKind.RUN_TIME, 120), Days(DaysKind.EVERY_DAY)),
    (
        '{at: "12:30"}',
        "[mon, thu]",
        Anchor(AnchorKind.FIXED, 0, dt.time(12, 30)),
        Days(DaysKind.WEEKDAYS, frozenset({0, 3})),
    ),
    (
        "{at: '7:05'}",
        "[sun]",
        Anchor(AnchorKind.FIXED, 0, dt.time(7, 5)),
        Days(DaysKind.WEEKDAYS, frozenset({6})),
    ),
    (
        '{at: "00:00"}',
        "run_days",
        Anchor(AnchorKind.FIXED, 0, dt.time(0, 0)),
        Days(DaysKind.RUN_DAYS),
    ),
    (
        '{at: "23:59"}',
        "run_days",
        Anchor(AnchorKind.FIXED, 0, dt.time(23, 59)),
        Days(DaysKind.RUN_DAYS),
    ),
    ("{tip_time: 0}", "run_days", Anchor(AnchorKind.TIP_TIME, 0), Days(DaysKind.RUN_DAYS)),
    ("{tip_time: -720}", "run_days", Anchor(AnchorKind.TIP_TIME, -720), Days(DaysKind.RUN_DAYS)),
    ("{after_run: 720}", "run_days", Anchor(AnchorKind.RUN_TIME, 720), Days(DaysKind.RUN_DAYS)),
]


@pytest.mark.parametrize(("anchor_yaml", "days_yaml", "anchor", "days"), PLAN_OK)
def test_plan_anchor_and_days_mapping(
    anchor_yaml: str, days_yaml: str, anchor: Anchor, days: Days
) -> None:
    text = plan_file(
        GOOD_SLOT.replace("{before_run: 30}", anchor_yaml).replace("run_days", days_yaml)
    )
    (slot,) = parse_plan(text)
    assert slot.anchor == anchor
    assert slot.days == days
    assert validate_slot(slot) == []


def test_plan_optional_fields() -> None:
    text = plan_file(
        GOOD_SLOT + "weekly: true\nenabled: false\n",
        """
        id: check
        title: Check-in
        kind: check_in
        categories: []
        anchor: {after_run: 90}
        days: run_days
        weekly:
        enabled:
        """,
    )
    warm, check = parse_plan(text)
    assert warm.days.weekly is True
    assert warm.enabled is False
    assert check == Slot(
        id="check",
        kind=SlotKind.CHECK_IN,
        anchor=Anchor(AnchorKind.RUN_TIME, 90),
        days=Days(DaysKind.RUN_DAYS),
        title="Check-in",
    )


# --------------------------------------------------------------------------------------------
# The real plan and library

EXPECTED_PLAN = (
    Slot(
        id="warm_up",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.RUN_TIME, -30),
        days=Days(DaysKind.RUN_DAYS),
        categories=("warm_up",),
        title="Warm-up before your run",
    ),
    Slot(
        id="rest_day_strength",
        kind=SlotKind.SESSION,
        anchor=Anchor(AnchorKind.TIP_TIME, 0),
        days=Days(DaysKind.STRENGTH_DAYS),
        categories=("core_strength", "hips_glutes"),
        title="Strength session",
    ),
    Slot(
        id="cross_training",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.FIXED, 0, dt.time(12, 30)),
        days=Days(DaysKind.REST_DAYS, weekly=True),
        categories=("cross_training",),
        title="Cross-training idea, once a week",
    ),
    Slot(
        id="daily_tip",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.TIP_TIME, 0),
        days=Days(DaysKind.RUN_DAYS),
        categories=("stretch_mobility", "form", "footwear_surface", "recovery", "everyday_back"),
        title="Tip of the day on run days",
    ),
    Slot(
        id="check_in",
        kind=SlotKind.CHECK_IN,
        anchor=Anchor(AnchorKind.RUN_TIME, 120),
        days=Days(DaysKind.RUN_DAYS),
        title="Post-run check-in",
    ),
    Slot(
        id="education",
        kind=SlotKind.EDUCATION,
        anchor=Anchor(AnchorKind.TIP_TIME, 0),
        days=Days(DaysKind.QUIET_DAYS),
        title="Why it matters",
    ),
)


def test_real_plan_parses_into_the_default_slots() -> None:
    text = (REPO / "schedules" / "plan.yaml").read_text(encoding="utf-8")
    assert text.startswith("# "), "plan.yaml keeps its explanatory header"
    slots = parse_plan(text)
    assert slots == EXPECTED_PLAN
    for slot in slots:
        assert validate_slot(slot) == []


def test_real_schedules_are_valid() -> None:
    assert check_schedules(REPO / "schedules") == []
    library = load_schedules(REPO / "schedules")
    assert library.slots == EXPECTED_PLAN
    used = {c for slot in library.slots for c in slot.categories}
    active = {t.category for t in library.tips if t.active}
    assert used <= active
    for tip in library.tips:
        assert validate_tip(tip) == []


# --------------------------------------------------------------------------------------------
# Round trips

ROUND_TRIP_SLOTS = (
    *EXPECTED_PLAN,
    Slot(
        id="odd-one",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.FIXED, 0, dt.time(7, 5)),
        days=Days(DaysKind.WEEKDAYS, frozenset({6, 0, 3}), weekly=True),
        categories=("form", "warm_up"),
        enabled=False,
        title="yes: 'quoted' \"title\" # not a comment",
    ),
    Slot(
        id="x0",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.TIP_TIME, -720),
        days=Days(DaysKind.EVERY_DAY),
        categories=("recovery",),
        title="true",
    ),
    Slot(
        id="before-zero",
        kind=SlotKind.CHECK_IN,
        anchor=Anchor(AnchorKind.RUN_TIME, 0),
        days=Days(DaysKind.REST_DAYS),
        title="💪 12:30",
    ),
)


def test_plan_round_trip() -> None:
    for slot in ROUND_TRIP_SLOTS:
        assert validate_slot(slot) == []
    text = dump_plan(ROUND_TRIP_SLOTS)
    assert text.startswith(content.PLAN_HEADER)
    assert parse_plan(text) == ROUND_TRIP_SLOTS


def test_dumped_default_plan_is_the_file() -> None:
    path = REPO / "schedules" / "plan.yaml"
    assert dump_plan(parse_plan(path.read_text(encoding="utf-8"))) == path.read_text(
        encoding="utf-8"
    )


ROUND_TRIP_TIPS = (
    Tip(
        id="core-plank-basics",
        category="core_strength",
        title="💪 Plank, the basic brace",
        body="Hold a forearm plank for <b>3 x 20-30 s</b>.\n\nBreathe &amp; keep your hips level.",
        why="A braced trunk shares the load.",
        source="NICE NG59",
    ),
    Tip("core-2", "core_strength", "yes", "  starts with spaces\nthen text", active=False),
    Tip("core-3", "core_strength", "no: really", "trailing space on a line \nnext line"),
    Tip("core-4", "core_strength", "# hash", "- looks like a list\n: and a colon"),
    Tip("core-5", "core_strength", "'quotes'", "\"double\" and 'single' &quot;"),
    Tip("core-6", "core_strength", "tab", "a\tb\n\n\n<i>three blank lines above</i>"),
    Tip("core-7", "core_strength", "x" * 80, "é 💪 ✔️ 中文"),
)


def test_tips_round_trip() -> None:
    for tip in ROUND_TRIP_TIPS:
        assert validate_tip(tip) == []
    text = dump_tips("core_strength", ROUND_TRIP_TIPS)
    assert parse_tips(text, "tips/core_strength.yaml") == ROUND_TRIP_TIPS


def test_dumped_bodies_are_literal_blocks() -> None:
    text = dump_tips("core_strength", ROUND_TRIP_TIPS[:1])
    assert text == (
        "category: core_strength\n"
        "tips:\n"
        "  - id: core-plank-basics\n"
        "    title: 💪 Plank, the basic brace\n"
        "    body: |\n"
        "      Hold a forearm plank for <b>3 x 20-30 s</b>.\n"
        "\n"
        "      Breathe &amp; keep your hips level.\n"
        "    why: A braced trunk shares the load.\n"
        "    source: NICE NG59\n"
    )


def test_real_tips_round_trip() -> None:
    tips_dir = REPO / "schedules" / "tips"
    for path in sorted(tips_dir.glob("*.yaml")):
        tips = parse_tips(path.read_text(encoding="utf-8"), f"tips/{path.name}")
        assert parse_tips(dump_tips(path.stem, tips), f"tips/{path.name}") == tips


# --------------------------------------------------------------------------------------------
# validate_tip / validate_slot (admin edits)

VALID_TIP = Tip("form-1", "form", "🏃 Run tall", "Stand <b>tall</b>.")

TIP_EDITS = [
    (VALID_TIP, []),
    (
        Tip("form-1", "form", "T", "x" * 601),
        ["tip: tip form-1: body: 601 characters, at most 600"],
    ),
    (Tip("form-1", "form", "T", "x" * 600 + "\n  "), []),
    (
        Tip("form-1", "form", "T", "<b>x"),
        ["tip: tip form-1: body: invalid HTML: unclosed <b>"],
    ),
    (
        Tip("form-1", "running", "T", "x"),
        [f"tip: tip form-1: category: unknown category 'running' (known: {KNOWN})"],
    ),
    (
        Tip("Form 1", "form", "", ""),
        [
            f"tip: tip 'Form 1': id: bad id 'Form 1' ({SLUG_HINT})",
            "tip: tip 'Form 1': title: empty",
            "tip: tip 'Form 1': body: empty",
        ],
    ),
    (
        Tip("form-1", "form", "T", "x", why="<b>why</b>", source="s" * 121),
        [
            "tip: tip form-1: why: HTML tags are not allowed here (plain text)",
            "tip: tip form-1: source: 121 characters, at most 120",
        ],
    ),
]


@pytest.mark.parametrize(("tip", "expected"), TIP_EDITS)
def test_validate_tip(tip: Tip, expected: list[str]) -> None:
    assert validate_tip(tip) == expected


def test_validate_tip_where() -> None:
    tip = Tip("form-1", "form", "T", "<div>x</div>")
    assert validate_tip(tip, where="admin 42") == [
        "admin 42: tip form-1: body: invalid HTML: unknown tag <div>"
    ]


BASE_SLOT = EXPECTED_PLAN[0]

SLOT_EDITS = [
    (BASE_SLOT, []),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.RUN_TIME, -721),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: anchor: before_run 721 is out of range (0..720 minutes)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.RUN_TIME, 721),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: anchor: after_run 721 is out of range (0..720 minutes)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.TIP_TIME, 800),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: anchor: tip_time 800 is out of range (-720..720 minutes)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.FIXED, 0),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        ['plan: slot warm_up: anchor: a fixed anchor needs a time (at: "HH:MM")'],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.FIXED, 5, dt.time(12, 30, 15)),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        [
            "plan: slot warm_up: anchor: bad time '12:30:15' (use HH:MM, 00:00-23:59)",
            "plan: slot warm_up: anchor: a fixed time takes no offset (got 5)",
        ],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            Anchor(AnchorKind.TIP_TIME, 0, dt.time(8, 0)),
            Days(DaysKind.RUN_DAYS),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: anchor: only a fixed anchor (at) takes a time"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            BASE_SLOT.anchor,
            Days(DaysKind.WEEKDAYS),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: days: empty list (name at least one weekday)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            BASE_SLOT.anchor,
            Days(DaysKind.WEEKDAYS, frozenset({7})),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: days: bad weekday number 7 (0 = mon .. 6 = sun)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            BASE_SLOT.anchor,
            Days(DaysKind.RUN_DAYS, frozenset({1})),
            ("warm_up",),
            title="W",
        ),
        ["plan: slot warm_up: days: weekdays only go with a list of days, not run_days"],
    ),
    (
        Slot("warm_up", SlotKind.TIP, BASE_SLOT.anchor, BASE_SLOT.days, (), title="W"),
        ["plan: slot warm_up: categories: empty list (a tip slot needs at least one category)"],
    ),
    (
        Slot(
            "warm_up",
            SlotKind.TIP,
            BASE_SLOT.anchor,
            BASE_SLOT.days,
            ("form", "nope", "form"),
            title="W",
        ),
        [
            f"plan: slot warm_up: categories: unknown category 'nope' (known: {KNOWN})",
            "plan: slot warm_up: categories: category 'form' listed twice",
        ],
    ),
    (
        Slot("check", SlotKind.CHECK_IN, BASE_SLOT.anchor, BASE_SLOT.days, ("form",), title="C"),
        ["plan: slot check: categories: a check_in slot takes no categories"],
    ),
    (
        Slot("w", SlotKind.TIP, BASE_SLOT.anchor, BASE_SLOT.days, ("form",)),
        [
            f"plan: slot 'w': id: bad id 'w' ({SLUG_HINT})",
            "plan: slot 'w': title: empty",
        ],
    ),
]


@pytest.mark.parametrize(("slot", "expected"), SLOT_EDITS)
def test_validate_slot(slot: Slot, expected: list[str]) -> None:
    assert validate_slot(slot) == expected


# --------------------------------------------------------------------------------------------
# load_schedules / check_schedules

WARM_UP_TIPS = tips_file(
    "warm_up",
    "id: warm-1\ntitle: Leg swings\nbody: 10 swings a side.",
    "id: warm-2\ntitle: Easy jog\nbody: 5 minutes easy.\nactive: false",
)
FORM_TIPS = tips_file("form", GOOD_TIP)
SMALL_PLAN = plan_file(
    GOOD_SLOT,
    """
    id: check_in
    title: Check-in
    kind: check_in
    anchor: {after_run: 120}
    days: run_days
    """,
)


def make_schedules(root: Path, files: dict[str, str]) -> Path:
    directory = root / "schedules"
    (directory / "tips").mkdir(parents=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def good_files() -> dict[str, str]:
    return {
        "plan.yaml": SMALL_PLAN,
        "tips/warm_up.yaml": WARM_UP_TIPS,
        "tips/form.yaml": FORM_TIPS,
    }


def test_load_schedules(tmp_path: Path) -> None:
    directory = make_schedules(tmp_path, {**good_files(), "tips/README.md": "not yaml"})
    (directory / "tips" / ".form.yaml.swp").write_bytes(b"\x00\xff")
    library = load_schedules(directory)
    assert isinstance(library, Library)
    assert [s.id for s in library.slots] == ["warm_up", "check_in"]
    # Tips come in category order (warm_up before form), then file order.
    assert [t.id for t in library.tips] == ["warm-1", "warm-2", "form-1"]
    assert library.tips[1].active is False
    assert check_schedules(directory) == []


LOAD_BAD = [
    (
        "one bad entry refuses the whole file",
        {"tips/form.yaml": tips_file("form", GOOD_TIP, "id: form-2\ntitle: T\nbody: " + "x" * 700)},
        ["tips/form.yaml: tip form-2: body: 700 characters, at most 600"],
    ),
    (
        "duplicate id across files names both",
        {"tips/form.yaml": tips_file("form", GOOD_TIP, "id: warm-1\ntitle: T\nbody: b")},
        ["tips/warm_up.yaml: tip warm-1: id: duplicate id, also in tips/form.yaml"],
    ),
    (
        "category used by a slot without an active tip",
        {"tips/warm_up.yaml": tips_file("warm_up", "id: warm-1\ntitle: T\nbody: b\nactive: false")},
        [
            "plan.yaml: slot warm_up: categories: "
            "no active tip in category 'warm_up' (add one to tips/warm_up.yaml)"
        ],
    ),
    (
        "category used by a slot without a file",
        {"tips/warm_up.yaml": None},
        [
            "plan.yaml: slot warm_up: categories: "
            "no active tip in category 'warm_up' (add one to tips/warm_up.yaml)"
        ],
    ),
    (
        "unknown category file",
        {"tips/footwear.yaml": tips_file("footwear", "id: foot-1\ntitle: T\nbody: b")},
        [f"tips/footwear.yaml: file: category: unknown category 'footwear' (known: {KNOWN})"],
    ),
    (
        ".yml files are not silently skipped",
        {"tips/recovery.yml": tips_file("recovery", "id: rec-1\ntitle: T\nbody: b")},
        ["tips/recovery.yml: file: path: use the .yaml extension"],
    ),
    (
        "problems from all files are collected",
        {
            "plan.yaml": SMALL_PLAN.replace("run_days", "[fun]", 1),
            "tips/form.yaml": tips_file("form", "id: form-1\ntitle: T\nbody: <b>x"),
            "tips/recovery.yaml": "category: recovery\ntips: [\n",
        },
        [
            "plan.yaml: slot warm_up: days: unknown weekday 'fun' (use mon..sun)",
            "tips/form.yaml: tip form-1: body: invalid HTML: unclosed <b>",
            "tips/recovery.yaml: file: yaml: syntax error at line 3, column 1: "
            "expected the node content, but found '<stream end>'",
        ],
    ),
    (
        "a broken tips file does not also produce a missing-category line",
        {"tips/warm_up.yaml": "category: warm_up\ntips:\n  - id: w\n"},
        [
            f"tips/warm_up.yaml: tip #1: id: bad id 'w' ({SLUG_HINT})",
            "tips/warm_up.yaml: tip #1: title: missing",
            "tips/warm_up.yaml: tip #1: body: missing",
        ],
    ),
    (
        "empty plan file",
        {"plan.yaml": ""},
        ["plan.yaml: file: yaml: empty file (expected slots)"],
    ),
    (
        "not UTF-8",
        {"tips/form.yaml": b"category: form\ntips:\n  - id: caf\xe9\n"},
        ["tips/form.yaml: file: encoding: not valid UTF-8 (byte 33)"],
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in LOAD_BAD], ids=[c[0] for c in LOAD_BAD]
)
def test_load_schedules_refused(
    tmp_path: Path, changes: dict[str, str | bytes | None], expected: list[str]
) -> None:
    directory = make_schedules(tmp_path, {})
    files: dict[str, str | bytes | None] = {**good_files(), **changes}
    for name, data in files.items():
        if isinstance(data, bytes):
            (directory / name).write_bytes(data)
        elif data is not None:
            (directory / name).write_text(data, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_schedules(directory)
    assert caught.value.errors == expected
    assert check_schedules(directory) == expected


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    expected = [f"{missing}: file: path: directory not found"]
    assert check_schedules(missing) == expected
    with pytest.raises(ContentError) as caught:
        load_schedules(missing)
    assert caught.value.errors == expected


def test_directory_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "schedules"
    path.write_text("x", encoding="utf-8")
    assert check_schedules(path) == [f"{path}: file: path: not a directory"]


def test_missing_plan_and_tips(tmp_path: Path) -> None:
    directory = tmp_path / "schedules"
    directory.mkdir()
    assert check_schedules(directory) == [
        f"plan.yaml: file: path: missing (expected {directory / 'plan.yaml'})",
        f"tips/: file: path: directory not found ({directory / 'tips'})",
    ]


def test_missing_plan_with_good_tips(tmp_path: Path) -> None:
    files = good_files()
    del files["plan.yaml"]
    directory = make_schedules(tmp_path, files)
    assert check_schedules(directory) == [
        f"plan.yaml: file: path: missing (expected {directory / 'plan.yaml'})"
    ]


# --------------------------------------------------------------------------------------------
# ContentError


def test_content_error() -> None:
    error = ContentError(["a: b: c: d", "e: f: g: h"])
    assert error.errors == ["a: b: c: d", "e: f: g: h"]
    assert str(error) == "a: b: c: d\ne: f: g: h"
    copy = pickle.loads(pickle.dumps(error))
    assert copy.errors == error.errors
    assert str(copy) == str(error)


def test_a_title_of_only_an_emoji_is_refused() -> None:
    """An admin clearing a title is left with the category's emoji: that is not a title."""
    problems = validate_tip(Tip("form-x", "form", "🏃 ", "Run tall."))
    assert problems == [
        "tip: tip form-x: title: no words (write a few, after the emoji if it has one)"
    ]
    assert validate_tip(Tip("form-x", "form", "🏃 Tall", "Run tall.")) == []
