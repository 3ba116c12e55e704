"""Validators for identifiers, numbers, dates and the template's count rules.

Each check raises `InvalidAnswer` with a Chinese message that names the exact
problem, so the flow can ask again with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.errors import InputError
from assistant.forms.lexicon import reply_words

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK = "10X98765432"
EMPTY_ANSWERS = frozenset({"", "无", "没有", "-", "—", "/", "／"})
TEXT_MAX = 500  # a one-line field (项目名称, 地址…): longer is a paste meant for somewhere else
ALLOWED_CONTROLS = frozenset("\n\r\t")


class InvalidAnswer(InputError):
    """A reply that does not fit the field; the message says why, in Chinese."""


@dataclass(frozen=True)
class CodeCheck:
    """A structurally valid 统一社会信用代码; `checksum_ok` False needs the applicant's confirmation."""

    code: str
    checksum_ok: bool
    expected: str


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation to their plain forms."""
    return unicodedata.normalize("NFKC", text)


def control_char_at(text: str) -> int | None:
    """The 1-based position of the first control character or non-character, if any."""
    for pos, ch in enumerate(text, start=1):
        if ch not in ALLOWED_CONTROLS and (unicodedata.category(ch) in ("Cc", "Cs") or ch in ("\ufffe", "\uffff")):
            return pos
    return None


def check_control_chars(text: str) -> None:
    """Control characters (NUL, ESC, backspace…) and lone surrogates cannot be stored or exported.

    Line breaks and tabs are kept. Such characters usually come from copying out of another
    program, so the message says where the first one is.
    """
    pos = control_char_at(text)
    if pos is not None:
        raise InvalidAnswer(
            f"回复中含有不可见的控制字符（第 {pos} 个字符，U+{ord(text[pos - 1]):04X}），无法保存，"
            "也会使导出的 Word 文件出错。这类字符多是从其他软件复制时带入的，请删除后重新输入。"
        )


def check_one_line(label: str, text: str) -> None:
    """A one-line field holds a name, an address or a short phrase, not pasted paragraphs."""
    if len(text) > TEXT_MAX:
        raise InvalidAnswer(
            f"“{label}”是一行短文字（不超过 {TEXT_MAX} 字），您输入了 {len(text)} 字，未保存。"
            "如果这是后面某一项的正文，请先回复“跳过”或填写本项，到那一项时再粘贴。"
        )


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff"
_NAME_DOTS = "·•‧."
_HAN_NAME = re.compile(f"[{_HAN}]{{2,6}}")
_DOTTED_NAME = re.compile(f"[{_HAN}]{{1,12}}(?:[{_NAME_DOTS}][{_HAN}]{{1,12}})+")
_LATIN_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .'\-])*[^\W\d_.]?\.?")
_NAME_LIST = re.compile(f"[、，,；;/\n]|[{_HAN}]{{2,}}(?:和|与|及)[{_HAN}]{{2,}}")


def check_person_name(text: str) -> str:
    """One person's name: 2–6 汉字, a name with ·, or a Latin-letter name; not a sentence or a list."""
    name = unicodedata.normalize("NFC", text).strip()
    shown = name if len(name) <= 20 else name[:20] + "…"
    if _NAME_LIST.search(name):
        raise InvalidAnswer(f"“{shown}”像是几个人的名字。这里一次只填一个人的姓名（如“张三”）。")
    cue = next((w.say for w in reply_words().not_a_name if w.say in name), None)
    if re.search(r"\d", nfkc(name)) or cue is not None:
        raise InvalidAnswer(f"“{shown}”不像一个人的姓名。这里只填一个人的姓名（如“张三”）。")
    if _HAN_NAME.fullmatch(name) or _DOTTED_NAME.fullmatch(name):
        return name
    if len(name) <= 60 and not re.search(f"[{_HAN}]", name) and _LATIN_NAME.fullmatch(nfkc(name)):
        return name
    raise InvalidAnswer(
        f"“{shown}”不像一个人的姓名：中文姓名一般为 2–6 个汉字（少数民族姓名可用“·”分隔），"
        "外文姓名用字母书写。这里只填一个人的姓名（如“张三”）。"
    )


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 for its first 17 characters."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(text: str) -> CodeCheck:
    """Length and characters are errors; a check-character mismatch is reported, not raised."""
    code = re.sub(r"[\s-]", "", nfkc(text)).upper()
    if len(code) != 18:
        raise InvalidAnswer(f"统一社会信用代码应为 18 位，您输入了 {len(code)} 位。")
    for pos, ch in enumerate(code, start=1):
        if ch not in USCC_CHARSET:
            raise InvalidAnswer(
                f"统一社会信用代码第 {pos} 位“{ch}”不是允许的字符（只用数字和大写字母，不用 I、O、Z、S、V）。"
            )
    expected = uscc_check_char(code[:17])
    return CodeCheck(code=code, checksum_ok=code[17] == expected, expected=expected)


def id_check_char(first17: str) -> str:
    """The 18th character of a 居民身份证号码 (GB 11643-1999)."""
    return ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def check_id_number(text: str, today: date) -> str:
    """A 18-digit 居民身份证号码 with a real birth date and a correct check digit."""
    code = re.sub(r"\s", "", nfkc(text)).upper()
    if len(code) != 18:
        raise InvalidAnswer(f"居民身份证号码应为 18 位，您输入了 {len(code)} 位。")
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise InvalidAnswer("居民身份证号码前 17 位应为数字，最后一位为数字或 X。")
    try:
        birth = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise InvalidAnswer(f"居民身份证号码中的出生日期 {code[6:14]} 不是真实日期。") from None
    if birth > today or birth.year < 1900:
        raise InvalidAnswer(f"居民身份证号码中的出生日期 {birth.isoformat()} 不合理。")
    expected = id_check_char(code[:17])
    if code[17] != expected:
        raise InvalidAnswer(
            f"居民身份证号码校验位不正确：按前 17 位计算应为 {expected}，您填的是 {code[17]}。"
        )
    return code


def normalize_mobile(text: str) -> str:
    """Remove +86/0086, spaces and dashes."""
    digits = re.sub(r"[\s\-()（）]", "", nfkc(text))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def check_mobile(text: str) -> str:
    number = normalize_mobile(text)
    if not re.fullmatch(r"1[3-9]\d{9}", number):
        raise InvalidAnswer(f"手机号码应为 11 位、以 13–19 开头（可带 +86），您输入的是“{text.strip()}”。")
    return number


_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.I)


def _area_split(digits: str) -> str:
    """区号-号码 for a landline written without separators: 010 and 02X have 3 digits, others 4."""
    cut = 3 if digits[:2] in ("01", "02") else 4
    return f"{digits[:cut]}-{digits[cut:]}"


def _landline(raw: str) -> str | None:
    """A landline in any common form → 区号-号码[-分机]; None when it is not one."""
    text = re.sub(r"\s+", " ", raw).strip()
    extension = ""
    ext = _EXTENSION.search(text)
    if ext:
        extension = ext.group(1)
        text = text[: ext.start()].strip()
    international = re.match(r"^(?:\+|00)86[\s-]*", text)
    if international:
        text = "0" + text[international.end() :]
    bracket = re.fullmatch(r"\(\s*(0\d{2,3})\s*\)\s*-?\s*(\d{7,8})", text)
    if bracket:
        number = f"{bracket.group(1)}-{bracket.group(2)}"
    else:
        parts = re.split(r"[\s-]+", text)
        digits = "".join(parts)
        if not re.fullmatch(r"0\d{9,11}", digits):
            return None
        number = f"{parts[0]}-{''.join(parts[1:])}" if len(parts) > 1 else _area_split(digits)
    if not _LANDLINE.fullmatch(number):
        return None
    return f"{number}-{extension}" if extension else number


def check_phone(text: str) -> str:
    """联系方式: a mobile number, a landline or a 400/800 number.

    Landlines are accepted as people write them — "(0351)1234567", "+86 351 1234567",
    "0351-1234567转8001" — and kept as 区号-号码[-分机]; a compact form accepted before
    ("03511234567", "0351-7654321-12") is kept exactly as it was.
    """
    raw = nfkc(text).strip()
    mobile = normalize_mobile(raw)
    if re.fullmatch(r"1[3-9]\d{9}", mobile):
        return mobile
    compact = re.sub(r"\s", "", raw)
    if _LANDLINE.fullmatch(compact) or _SERVICE.fullmatch(compact):
        return compact
    landline = _landline(raw)
    if landline:
        return landline
    raise InvalidAnswer(
        f"联系方式应为手机号码或固定电话（如 0351-1234567、(0351)1234567、0351-1234567转8001），"
        f"您输入的是“{text.strip()}”。"
    )


def parse_number(
    text: str, *, unit: str = "", integer: bool = False, allow_negative: bool = False
) -> int | float:
    """A number typed with or without its unit ("3.5", "3.5万元", "1,200", "30%")."""
    raw = re.sub(r"[\s,，]", "", nfkc(text))
    forms = {unit, unit.replace("万元", "万"), unit.split("/")[0]} - {""}
    forms |= {"个" + form for form in forms if not form.startswith(("个", "%", "万"))}  # 18个月, 3个家
    for suffix in sorted(forms, key=len, reverse=True):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)]
            break
    if unit.startswith("万") and raw.endswith("元"):
        raise InvalidAnswer(f"请以{unit}为单位填写数字，例如 3.5 表示 3.5 万元。")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        what = "整数" if integer else "数字"
        raise InvalidAnswer(
            f"请填写{what}{f'（单位：{unit}）' if unit else ''}，您输入的是“{text.strip()}”。"
        )
    value = float(raw)
    if value < 0 and not allow_negative:
        raise InvalidAnswer(f"该项不能为负数，您输入的是 {raw}。")
    if integer and not value.is_integer():
        raise InvalidAnswer(f"该项应为整数，您输入的是 {raw}。")
    return int(value) if value.is_integer() else value


def check_percent(value: float) -> None:
    if not 0 <= value <= 100:
        raise InvalidAnswer(f"百分比应在 0–100 之间，您填的是 {value:g}。")


def check_year(year: int, *, low: int = 1900, high: int) -> None:
    if not low <= year <= high:
        raise InvalidAnswer(f"年份 {year} 不合理，应在 {low}–{high} 之间。")


_DATE = re.compile(r"(\d{4})\s*(?:年|[-./])?\s*(?:(\d{1,2})\s*(?:月|[-./])?\s*(?:(\d{1,2})\s*日?)?)?")


def parse_date(text: str, today: date) -> str:
    """ "2015年6月8日", "2015-06-08", "2015-06", "2015年" → ISO text of the precision given; not in the future."""
    raw = nfkc(text).strip()
    match = _DATE.fullmatch(raw)
    if not match:
        raise InvalidAnswer(f"请按“2015年6月8日”或“2015-06-08”的格式填写日期，您输入的是“{raw}”。")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    check_year(year, high=today.year)
    try:
        when = date(year, month or 1, day or 1)
    except ValueError:
        raise InvalidAnswer(f"“{raw}”不是真实的日期。") from None
    if when > today:
        raise InvalidAnswer(f"日期 {raw} 晚于今天，请检查。")
    if day:
        return when.isoformat()
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


_MONTH = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*月?")
ONGOING = "至今"


def parse_month_range(text: str, today: date) -> dict[str, str]:
    """实施起止时间 "2023年1月—2024年6月" → {"start": "2023-01", "end": "2024-06"}; the end may be 至今."""
    raw = nfkc(text).strip()
    found = [(int(y), int(m)) for y, m in _MONTH.findall(raw)]
    ongoing = ONGOING in raw or raw.endswith("今")
    if len(found) != (1 if ongoing else 2):
        raise InvalidAnswer(
            f"请按“2023年1月—2024年6月”的格式填写起止年月（结束可写“至今”），您输入的是“{raw}”。"
        )
    for year, month in found:
        check_year(year, high=today.year + 10)
        if not 1 <= month <= 12:
            raise InvalidAnswer(f"月份 {month} 不合理，应在 1–12 之间。")
    start = f"{found[0][0]:04d}-{found[0][1]:02d}"
    if ongoing:
        return {"start": start, "end": ONGOING}
    end = f"{found[1][0]:04d}-{found[1][1]:02d}"
    if start > end:
        raise InvalidAnswer(f"开始时间 {start} 晚于结束时间 {end}，请检查起止顺序。")
    return {"start": start, "end": end}


_YES = {"是", "是的", "对", "有", "y", "yes", "true", "1"}
_NO = {"否", "不是", "不", "没有", "无", "n", "no", "false", "0"}


def parse_yesno(text: str) -> str:
    word = nfkc(text).strip().strip("。.!！").lower()
    if word in _YES:
        return "是"
    if word in _NO:
        return "否"
    raise InvalidAnswer(f"请回答“是”或“否”，您输入的是“{text.strip()}”。")


def count_error(label: str, constraint: str, picked: int, limit_word: str = "") -> str:
    unit = "个" if constraint.endswith("个") else "项"
    return f"{label}{constraint or limit_word}，您选了 {picked} {unit}。"


def check_choice_count(
    *,
    label: str,
    single: bool,
    picked: int,
    constraint: str = "",
    min_select: int | None = None,
    max_select: int | None = None,
) -> None:
    """The template's count rules: 单选/限选 1 项, 最多选 2 项, 限 3 个…"""
    if picked == 0:
        raise InvalidAnswer(f"请至少选择 1 项{label}。")
    if single and picked > 1:
        raise InvalidAnswer(count_error(label, constraint, picked, "只能选 1 项"))
    if max_select is not None and picked > max_select:
        raise InvalidAnswer(count_error(label, constraint, picked, f"最多选 {max_select} 项"))
    if min_select is not None and picked < min_select:
        raise InvalidAnswer(count_error(label, constraint, picked, f"至少选 {min_select} 项"))


def check_per_group(*, label: str, constraint: str, counts: dict[str, int], per_group: int) -> None:
    """每类选最主要的 1 个: every group has exactly `per_group` picks."""
    for group, picked in counts.items():
        if picked != per_group:
            raise InvalidAnswer(f"{label}{constraint}：{group}类您选了 {picked} 个。")


def check_rows(*, label: str, rows: int, max_rows: int | None, row_noun: str) -> None:
    """A table or repeated section may not exceed its row limit (团队成员最多 5 名).

    `row_noun` is a measure word and a noun, e.g. "名成员" or "家单位".
    """
    if max_rows is not None and rows > max_rows:
        raise InvalidAnswer(f"{label}最多 {max_rows} {row_noun[:1]}，不能添加第 {rows} {row_noun}。")


def count_matching(rows: list[dict[str, Any]], column: str, value: str) -> int:
    return sum(1 for row in rows if row.get(column) == value)


def check_exactly_one(*, label: str, rows: list[dict[str, Any]], column: str, value: str) -> None:
    found = count_matching(rows, column, value)
    if found != 1:
        raise InvalidAnswer(f"{label}必须恰好有 1 名，目前有 {found} 名。")


def check_sum_max(*, label: str, values: list[float], maximum: float) -> None:
    total = sum(values)
    if total > maximum:
        raise InvalidAnswer(f"{label}不能超过 {maximum:g}，您填的合计为 {total:g}。")


def check_sum_le(*, label: str, parts: list[float], total: float, total_label: str) -> None:
    if sum(parts) > total:
        raise InvalidAnswer(f"{label}（{sum(parts):g}）不能大于{total_label}（{total:g}）。")


def is_empty(value: Any) -> bool:
    """No answer: None, blank text, an empty list or a group with nothing filled."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in EMPTY_ANSWERS
    if isinstance(value, list):
        return len(value) == 0
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False
