"""Word fields python-docx has no API for: the page number in a footer, a 目录 (TOC), update on open."""

from __future__ import annotations

from docx.document import Document as DocumentType
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm
from docx.text.paragraph import Paragraph

TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'  # heading levels 1–2, as hyperlinks, Word's defaults
TOC_STYLE = "toc {level}"  # Word's built-in names for 目录 entries
TOC_INDENT_CM = 0.74  # two Chinese characters a level
_AFTER_UPDATE_FIELDS = (  # w:settings children that follow w:updateFields (ECMA-376 CT_Settings)
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
    "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
)


def _field_char(para: Paragraph, kind: str) -> None:
    run = para.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._r.append(char)


def _instruction(para: Paragraph, code: str) -> None:
    run = para.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    run._r.append(instr)


def add_page_number(section: Section) -> None:
    """A centred PAGE field in the section's footer (shown as 1 until Word or LibreOffice lays it out)."""
    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field_char(para, "begin")
    _instruction(para, "PAGE")
    _field_char(para, "separate")
    para.add_run("1")
    _field_char(para, "end")


def _toc_style(doc: DocumentType, level: int) -> str:
    name = TOC_STYLE.format(level=level)
    if name not in [s.name for s in doc.styles]:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.paragraph_format.left_indent = Cm(TOC_INDENT_CM * (level - 1))
    return name


def add_toc(doc: DocumentType, entries: list[tuple[int, str]], placeholder: str) -> None:
    """A TOC field whose shown result is `entries` (level, text) until Word updates it with page numbers."""
    lines = entries or [(1, placeholder)]
    last = len(lines) - 1
    for n, (level, text) in enumerate(lines):
        para = doc.add_paragraph(style=_toc_style(doc, level))
        if n == 0:
            _field_char(para, "begin")
            _instruction(para, TOC_INSTRUCTION)
            _field_char(para, "separate")
        para.add_run(text)
        if n == last:
            _field_char(para, "end")


def update_fields_on_open(doc: DocumentType) -> None:
    """Ask Word to refresh every field (the 目录's page numbers) when the file is opened."""
    settings = doc.settings.element
    update = settings.find(qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        # Word rejects settings out of schema order: updateFields goes before the first of these
        after = {qn(f"w:{tag}") for tag in _AFTER_UPDATE_FIELDS}
        later = [el for el in settings if el.tag in after]
        if later:
            later[0].addprevious(update)
        else:
            settings.append(update)
    update.set(qn("w:val"), "true")
