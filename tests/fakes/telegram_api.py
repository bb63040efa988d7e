"""A local fake of the Telegram Bot API that checks every request against the official method list.

``FakeTelegram`` is a plain aiohttp server on 127.0.0.1 (a random free port) answering
``/bot<token>/<method>`` the way ``api.telegram.org`` does: ``{"ok": true, "result": ...}`` on success,
``{"ok": false, "error_code": N, "description": "..."}`` otherwise.

Every request is checked against ``telegram/bot-api-10.1.json`` (Bot API 10.1,
PaulSonOfLars/telegram-bot-api-spec) and ``telegram/limits.json`` (tginfo/Telegram-Limits) of the external
test material (tests/testdata.py: found through ``SLOTBOT_TESTDATA``, ``../shared/testdata`` by default; a
test that starts the fake without it is skipped):

* the method exists (method names are case-insensitive, as on Telegram);
* every required field is present, no unknown field is sent, "Required if X is not specified" holds;
* values have a plausible type (Integer / Float / Boolean / String / InputFile, arrays and JSON-serialized
  objects, validated recursively against the spec's object types, subtypes picked by their ``type`` field);
* string lengths parsed from the field descriptions: ``"1-4096 characters"``, ``"0-200 characters"``,
  ``"1-64 bytes"`` (UTF-8 bytes), ``"up to 256 characters"``; a text "after entities parsing" is measured
  after removing HTML / MarkdownV2 markup and stripping surrounding whitespace; integer ranges
  (``"Values between 1-100"``, ``"; 1-100"``) and array sizes (``"list of 1-100"``,
  ``"At most 100 commands"``);
* ``Must be one of "a", "b"`` enumerations, ``Exactly one of the fields other than ...`` / ``At most one of
  ...`` object rules (e.g. an inline button needs exactly one action), and a few phrases turned into
  patterns: ``Only characters A-Z, a-z, 0-9, _ and - are allowed`` (``setWebhook.secret_token``),
  ``Can contain only lowercase English letters, digits and underscores`` (``BotCommand.command``),
  ``two-letter ISO 639-1 language code``, ``HTTPS URL`` (``setWebhook.url``, empty string allowed there);
* explicit rules: ``parse_mode`` is HTML / MarkdownV2 / Markdown and the text must parse (unsupported HTML
  tags, unescaped MarkdownV2 reserved characters are rejected like Telegram does); a keyboard has at most
  100 buttons and 10 KB of JSON (limits.json); an upload is at most 50 MB (limits.json).

A violation is appended to ``violations`` (``"<method>.<field path>: <problem>"``) and answered with HTTP 400
and a Telegram-style ``"Bad Request: ..."`` description.  State errors Telegram reports for a valid request
(editing an unknown message, "message is not modified", answering an unknown or already answered callback
query, getUpdates while a webhook is set, two concurrent getUpdates) are recorded there as well, because
they are bugs of the bot, not of the network.  Failures injected with ``fail_next`` are not violations.

A method the bot puts in its answer to a webhook request (``{"method": "answerCallbackQuery", ...}``) is
checked and recorded exactly like a request of its own (``deliver_webhook``, ``take_webhook_answer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import html
import itertools
import json
import mimetypes
import re
import secrets
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from tests import testdata
from tests.waiting import DEADLINE_S, finished

SPEC_FILE = "telegram/bot-api-10.1.json"  # in the external test material (tests/testdata.py)
LIMITS_FILE = "telegram/limits.json"

DEFAULT_TOKEN = "123456789:AAFakeTokenForSlotbotTests-0123456789"
DEFAULT_BOT_USERNAME = "slotbot_test_bot"
DEFAULT_BOT_NAME = "Slotbot"

# ---------------------------------------------------------------------------------------------------------
# The spec, parsed once per file
# ---------------------------------------------------------------------------------------------------------

_LENGTH_RE = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
_UP_TO_RE = re.compile(r"\bup to (\d+) (characters|bytes)\b")
_AFTER_ENTITIES_RE = re.compile(r"after entit(?:y|ies) parsing")
_INT_RANGE_RE = re.compile(r"(?:between |; |, )(\d+)-(\d+)\b")
_ITEMS_RE = re.compile(r"(?:list of|include|array of) (\d+)-(\d+)\b")
_AT_MOST_ITEMS_RE = re.compile(r"At most (\d+) \w+ can be specified")
_REQUIRED_IF_RE = re.compile(
    r"[Rr]equired if (\w+(?: and \w+)*) (?:is|are) not specified|[Rr]equired if (\w+) isn't specified"
)
_ONE_OF_OTHER_RE = re.compile(r"(Exactly|At most) one of the fields other than (.+?) must be used")
_ONE_OF_LIST_RE = re.compile(r"(Exactly|At most) one of the fields (\w+(?: or \w+)+) must be used")
_ONE_OF_OPTIONAL_RE = re.compile(r"(Exactly|At most) one of the optional fields can be present")
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always) [“\"]?([A-Za-z_][\w-]*)[”\"]?")

# Phrases of field descriptions that define a character set (checked as a full match).
_PHRASE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "Only characters A-Z, a-z, 0-9, _ and - are allowed",
        r"[A-Za-z0-9_-]*",
        "only characters A-Z, a-z, 0-9, _ and - are allowed",
    ),
    (
        "Can contain only lowercase English letters, digits and underscores",
        r"[a-z0-9_]*",
        "can contain only lowercase English letters, digits and underscores",
    ),
    ("two-letter ISO 639-1 language code", r"(?:[a-z]{2})?", "must be a two-letter ISO 639-1 language code"),
)
PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")
DEFAULT_ALLOWED_UPDATES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(frozen=True)
class FieldSpec:
    """One field of a method or object, with the limits parsed from its description."""

    owner: str
    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    length: tuple[int, int, str] | None = None  # (min, max, "characters" | "bytes")
    after_entities: bool = False
    int_range: tuple[int, int] | None = None
    items_range: tuple[int, int] | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    required_unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    discriminator: tuple[str, str] | None = None  # (field, value) telling this subtype apart
    one_of: tuple[str, frozenset[str]] | None = None  # ("exactly" | "at_most", the fields counted)


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class Limits:
    """Numbers from limits.json (community-collected, tginfo/Telegram-Limits)."""

    keyboard_buttons: int
    markup_bytes: int
    upload_bytes: int


@dataclass(frozen=True)
class BotApiSpec:
    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, ObjectSpec]
    limits: Limits

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as Telegram does."""
        return self.methods.get(name.lower())


def _field_spec(owner: str, raw: Mapping[str, Any]) -> FieldSpec:
    name = str(raw["name"])
    types = tuple(str(t) for t in raw["types"])
    desc = str(raw.get("description", ""))
    length: tuple[int, int, str] | None = None
    if "String" in types:
        m = _LENGTH_RE.search(desc)
        if m:
            length = (int(m[1]), int(m[2]), m[3])
        else:
            m = _UP_TO_RE.search(desc)
            if m:
                length = (0, int(m[1]), m[2])
    int_range: tuple[int, int] | None = None
    if "Integer" in types:
        found = _INT_RANGE_RE.findall(desc)
        if len(found) == 1:  # "1-6 for ..., 1-5 for ..." (Dice.value) is not one range
            int_range = (int(found[0][0]), int(found[0][1]))
    items_range: tuple[int, int] | None = None
    if any(t.startswith("Array of") for t in types):
        m = _ITEMS_RE.search(desc)
        if m:
            items_range = (int(m[1]), int(m[2]))
        else:
            m = _AT_MOST_ITEMS_RE.search(desc)
            if m:
                items_range = (0, int(m[1]))
    enum: tuple[str, ...] | None = None
    lowered = desc.lower()
    if types == ("String",) and "must be one of" in lowered:
        clause = desc[lowered.index("must be one of") :]
        clause = re.split(r"\.\s", clause, maxsplit=1)[0]
        values = tuple(re.findall(r"\"([^\"]+)\"", clause))
        enum = values or None
    pattern: str | None = None
    hint = ""
    if "String" in types:
        for phrase, regex, phrase_hint in _PHRASE_PATTERNS:
            if phrase in desc:
                pattern, hint = regex, phrase_hint
        if "HTTPS URL" in desc and types == ("String",):
            if "empty string" in desc:
                pattern, hint = r"(?:https://\S+)?", "must be an HTTPS URL or an empty string"
            else:
                pattern, hint = r"https://\S+", "must be an HTTPS URL"
    required_unless: tuple[str, ...] = ()
    m = _REQUIRED_IF_RE.search(desc)
    if m:
        required_unless = tuple(n for n in (m[1] or m[2]).split(" and "))
    return FieldSpec(
        owner=owner,
        name=name,
        types=types,
        required=bool(raw.get("required", False)),
        description=desc,
        length=length,
        after_entities=bool(_AFTER_ENTITIES_RE.search(desc)),
        int_range=int_range,
        items_range=items_range,
        enum=enum,
        pattern=pattern,
        pattern_hint=hint,
        required_unless=required_unless,
    )


def _names(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text) if w not in {"and", "or"}}


def _object_spec(raw: Mapping[str, Any]) -> ObjectSpec:
    name = str(raw["name"])
    fields = {str(f["name"]): _field_spec(name, f) for f in raw.get("fields", [])}
    description = " ".join(raw.get("description", []))
    one_of: tuple[str, frozenset[str]] | None = None
    m = _ONE_OF_OTHER_RE.search(description)
    if m:
        one_of = (_mode(m[1]), frozenset(set(fields) - _names(m[2])))
    elif m := _ONE_OF_LIST_RE.search(description):
        one_of = (_mode(m[1]), frozenset(_names(m[2])))
    elif m := _ONE_OF_OPTIONAL_RE.search(description):
        one_of = (_mode(m[1]), frozenset(n for n, f in fields.items() if not f.required))
    discriminator: tuple[str, str] | None = None
    if raw.get("subtype_of"):
        for f in fields.values():
            if f.required and f.types == ("String",):
                dm = _DISCRIMINATOR_RE.search(f.description)
                if dm:
                    discriminator = (f.name, dm[1])
                    break
    return ObjectSpec(
        name=name,
        fields=fields,
        subtypes=tuple(str(s) for s in raw.get("subtypes", [])),
        discriminator=discriminator,
        one_of=one_of,
    )


def _mode(word: str) -> str:
    return "exactly" if word == "Exactly" else "at_most"


def _parse_limits(path: Path) -> Limits:
    bots = json.loads(path.read_text(encoding="utf-8"))["bots"]["items"]

    def number(key: str, unit: str = "") -> int:
        m = re.search(rf"(\d+)\s*{unit}", bots[key]["text"])
        if not m:
            raise ValueError(f"limits.json: no number in bots.{key}")
        return int(m[1])

    return Limits(
        keyboard_buttons=number("keys_in_keyboard_number"),
        markup_bytes=number("formatting_data", "KB") * 1024,
        upload_bytes=number("upload_limit_botapi", "MB") * 1024 * 1024,
    )


def load_spec(path: Path | None = None, limits_path: Path | None = None) -> BotApiSpec:
    """bot-api-10.1.json and limits.json, from the external test material unless given; parsed once."""
    return _load_spec(path or testdata.path(SPEC_FILE), limits_path or testdata.path(LIMITS_FILE))


@functools.cache
def _load_spec(path: Path, limits_path: Path) -> BotApiSpec:
    raw = json.loads(path.read_text(encoding="utf-8"))
    methods = {
        name.lower(): MethodSpec(
            name=name,
            fields={str(f["name"]): _field_spec(name, f) for f in m.get("fields", [])},
            returns=tuple(m.get("returns", [])),
        )
        for name, m in raw["methods"].items()
    }
    types = {name: _object_spec(t) for name, t in raw["types"].items()}
    return BotApiSpec(version=raw["version"], methods=methods, types=types, limits=_parse_limits(limits_path))


# ---------------------------------------------------------------------------------------------------------
# Formatted text ("after entities parsing")
# ---------------------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}) | {
    "a",
    "tg-emoji",
    "tg-time",
    "code",
    "pre",
    "blockquote",
}
_HTML_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_HTML_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """The plain text Telegram would keep after entity parsing, and a parse error (or None)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        return re.sub(r"(?<!\\)[*_`]", "", plain), None
    return text, None


def _parse_html(text: str) -> tuple[str, str | None]:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "<":
            m = _HTML_TAG_RE.match(text, i)
            if not m:
                return text, f"Unexpected '<' at byte offset {_offset(text, i)}: escape it as &lt;"
            closing, name = m[1] == "/", m[2].lower()
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                return text, f'Unsupported {kind} tag "{name}" at byte offset {_offset(text, i)}'
            if closing:
                if not stack or stack[-1] != name:
                    return text, f'Unmatched end tag "{name}" at byte offset {_offset(text, i)}'
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
            continue
        if c == "&":
            m = _HTML_ENTITY_RE.match(text, i)
            if not m:
                return text, f"Unescaped '&' at byte offset {_offset(text, i)}: escape it as &amp;"
            out.append(html.unescape(m[0]))
            i = m.end()
            continue
        if c == ">":
            return text, f"Unescaped '>' at byte offset {_offset(text, i)}: escape it as &gt;"
        out.append(c)
        i += 1
    if stack:
        return text, f'Can\'t find end tag corresponding to start tag "{stack[-1]}"'
    return "".join(out), None


def _parse_markdown_v2(text: str) -> tuple[str, str | None]:
    out: list[str] = []
    i, n = 0, len(text)
    code: str | None = None  # "`" or "```" while inside code
    in_url = False
    link_depth = 0
    open_marks: set[str] = set()
    line_start = True
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.append(text[i + 1])
            i += 2
            line_start = False
            continue
        if code is not None:
            if text.startswith(code, i):
                i += len(code)
                code = None
            else:
                out.append(c)
                i += 1
            continue
        if in_url:
            if c == ")":
                in_url = False
            i += 1
            continue
        if text.startswith("```", i):
            code = "```"
            i += 3
            m = re.match(r"[^\s`]*\n", text[i:])  # optional language line
            if m:
                i += m.end()
            continue
        if c == "`":
            code = "`"
            i += 1
            continue
        mark = next((mk for mk in ("__", "||", "*", "_", "~") if text.startswith(mk, i)), None)
        if mark is not None:
            open_marks ^= {mark}
            i += len(mark)
            continue
        if c == "[" or (c == "!" and text.startswith("![", i)):
            link_depth += 1
            i += 2 if c == "!" else 1
            continue
        if c == "]" and link_depth:
            link_depth -= 1
            if text.startswith("(", i + 1):
                in_url = True
                i += 2
            else:
                i += 1
            continue
        if c == ">" and line_start:
            i += 1
            continue
        if c in _MDV2_RESERVED:
            return text, f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
        out.append(c)
        line_start = c == "\n"
        i += 1
    if code is not None:
        return text, "Can't find end of the code entity"
    if in_url or link_depth:
        return text, "Can't find end of a link"
    if open_marks:
        names = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler"}
        return text, f"Can't find end of {names[sorted(open_marks)[0]]} entity"
    return "".join(out), None


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    description: str | None = None  # the Telegram-style description, when Telegram has a specific one
    shape: bool = False  # a missing or unknown field (weighs more when picking among union types)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _score(problems: list[Problem]) -> int:
    return sum(10 if p.shape else 1 for p in problems)


def _describe(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return f"{type(value).__name__} {text[:60]}"


_INT_STR_RE = re.compile(r"-?\d+")
_FILE_REFERENCE_RE = re.compile(r"[A-Za-z0-9_-]{20,}|https?://\S+|attach://[\w-]+")  # file_id, URL, a part
_FLOAT_STR_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_BOOL_STRINGS = {"true": True, "false": False, "1": True, "0": False}


class SpecValidator:
    """Checks method parameters and objects against a parsed ``BotApiSpec``."""

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec

    # -- public ---------------------------------------------------------------------------------------

    def check_method(
        self, method: MethodSpec, params: Mapping[str, Any], form_keys: Iterable[str] = ()
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Validate a request; return the parameters converted to Python values, and the problems.

        ``form_keys`` are the parameters that came as strings (query string, urlencoded or multipart
        form): their Integer, Boolean, array and object values are parsed from the string.
        """
        form = set(form_keys)
        problems: list[Problem] = []
        converted: dict[str, Any] = {}
        for key, value in params.items():
            path = f"{method.name}.{key}"
            fs = method.fields.get(key)
            if fs is None:
                problems.append(Problem(path, "unknown parameter", shape=True))
                continue
            if value is None:
                continue
            converted[key], found = self._check(value, fs.types, fs, path, params, key in form)
            problems += found
        problems += self._required(method.name, method.fields, params)
        if "reply_markup" in converted and isinstance(converted["reply_markup"], dict):
            problems += self._keyboard_limits(f"{method.name}.reply_markup", converted["reply_markup"])
        for key, value in converted.items():
            if isinstance(value, UploadedFile) and value.size > self.spec.limits.upload_bytes:
                problems.append(
                    Problem(
                        f"{method.name}.{key}",
                        f"file of {value.size} bytes is over the {self.spec.limits.upload_bytes} bytes limit",
                        "Request Entity Too Large",
                    )
                )
        return converted, problems

    def check_object(self, value: Any, type_name: str, path: str | None = None) -> list[Problem]:
        """Validate a (native, already decoded) value against a spec type such as ``"Message"``."""
        _, problems = self._check(value, (type_name,), None, path or type_name, {}, False)
        return problems

    # -- internals ------------------------------------------------------------------------------------

    def _required(
        self, owner: str, fields: Mapping[str, FieldSpec], values: Mapping[str, Any]
    ) -> list[Problem]:
        problems: list[Problem] = []
        for fs in fields.values():
            present = values.get(fs.name) is not None
            if fs.required and not present:
                problems.append(Problem(f"{owner}.{fs.name}", "required field is missing", shape=True))
            elif (
                fs.required_unless
                and not present
                and all(values.get(other) is None for other in fs.required_unless)
            ):
                unless = " and ".join(fs.required_unless)
                message = f"required when {unless} is not specified"
                problems.append(Problem(f"{owner}.{fs.name}", message, shape=True))
        return problems

    def _check(
        self,
        value: Any,
        types: tuple[str, ...],
        fs: FieldSpec | None,
        path: str,
        siblings: Mapping[str, Any],
        from_form: bool,
    ) -> tuple[Any, list[Problem]]:
        candidates: list[tuple[Any, list[Problem]]] = []
        for t in types:
            matched, converted, problems = self._check_type(value, t, fs, path, siblings, from_form)
            if matched and not problems:
                return converted, []
            if matched:
                candidates.append((converted, problems))
        if candidates:
            return min(candidates, key=lambda c: _score(c[1]))
        return value, [Problem(path, f"expected {' or '.join(types)}, got {_describe(value)}")]

    def _check_type(
        self,
        value: Any,
        t: str,
        fs: FieldSpec | None,
        path: str,
        siblings: Mapping[str, Any],
        from_form: bool,
    ) -> tuple[bool, Any, list[Problem]]:
        if t.startswith("Array of "):
            inner = t[len("Array of ") :]
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    return False, value, []
            if not isinstance(value, list):
                return False, value, []
            problems: list[Problem] = []
            if fs is not None and fs.items_range is not None and t == fs.types[0]:
                lo, hi = fs.items_range
                if not lo <= len(value) <= hi:
                    problems.append(Problem(path, f"must contain {lo}-{hi} items, got {len(value)}"))
            items = []
            for i, item in enumerate(value):
                conv, found = self._check(item, (inner,), None, f"{path}[{i}]", {}, False)
                items.append(conv)
                problems += found
            return True, items, problems
        if t == "String":
            if not isinstance(value, str):
                return False, value, []
            return True, value, self._check_string(value, fs, path, siblings)
        if t == "Integer":
            if isinstance(value, str) and _INT_STR_RE.fullmatch(value):
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                return False, value, []
            if fs is not None and fs.int_range is not None:
                lo, hi = fs.int_range
                if not lo <= value <= hi:
                    return True, value, [Problem(path, f"must be between {lo} and {hi}, got {value}")]
            return True, value, []
        if t == "Float":
            if isinstance(value, str) and _FLOAT_STR_RE.fullmatch(value):
                value = float(value)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False, value, []
            return True, value, []
        if t in ("Boolean", "True"):
            if isinstance(value, str) and value.lower() in _BOOL_STRINGS:
                value = _BOOL_STRINGS[value.lower()]
            if not isinstance(value, bool):
                return False, value, []
            if t == "True" and value is not True:
                return True, value, [Problem(path, "must be True")]
            return True, value, []
        if t == "InputFile":
            return isinstance(value, UploadedFile), value, []
        if t == "KeyboardButton" and isinstance(value, str):
            return True, value, []  # "For simple text buttons, String can be used instead of this object"
        obj = self.spec.types.get(t)
        if obj is None:
            return True, value, []  # a type the spec does not describe: nothing to check
        if not isinstance(value, dict):
            # RichText's subtypes include "String" and "Array of RichText"
            for alternative in (s for s in obj.subtypes if s not in self.spec.types):
                matched, converted, problems = self._check_type(
                    value, alternative, fs, path, siblings, from_form
                )
                if matched:
                    return matched, converted, problems
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return False, value, []
        if not isinstance(value, dict):
            return False, value, []
        return True, value, self._check_obj(value, obj, path)

    def _check_obj(self, value: Mapping[str, Any], obj: ObjectSpec, path: str) -> list[Problem]:
        if obj.subtypes:
            subs = [self.spec.types[s] for s in obj.subtypes if s in self.spec.types]
            tagged = [s for s in subs if s.discriminator is not None]
            matching = [
                s for s in tagged if s.discriminator and value.get(s.discriminator[0]) == s.discriminator[1]
            ]
            if tagged and len(tagged) == len(subs) and not matching:
                key = tagged[0].discriminator[0] if tagged[0].discriminator else "type"
                allowed = sorted({s.discriminator[1] for s in tagged if s.discriminator})
                return [
                    Problem(
                        f"{path}.{key}", f"must be one of {allowed} for {obj.name}, got {value.get(key)!r}"
                    )
                ]
            results = [self._check_obj(value, s, path) for s in (matching or subs)]
            return min(results, key=_score)
        problems: list[Problem] = []
        for key, item in value.items():
            fs = obj.fields.get(key)
            if fs is None:
                problems.append(Problem(f"{path}.{key}", f"unknown field of {obj.name}", shape=True))
                continue
            if item is None:
                continue
            _, found = self._check(item, fs.types, fs, f"{path}.{key}", value, False)
            problems += found
        problems += self._required(path, obj.fields, value)
        if obj.one_of is not None:
            mode, counted = obj.one_of
            used = sorted(k for k in counted if value.get(k) is not None)
            if (mode == "exactly" and len(used) != 1) or (mode == "at_most" and len(used) > 1):
                words = "exactly one" if mode == "exactly" else "at most one"
                description = None
                if obj.name == "InlineKeyboardButton" and not used:
                    description = (
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                problems.append(
                    Problem(
                        path,
                        f"{obj.name} needs {words} of {sorted(counted)}, got {used or 'none'}",
                        description,
                    )
                )
        return problems

    def _check_string(
        self, value: str, fs: FieldSpec | None, path: str, siblings: Mapping[str, Any]
    ) -> list[Problem]:
        if fs is None:
            return []
        problems: list[Problem] = []
        if fs.name == "chat_id" and not re.fullmatch(r"@[A-Za-z0-9_]{4,}", value):
            problems.append(
                Problem(path, f"not a chat id nor an @username: {value!r}", "Bad Request: chat not found")
            )
        if "InputFile" in fs.types and not _FILE_REFERENCE_RE.fullmatch(value):
            # A file given as a string is a file_id or an HTTP URL Telegram fetches: never the file itself.
            problems.append(
                Problem(
                    path,
                    f"neither a file_id nor an HTTP URL: {value[:40]!r}",
                    "Bad Request: wrong remote file identifier specified: Wrong character in the string",
                )
            )
        if fs.name.endswith("parse_mode") and value.lower() not in {m.lower() for m in PARSE_MODES}:
            problems.append(
                Problem(
                    path,
                    f"parse_mode must be one of {list(PARSE_MODES)}",
                    "Bad Request: unsupported parse_mode",
                )
            )
        measured = value
        if fs.after_entities:
            mode = siblings.get(f"{fs.name}_parse_mode", siblings.get("parse_mode"))
            plain, error = parse_formatted(value, mode if isinstance(mode, str) else None)
            if error is not None:
                problems.append(
                    Problem(
                        path, f"can't parse entities: {error}", f"Bad Request: can't parse entities: {error}"
                    )
                )
            measured = plain.strip()
        if fs.length is not None:
            lo, hi, unit = fs.length
            size = len(measured.encode("utf-8")) if unit == "bytes" else len(measured)
            if not lo <= size <= hi:
                suffix = " after entities parsing" if fs.after_entities else ""
                problems.append(
                    Problem(
                        path, f"must be {lo}-{hi} {unit}{suffix}, got {size}", _length_description(fs, size)
                    )
                )
        if fs.enum is not None and value not in fs.enum:
            problems.append(Problem(path, f"must be one of {list(fs.enum)}, got {value!r}"))
        if fs.pattern is not None and not re.fullmatch(fs.pattern, value):
            problems.append(Problem(path, f"{fs.pattern_hint}, got {value!r}"))
        return problems

    def _keyboard_limits(self, path: str, markup: Mapping[str, Any]) -> list[Problem]:
        problems: list[Problem] = []
        rows = markup.get("inline_keyboard", markup.get("keyboard"))
        if isinstance(rows, list):
            buttons = sum(len(r) for r in rows if isinstance(r, list))
            if buttons > self.spec.limits.keyboard_buttons:
                problems.append(
                    Problem(
                        path,
                        f"{buttons} buttons, over the {self.spec.limits.keyboard_buttons} buttons limit",
                        "Bad Request: reply markup is too long",
                    )
                )
        size = len(json.dumps(markup, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > self.spec.limits.markup_bytes:
            problems.append(
                Problem(
                    path,
                    f"{size} bytes of markup, over the {self.spec.limits.markup_bytes} bytes limit",
                    "Bad Request: reply markup is too long",
                )
            )
        return problems


def _length_description(fs: FieldSpec, size: int) -> str | None:
    lo, hi, _ = fs.length or (0, 0, "")
    if fs.name == "callback_data":
        return "Bad Request: BUTTON_DATA_INVALID"
    if fs.name in ("text", "message_text") and fs.after_entities:
        return "Bad Request: message text is empty" if size < lo else "Bad Request: message is too long"
    if fs.name == "caption" and size > hi:
        return "Bad Request: message caption is too long"
    return None


# ---------------------------------------------------------------------------------------------------------
# Update builders
# ---------------------------------------------------------------------------------------------------------

DEFAULT_BOT_ID = int(DEFAULT_TOKEN.split(":", 1)[0])
_update_ids = itertools.count(100_000)
_incoming_message_ids = itertools.count(500_000)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _user(user_id: int, first_name: str, username: str | None, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def chat_object(chat_id: int | str, first_name: str = "Test", username: str | None = None) -> dict[str, Any]:
    """A plausible Chat: positive id → private, -100… → supergroup, negative → group, @name → channel."""
    if isinstance(chat_id, str):
        return {
            "id": -1001234567890,
            "type": "channel",
            "title": chat_id.lstrip("@"),
            "username": chat_id.lstrip("@"),
        }
    if chat_id > 0:
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        return chat
    if chat_id <= -1_000_000_000_000:
        return {"id": chat_id, "type": "supergroup", "title": "Test group"}
    return {"id": chat_id, "type": "group", "title": "Test group"}


def message_update(
    chat_id: int,
    text: str,
    language_code: str | None = "en",
    user_id: int | None = None,
    *,
    first_name: str = "Test",
    username: str | None = None,
    message_id: int | None = None,
    update_id: int | None = None,
    date: int | None = None,
) -> dict[str, Any]:
    """An Update with a text message from a user (private chat unless chat_id is negative).

    A leading ``/command`` gets its ``bot_command`` entity, as Telegram sends it (python-telegram-bot's
    CommandHandler relies on the entity).
    """
    uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_incoming_message_ids),
        "from": _user(uid, first_name, username, language_code),
        "chat": chat_object(chat_id, first_name, username),
        "date": date if date is not None else int(time.time()),
        "text": text,
    }
    m = re.match(r"/[A-Za-z0-9_]+(?:@\w+)?", text)
    if m:
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(m[0])}]
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def callback_update(
    chat_id: int,
    data: str,
    message_id: int,
    *,
    language_code: str | None = "en",
    user_id: int | None = None,
    first_name: str = "Test",
    username: str | None = None,
    message_text: str = "…",
    reply_markup: Mapping[str, Any] | None = None,
    callback_query_id: str | None = None,
    update_id: int | None = None,
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
    bot_first_name: str = DEFAULT_BOT_NAME,
    date: int | None = None,
) -> dict[str, Any]:
    """An Update with a callback query: the user pressed a button with ``data`` on the bot's message."""
    uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": {"id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username},
        "chat": chat_object(chat_id, first_name, username),
        "date": date if date is not None else int(time.time()) - 1,
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = dict(reply_markup)
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "callback_query": {
            "id": callback_query_id or str(secrets.randbits(62)),
            "from": _user(uid, first_name, username, language_code),
            "message": message,
            "chat_instance": str(abs(hash((chat_id, bot_id))) % 10**18),
            "data": data,
        },
    }


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------

_STATUS_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class TelegramError(Exception):
    """Raised by a method handler to answer ``{"ok": false, ...}``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None, violation: bool = True
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.violation = violation


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None


@dataclass
class _Poll:
    waiter: asyncio.Future[str]


@dataclass
class _StoredMessage:
    message: dict[str, Any]
    from_bot: bool


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int | None = None
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    has_custom_certificate: bool = False


@dataclass(repr=False, eq=False)
class FakeTelegram:
    """A fake ``api.telegram.org``: ``async with FakeTelegram(token) as tg: ... tg.base_url ...``.

    Attributes filled while it runs:

    * ``calls`` – every accepted call, ``(method, params)`` with params converted to Python values
      (``chat_id`` int, ``reply_markup`` dict, uploads as ``UploadedFile``), webhook answers' calls too;
    * ``violations`` – ``"<method>.<field>: <problem>"`` strings for every rejected request;
    * ``errors`` – ``(method, status, description)`` for every non-ok answer (violations, injected
      failures);
    * ``sent`` – the Messages the bot sent, in order (edits update them in place);
    * ``webhook``, ``commands`` (``{(scope JSON, language_code): [BotCommand]}``), ``answered_callbacks``;
    * ``abandoned_polls`` – long polls (getUpdates) the client hung up on before they were answered.

    Clients: aiogram ``AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))``;
    python-telegram-bot ``Bot(token, base_url=f"{tg.base_url}/bot")`` (PTB appends the token).
    """

    token: str = DEFAULT_TOKEN
    bot_username: str = DEFAULT_BOT_USERNAME
    bot_first_name: str = DEFAULT_BOT_NAME
    spec_path: Path | None = None  # None: the external test material's
    limits_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list, init=False)
    violations: list[str] = field(default_factory=list, init=False)
    errors: list[tuple[str, int, str]] = field(default_factory=list, init=False)
    sent: list[dict[str, Any]] = field(default_factory=list, init=False)
    webhook: _Webhook = field(default_factory=_Webhook, init=False)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict, init=False)
    answered_callbacks: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    blocked_chats: set[int | str] = field(default_factory=set, init=False)
    abandoned_polls: int = field(default=0, init=False)

    def __repr__(self) -> str:
        where = self._base_url or "not started"
        return f"<FakeTelegram {where}: {len(self.calls)} calls, {len(self.violations)} violations>"

    def __post_init__(self) -> None:
        self.spec = load_spec(self.spec_path, self.limits_path)
        self.validator = SpecValidator(self.spec)
        self.bot_id = int(self.token.split(":", 1)[0]) if self.token.split(":", 1)[0].isdigit() else 1
        self._updates: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._poll: _Poll | None = None
        self._failures: dict[str, list[_Failure]] = {}
        self._messages: dict[tuple[int | str, int], _StoredMessage] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._answered_in_webhook: set[str] = set()
        self._users: dict[int, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._changed: asyncio.Condition | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=self.spec.limits.upload_bytes + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        self._changed = asyncio.Condition()

    async def stop(self) -> None:
        if self._poll is not None and not self._poll.waiter.done():
            self._poll.waiter.set_result("closed")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` – the equivalent of ``https://api.telegram.org``."""
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started (use `async with FakeTelegram() as tg`)")
        return self._base_url

    @property
    def api_url(self) -> str:
        """``{base_url}/bot{token}`` – append ``/<method>``."""
        return f"{self.base_url}/bot{self.token}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # -- helpers for tests ----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next valid call of ``method`` (``"*"``: any method) fail with ``status``.

        429 answers ``{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after N",
        "parameters": {"retry_after": N}}`` like Telegram's flood control; 403 defaults to
        "Forbidden: bot was blocked by the user". Calls stack: two ``fail_next`` fail two calls.
        """
        if status == 429:
            failure = _Failure(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        else:
            failure = _Failure(
                status, description or _STATUS_DESCRIPTIONS.get(status, "Internal Server Error"), None
            )
        self._failures.setdefault(method.lower(), []).append(failure)

    def block(self, chat_id: int | str) -> None:
        """The user blocked the bot: every later call to this chat answers 403."""
        self.blocked_chats.add(chat_id)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every accepted call of ``method``."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = DEADLINE_S
    ) -> list[dict[str, Any]]:
        """Wait until ``method`` was called (and accepted) at least ``count`` times in total.

        ``timeout`` is a deadline for a run that went wrong, generous enough for a loaded machine."""
        assert self._changed is not None, "FakeTelegram is not started"
        seen = len(self.violations)
        async with self._changed:
            await finished(
                self._changed.wait_for(
                    lambda: len(self.calls_to(method)) >= count or len(self.violations) > seen
                ),
                f"{count} {method} call(s), {len(self.calls_to(method))} so far",
                deadline=timeout,
            )
        if len(self.calls_to(method)) < count:  # fail fast: the bot's request was rejected
            raise AssertionError(f"Telegram API violations: {self.violations[seen:]}")
        return self.calls_to(method)

    def assert_no_violations(self) -> None:
        assert not self.violations, "Telegram API violations:\n" + "\n".join(self.violations)

    def message_update(
        self, chat_id: int, text: str, language_code: str | None = "en", **kw: Any
    ) -> dict[str, Any]:
        """Like the module's ``message_update``, numbering messages in the same sequence as the bot's."""
        kw.setdefault("message_id", self._allocate_message_id(chat_id))
        return message_update(chat_id, text, language_code, **kw)

    def callback_update(self, chat_id: int, data: str, message_id: int, **kw: Any) -> dict[str, Any]:
        """Like the module's ``callback_update``, with this bot as the author of the message.

        If the bot sent that message through the fake, its current text and keyboard are used.
        """
        stored = self._messages.get((chat_id, message_id))
        if stored is not None and stored.from_bot:
            kw.setdefault("message_text", stored.message.get("text") or stored.message.get("caption") or "…")
            if "reply_markup" in stored.message:
                kw.setdefault("reply_markup", stored.message["reply_markup"])
        return callback_update(
            chat_id,
            data,
            message_id,
            bot_id=self.bot_id,
            bot_username=self.bot_username,
            bot_first_name=self.bot_first_name,
            **kw,
        )

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (``update_id`` is assigned when missing) and wake a long poll.

        The update must itself conform to the spec's ``Update`` type (a ValueError says why not), so that
        tests cannot feed the bot something Telegram never sends.
        """
        if "update_id" not in update:
            update = {"update_id": max(self._last_update_id + 1, next(_update_ids)), **update}
        problems = self.validator.check_object(update, "Update")
        if problems:
            raise ValueError("not a valid Update: " + "; ".join(map(str, problems)))
        self._remember(update)
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self._updates.append(update)
        if self._poll is not None and not self._poll.waiter.done():
            self._poll.waiter.set_result("update")
        return update

    def push_message(self, chat_id: int, text: str, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.message_update(chat_id, text, **kw))

    def push_callback(self, chat_id: int, data: str, message_id: int, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.callback_update(chat_id, data, message_id, **kw))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    @property
    def long_polling(self) -> bool:
        """A getUpdates request is waiting for updates."""
        return self._poll is not None and not self._poll.waiter.done()

    async def deliver_webhook(
        self, update: dict[str, Any], url: str | None = None, timeout: float = DEADLINE_S
    ) -> tuple[int, str]:
        """POST an update to the webhook (or ``url``) the way Telegram does; return (status, body).

        Sends ``X-Telegram-Bot-Api-Secret-Token`` when setWebhook was given a secret_token, and carries out
        a method in the answer (``take_webhook_answer``). Delivering the same update twice models Telegram's
        redelivery of an update that was not answered in time.
        """
        target = url or self.webhook.url
        if not target:
            raise RuntimeError("no webhook is set; pass url=")
        problems = self.validator.check_object(update, "Update")
        if problems:
            raise ValueError("not a valid Update: " + "; ".join(map(str, problems)))
        self._remember(update)
        query = update.get("callback_query")
        if isinstance(query, dict):
            # Telegram redelivers only an update whose answer it did not get: a method in it never ran.
            query_id = str(query["id"])
            if query_id in self._answered_in_webhook:
                self._answered_in_webhook.discard(query_id)
                self.answered_callbacks.pop(query_id, None)
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as session,
            session.post(target, data=json.dumps(update), headers=headers) as response,
        ):
            status, content_type, body = response.status, response.content_type, await response.read()
        await self.take_webhook_answer(status, content_type, body)
        return status, body.decode("utf-8", "replace")

    async def take_webhook_answer(self, status: int, content_type: str, body: bytes) -> str | None:
        """What Telegram does with the bot's answer to a webhook request; returns the method called, if any.

        A 2xx answer may carry one Bot API call: a JSON object (or urlencoded form) with ``method`` and its
        parameters. It is checked and carried out like a request of the bot's own, and recorded in
        ``calls`` or ``violations`` the same way; only its result goes nowhere, as on Telegram. For tests
        that POST updates themselves (``deliver_webhook`` calls this).
        """
        if not 200 <= status < 300:
            return None  # Telegram delivers the update again and ignores the body
        params: dict[str, Any] = {}
        form_keys: set[str] = set()
        if content_type == "application/json":
            with contextlib.suppress(ValueError):
                answer = json.loads(body or b"{}")
                params = answer if isinstance(answer, dict) else {}
        elif content_type == "application/x-www-form-urlencoded":
            params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            form_keys = set(params)
        name = params.pop("method", None)
        if name is None:
            return None  # nothing to call: the update is simply acknowledged
        form_keys.discard("method")
        method = self.spec.method(str(name))
        try:
            if method is None:
                self.violations.append(f"{name}: no such method in {self.spec.version} (a webhook answer)")
                self._error(str(name), 404, "Not Found")
                return str(name)
            response = await self._call(method, params, form_keys, None, injectable=False)
            if response.status == 200 and method.name == "answerCallbackQuery":
                self._answered_in_webhook.add(str(params["callback_query_id"]))
        finally:
            if self._changed is not None:
                async with self._changed:
                    self._changed.notify_all()
        return method.name

    # -- HTTP -----------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await self._dispatch(request)
        finally:
            if self._changed is not None:
                async with self._changed:
                    self._changed.notify_all()

    async def _dispatch(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.violations.append(f"{name}: request with a wrong bot token")
            return self._error(name, 401, "Unauthorized")
        method = self.spec.method(name)
        if method is None:
            self.violations.append(f"{name}: no such method in {self.spec.version}")
            return self._error(name, 404, "Not Found")
        try:
            params, form_keys = await self._read_params(request, method)
        except TelegramError as exc:
            self.violations.append(f"{method.name}: {exc.description}")
            return self._error(method.name, exc.status, exc.description)
        return await self._call(method, params, form_keys, request)

    async def _call(
        self,
        method: MethodSpec,
        params: dict[str, Any],
        form_keys: set[str],
        request: web.Request | None,
        *,
        injectable: bool = True,
    ) -> web.Response:
        """Check one call of ``method`` against the spec, then answer it as Telegram would.

        ``request`` is None for a call made from a webhook answer (no method handler reads it)."""
        converted, problems = self.validator.check_method(method, params, form_keys)
        if problems:
            self.violations.extend(str(p) for p in problems)
            first = problems[0]
            answer = first.description or f"Bad Request: {first}"
            return self._error(method.name, 413 if answer.startswith("Request Entity") else 400, answer)
        failures = None
        if injectable:  # not in a webhook answer, whose result the bot never sees
            failures = self._failures.get(method.name.lower()) or self._failures.get("*")
        if failures:
            failure = failures.pop(0)
            return self._error(method.name, failure.status, failure.description, failure.parameters)
        chat_id = converted.get("chat_id")
        if chat_id is not None and chat_id in self.blocked_chats:
            return self._error(method.name, 403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_m_{method.name}", None)
        try:
            if handler is not None:
                result, description = await handler(converted, request)
            else:
                result, description = self._generic(method, converted), ""
        except TelegramError as exc:
            if exc.violation:
                self.violations.append(f"{method.name}: {exc.description}")
            return self._error(method.name, exc.status, exc.description, exc.parameters)
        self.calls.append((method.name, converted))
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return web.json_response(body)

    def _error(
        self, method: str, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        self.errors.append((method, status, description))
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _read_params(self, request: web.Request, method: MethodSpec) -> tuple[dict[str, Any], set[str]]:
        params: dict[str, Any] = {}
        form_keys: set[str] = set()
        for key, value in request.query.items():
            params[key] = value
            form_keys.add(key)
        if request.method not in ("GET", "POST"):
            raise TelegramError(405, f"Bad Request: HTTP method {request.method} is not supported")
        if request.method == "GET" or not request.body_exists:
            return params, form_keys
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            try:
                body = json.loads(await request.read() or b"{}")
            except ValueError as exc:
                raise TelegramError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise TelegramError(400, "Bad Request: the JSON body must be an object")
            params.update(body)
            form_keys -= set(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            post = await request.post()
            for key, part in post.items():
                if isinstance(part, web.FileField):
                    files[key] = UploadedFile(
                        field_name=key,
                        filename=part.filename,
                        content_type=part.content_type,
                        data=part.file.read(),
                    )
                else:
                    params[key] = part if isinstance(part, str) else bytes(part).decode("utf-8")
                    form_keys.add(key)
        elif await request.read():
            raise TelegramError(400, f"Bad Request: unsupported Content-Type {request.content_type}")
        # Uploads: either the field itself (python-telegram-bot) or "attach://<part>" (aiogram, InputMedia).
        referenced: set[str] = set()
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                part = value[len("attach://") :]
                if part not in files:
                    raise TelegramError(400, f"Bad Request: {method.name}.{key}: no file part named {part!r}")
                params[key] = files[part]
                form_keys.discard(key)
                referenced.add(part)
            elif isinstance(value, str):
                referenced.update(re.findall(r"attach://([\w-]+)", value))
        for part, uploaded in files.items():
            if part in referenced:
                continue
            params[part] = uploaded
            form_keys.discard(part)
        return params, form_keys

    # -- state ----------------------------------------------------------------------------------------

    def _allocate_message_id(self, chat_id: int | str) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _remember(self, update: Mapping[str, Any]) -> None:
        """Learn users, messages and callback queries from an update that goes to the bot."""
        message = update.get("message") or update.get("edited_message")
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._callbacks[str(query["id"])] = query
            message = query.get("message")
            user = query.get("from")
            if isinstance(user, dict):
                self._users[int(user["id"])] = user
            if isinstance(message, dict) and "chat" in message:
                key = (message["chat"]["id"], int(message["message_id"]))
                if key not in self._messages:
                    self._messages[key] = _StoredMessage(copy.deepcopy(message), from_bot=True)
            return
        if isinstance(message, dict) and "chat" in message:
            chat_id = message["chat"]["id"]
            message_id = int(message["message_id"])
            self._messages[(chat_id, message_id)] = _StoredMessage(copy.deepcopy(message), from_bot=False)
            self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), message_id + 1)
            user = message.get("from")
            if isinstance(user, dict):
                self._users[int(user["id"])] = user

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is not None:
            return chat_object(chat_id, user.get("first_name", "Test"), user.get("username"))
        return chat_object(chat_id)

    def _new_message(self, chat_id: int | str, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._allocate_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages[(chat_id, message["message_id"])] = _StoredMessage(message, from_bot=True)
        self.sent.append(message)
        return copy.deepcopy(message)

    def _editable(self, p: Mapping[str, Any]) -> _StoredMessage | None:
        """The stored message an edit refers to (None for inline messages)."""
        if p.get("inline_message_id") is not None:
            return None
        stored = self._messages.get((p["chat_id"], p["message_id"]))
        if stored is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise TelegramError(400, "Bad Request: message can't be edited")
        return stored

    @staticmethod
    def _inline_markup(p: Mapping[str, Any]) -> dict[str, Any] | None:
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None

    @staticmethod
    def _plain(p: Mapping[str, Any], key: str) -> str | None:
        value = p.get(key)
        if not isinstance(value, str):
            return None
        mode = p.get(f"{key}_parse_mode", p.get("parse_mode"))
        plain, _ = parse_formatted(value, mode if isinstance(mode, str) else None)
        return plain.strip()

    # -- methods --------------------------------------------------------------------------------------

    async def _m_getMe(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }, None

    async def _m_logOut(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        return True, None

    async def _m_close(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        return True, None

    async def _m_setWebhook(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if not p["url"]:
            was_set = bool(self.webhook.url)
            self.webhook = _Webhook()
            return True, "Webhook was deleted" if was_set else "Webhook is already deleted"
        self.webhook = _Webhook(
            url=p["url"],
            secret_token=p.get("secret_token"),
            max_connections=p.get("max_connections", 40),
            ip_address=p.get("ip_address"),
            allowed_updates=p.get("allowed_updates"),
            has_custom_certificate=isinstance(p.get("certificate"), UploadedFile),
        )
        return True, "Webhook was set"

    async def _m_deleteWebhook(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        was_set = bool(self.webhook.url)
        self.webhook = _Webhook()
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    async def _m_getWebhookInfo(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        info: dict[str, Any] = {
            "url": self.webhook.url,
            "has_custom_certificate": self.webhook.has_custom_certificate,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
        return info, None

    @staticmethod
    def _commands_key(p: Mapping[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get("language_code") or ""

    async def _m_setMyCommands(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        self.commands[self._commands_key(p)] = list(p["commands"])
        return True, None

    async def _m_deleteMyCommands(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        self.commands.pop(self._commands_key(p), None)
        return True, None

    async def _m_getMyCommands(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        return copy.deepcopy(self.commands.get(self._commands_key(p), [])), None

    async def _m_sendMessage(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        return self._new_message(
            p["chat_id"], text=self._plain(p, "text"), reply_markup=self._inline_markup(p)
        ), None

    async def _m_sendDocument(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        document = p["document"]
        doc: dict[str, Any] = {
            "file_id": "BQAC" + secrets.token_urlsafe(24),
            "file_unique_id": secrets.token_hex(8),
        }
        if isinstance(document, UploadedFile):
            filename = document.filename or document.field_name
            doc["file_name"] = filename
            guessed = mimetypes.guess_type(filename)[0]
            declared = document.content_type if document.content_type != "application/octet-stream" else None
            doc["mime_type"] = guessed or declared or "application/octet-stream"
            doc["file_size"] = document.size
        caption = self._plain(p, "caption")
        return (
            self._new_message(
                p["chat_id"], document=doc, caption=caption or None, reply_markup=self._inline_markup(p)
            ),
            None,
        )

    async def _m_editMessageText(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        stored = self._editable(p)
        if stored is None:
            return True, None
        text = self._plain(p, "text")
        markup = self._inline_markup(p)
        message = stored.message
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise TelegramError(400, _NOT_MODIFIED)
        message["text"] = text
        if markup is None:
            message.pop("reply_markup", None)  # editMessageText without reply_markup removes the keyboard
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message), None

    async def _m_editMessageReplyMarkup(
        self, p: dict[str, Any], request: web.Request
    ) -> tuple[Any, str | None]:
        stored = self._editable(p)
        if stored is None:
            return True, None
        markup = self._inline_markup(p)
        message = stored.message
        if message.get("reply_markup") == markup:
            raise TelegramError(400, _NOT_MODIFIED)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message), None

    async def _m_answerCallbackQuery(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        query_id = str(p["callback_query_id"])
        if query_id not in self._callbacks or query_id in self.answered_callbacks:
            raise TelegramError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self.answered_callbacks[query_id] = p
        return True, None

    async def _m_deleteMessage(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        stored = self._messages.pop((p["chat_id"], p["message_id"]), None)
        if stored is None:
            raise TelegramError(400, "Bad Request: message to delete not found")
        return True, None

    async def _m_getUpdates(self, p: dict[str, Any], request: web.Request) -> tuple[Any, str | None]:
        if self.webhook.url:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if self._poll is not None and not self._poll.waiter.done():
            self._poll.waiter.set_result("conflict")
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"])
        self._confirm(p.get("offset"))
        limit = p.get("limit", 100)
        batch = self._batch(limit)
        timeout = p.get("timeout", 0)
        if not batch and timeout > 0:
            waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            poll = _Poll(waiter)
            self._poll = poll
            try:
                await asyncio.wait({waiter}, timeout=timeout)
            except asyncio.CancelledError:
                self.abandoned_polls += 1  # the client hung up while it waited (a bot that stopped)
                raise
            finally:
                if self._poll is poll:
                    self._poll = None
            if waiter.done() and waiter.result() == "conflict":
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            waiter.cancel()
            batch = self._batch(limit)
        return copy.deepcopy(batch), None

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        else:
            self._updates = self._updates[offset:]

    def _batch(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self._allowed_updates)

        def wanted(update: Mapping[str, Any]) -> bool:
            kind = next((k for k in update if k != "update_id"), "")
            return kind in allowed if allowed else kind not in DEFAULT_ALLOWED_UPDATES_EXCLUDED

        return [u for u in self._updates if wanted(u)][:limit]

    def _generic(self, method: MethodSpec, p: Mapping[str, Any]) -> Any:
        """Methods without a handler: Boolean ones answer True, Message ones a plain message."""
        if "Boolean" in method.returns or "True" in method.returns:
            return True
        if "Message" in method.returns and "chat_id" in p:
            return self._new_message(p["chat_id"], caption=self._plain(p, "caption"))
        raise TelegramError(400, f"Bad Request: {method.name} is not emulated by FakeTelegram")
