"""The schema cannot drift from the template: every label, limit, constraint and choice is in it.

The template text is `form_schema/source/shanxi-2025-annexes.txt`, a verbatim copy of
附件 1 and 附件 2 of the Shanxi notice (checked against the seed when it is present).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from assistant.forms.schema import Field, FormSchema, Section, load_schema, walk_fields

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "form_schema" / "source" / "shanxi-2025-annexes.txt"
SEED = ROOT / "tests" / "seeds" / "003_22111ded05495491.txt"  # copy of ../shared/seeds (test_knowledge checks)
LIMIT = re.compile(r"(?:限|不超过)(\d+)字|(\d+)字以内|\((\d+)字\)")


def norm(text: str) -> str:
    """Width, spaces, markdown escapes and HTML tags do not matter."""
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[\s\\]", "", unicodedata.normalize("NFKC", text))


RAW = SOURCE.read_text(encoding="utf-8")
GUIDE_RAW, TEMPLATE_RAW = RAW.split("\n附件 2\n", 1)
GUIDE = norm(GUIDE_RAW)
TEMPLATE = norm(TEMPLATE_RAW)
TEMPLATE_LINES = [norm(line) for line in TEMPLATE_RAW.splitlines() if line.strip()]
SCHEMA = load_schema(ROOT / "form_schema")


def all_fields(schema: FormSchema) -> list[tuple[Section, Field, bool]]:
    """(section, field, ours) for every field, columns and subfields included; `ours` when the
    field is a column we supplied to a table the template names without columns."""
    out = []
    for _, section in schema.sections():
        for f in section.fields:
            for inner in walk_fields([f]):
                out.append((section, inner, f.columns_supplied and inner is not f))
    return out


FIELDS = all_fields(SCHEMA)
TRACK = next(f for _, f, _ in FIELDS if f.key == "track")


def in_template(label: str) -> bool:
    """The label, or its space-separated words in order on one template line."""
    if norm(label) in TEMPLATE:
        return True
    words = [norm(w) for w in label.split()]
    pattern = ".*".join(re.escape(w) for w in words)
    return any(re.search(pattern, line) for line in TEMPLATE_LINES)


def test_source_copy_is_verbatim_from_the_seed() -> None:
    assert RAW in SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("title", [part.title for part in SCHEMA.parts])
def test_part_titles(title: str) -> None:
    assert norm(title) in TEMPLATE


@pytest.mark.parametrize("section", [s for _, s in SCHEMA.sections()], ids=lambda s: s.key)
def test_section_titles_and_notes(section: Section) -> None:
    assert norm(section.number + section.title) in TEMPLATE
    if section.note:
        assert norm(section.note) in TEMPLATE


@pytest.mark.parametrize(
    "f", [f for _, f, ours in FIELDS if not ours], ids=lambda f: f"{f.key}:{f.label}"
)
def test_every_label_is_in_the_template(f: Field) -> None:
    assert in_template(f.label)
    if f.heading:
        assert norm(f.heading) in TEMPLATE


@pytest.mark.parametrize(
    "f", [f for _, f, _ in FIELDS if f.limit is not None], ids=lambda f: f"{f.key}:{f.label}"
)
def test_every_limit_is_the_templates_own(f: Field) -> None:
    """The limit text is on the same template line as the label, and says the same number."""
    assert f.limit is not None
    assert str(f.limit) in f.limit_text
    assert any(norm(f.limit_text) in line and norm(f.label) in line for line in TEMPLATE_LINES)


@pytest.mark.parametrize("section", [s for _, s in SCHEMA.sections() if s.limit], ids=lambda s: s.key)
def test_section_limits(section: Section) -> None:
    assert norm(section.heading_text()) in TEMPLATE


def test_every_limit_in_the_template_is_in_the_schema() -> None:
    owners = [(f.label, f.limit) for _, f, _ in FIELDS if f.limit] + [
        (s.title, s.limit) for _, s in SCHEMA.sections() if s.limit
    ]
    found = 0
    for i, line in enumerate(TEMPLATE_LINES):
        # a table row printed on its own line (分条列出，限 200 字 …) has its header row just above
        context = "".join(TEMPLATE_LINES[max(0, i - 2) : i + 1])
        for match in LIMIT.finditer(line):
            limit = int(next(g for g in match.groups() if g))
            found += 1
            assert any(limit == lim and norm(label) in context for label, lim in owners), (limit, line[:80])
    assert found >= 16


@pytest.mark.parametrize(
    "f", [f for _, f, _ in FIELDS if f.constraint], ids=lambda f: f"{f.key}:{f.constraint}"
)
def test_constraints_are_the_templates_words_and_numbers(f: Field) -> None:
    assert norm(f.constraint) in TEMPLATE
    number = re.search(r"\d+", f.constraint)
    if number:
        single = 1 if f.kind == "choice" else None
        assert int(number.group()) in (f.max_select, f.per_group, f.min_filled, f.max_rows, single)


@pytest.mark.parametrize(
    "f",
    [f for _, f, ours in FIELDS if f.is_choice and not ours and not f.options_supplied and f is not TRACK],
    ids=lambda f: f.key,
)
def test_every_choice_is_in_the_template(f: Field) -> None:
    for group, choice in f.all_choices():
        assert norm(choice.label) in TEMPLATE, choice.label
        if group is not None and not group.label.startswith("("):
            assert norm(group.label) in TEMPLATE, group.label


def test_choice_lists_are_complete_for_the_checkbox_rows() -> None:
    """Each checkbox row of the template lists exactly the schema's options (spot checks by row)."""
    rows = {
        "value_goals": "数据价值目标",
        "product_types": "数据产品和服务类型",
        "update_frequency": "数据更新频率",
        "compute_source": "算力来源",
        "storage_source": "存力来源",
        "algorithm_source": "算法来源",
        "deployment": "项目主要部署方式",
        "service_objects": "项目服务对象",
        "nature": "单位性质",
        "financing_stage": "融资阶段",
        "llm_training_sources": "训练数据来源",
        "modeling": "数据驱动的建模分析方式",
    }
    boxes = re.compile(r'<input type="checkbox"/>\s*([^<\s]+(?: 轮)?)')
    for key, label in rows.items():
        f = next(f for _, f, _ in FIELDS if f.key == key)
        start = TEMPLATE_RAW.index(label)
        segment = TEMPLATE_RAW[start : start + 400]
        segment = re.split(r"\s{3,}\d+\s|<p>\d|\n", segment[len(label) :], maxsplit=1)[0]
        found = [norm(b).rstrip("、,:") for b in boxes.findall(segment)]
        assert found == [norm(c.label) for _, c in f.all_choices()], key


def test_required_flags_follow_the_stars() -> None:
    for part in SCHEMA.parts[:1]:
        for section in part.sections:
            for f in section.fields:
                if f.show_if is not None:
                    continue
                starred = any(
                    "*" in TEMPLATE[max(0, m.start() - 5) : m.start()]
                    for m in re.finditer(re.escape(norm(f.label)), TEMPLATE)
                )
                assert starred == f.required, f.label


def test_tracks_are_the_guides_nine_tracks_with_their_topics() -> None:
    headings = re.findall(r"^#+\s*(赛道[一二三四五六七八九十]+：.+)$", GUIDE_RAW, re.M)
    assert [norm(h) for h in headings] == [norm(g.label) for g in TRACK.groups]
    assert len(TRACK.groups) == 9
    for group in TRACK.groups:
        body = GUIDE_RAW.split(group.label, 1)[1].split("赛道", 1)[0]
        topics = [(n, norm(t)) for n, t in re.findall(r"^(\d+)\.\s*([^：\n]+)：", body, re.M)]
        if len(group.choices) == 1 and not topics:
            assert norm(group.choices[0].label) in norm(group.label)
            continue
        assert topics == [(c.code, norm(c.label)) for c in group.choices], group.label


def test_every_field_kind_has_a_limit_text_when_limited() -> None:
    for _, f, _ in FIELDS:
        assert (f.limit is None) == (not f.limit_text), f.key


# ---- drop-downs, supplements, shared limits, synonyms ---------------------------------------------


def by_key(key: str) -> Field:
    return next(f for _, f, _ in FIELDS if f.key == key)


@pytest.mark.parametrize("key", ["source", "province", "industry"])
def test_the_templates_drop_downs_are_single_choices(key: str) -> None:
    f = by_key(key)
    assert (f.kind, f.dropdown, f.supplied) == ("choice", True, "options")
    assert any(norm(f.label) in line and "下拉菜单" in line for line in TEMPLATE_LINES)


def test_province_is_one_of_the_34_province_level_divisions() -> None:
    labels = [c.label for c in by_key("province").choices]
    assert len(labels) == len(set(labels)) == 34
    assert {"山西省", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区", "北京市"} <= set(labels)
    assert sum(label.endswith("省") for label in labels) == 23
    assert sum(label.endswith("自治区") for label in labels) == 5
    assert sum(label.endswith("特别行政区") for label in labels) == 2


def test_project_source_follows_the_templates_words() -> None:
    labels = [c.label for c in by_key("source").choices]
    assert len(labels) == 33 and labels[-2:] == ["新疆生产建设兵团", "推荐渠道"]
    assert "香港特别行政区" not in labels  # 各省、自治区、直辖市: the 31 of the mainland


def test_industry_is_one_of_the_20_sections_of_gb_t_4754_2017() -> None:
    f = by_key("industry")
    assert [c.code for c in f.choices] == list("ABCDEFGHIJKLMNOPQRST")
    assert f.choices[2].label == "制造业" and f.choices[8].label == "信息传输、软件和信息技术服务业"


def test_every_interpretation_beyond_the_template_is_marked_and_explained() -> None:
    marked = {f.key: f.supplied for _, f, _ in FIELDS if f.supplement}
    for key in ("compute_source", "storage_source", "algorithm_source", "llm_training_sources"):
        assert marked[key] == "kind", key  # checkboxes without 单选/多选, made 多选
    for key in ("source", "province", "industry", "id_type"):
        assert marked[key] == "options", key
    assert marked["contracts"] == "columns"
    assert all(f.supplement_note for _, f, _ in FIELDS if f.supplement)


def test_a_multi_choice_without_the_templates_words_is_a_supplement() -> None:
    """A 多选/单选 that the template does not print next to the field is our decision: marked."""
    for _, f, _ in FIELDS:
        if not f.is_choice or f.supplement or f.constraint:
            continue
        pytest.fail(f"{f.key}: {f.kind} without the template's rule or a supplement mark")


def test_shared_section_limits_are_shown_in_each_parts_question() -> None:
    from assistant.forms.questions import question_text
    from assistant.forms.steps import walk

    steps = {s.id: s for s in walk(SCHEMA, {})}
    for step_id in ("effects.pain_points", "effects.benefits", "business.promotion", "business.sustainability"):
        text = question_text({}, steps[step_id])
        section = steps[step_id].section
        assert f"{section.number}{section.title}" in text and "5000" in text and "合计" in text, text


def test_a_synonym_for_a_missing_option_is_refused(tmp_path: Path) -> None:
    import shutil

    from assistant.errors import ConfigError

    copy = tmp_path / "form_schema"
    shutil.copytree(ROOT / "form_schema", copy)
    synonyms = copy / "shanxi-2025.synonyms.yaml"
    synonyms.write_text(
        synonyms.read_text(encoding="utf-8")
        + "  - {field: units.nature, option: 个体户, say: 个体, note: test}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="没有选项“个体户”"):
        load_schema(copy)


def test_every_synonym_names_an_option_and_carries_a_note() -> None:
    raw = yaml.safe_load((ROOT / "form_schema" / "shanxi-2025.synonyms.yaml").read_text(encoding="utf-8"))
    entries = raw["synonyms"]
    assert entries and all(e["note"] for e in entries)
    aliases = {a for _, f, _ in FIELDS for _, c in f.all_choices() for a in c.aliases}
    assert {e["say"] for e in entries} <= aliases
