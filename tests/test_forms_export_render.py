"""The exported Word file as a reader sees it: rendered by LibreOffice headless to PDF and PNG pages.

Needs Debian's libreoffice-writer-nogui and poppler-utils (`scripts/ensure_office.sh`, run by
`make test`). Without them the tests are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from test_forms_export import SCHEMA, TEMPLATE_TITLE, norm, template_sequence
from test_forms_walk import make_service, walk_whole_template

TOOLS = ("soffice", "pdfinfo", "pdftotext", "pdftoppm")
A4_PT = (595.3, 841.9)
TIMEOUT_S = 180


@dataclass
class Rendered:
    pages: list[str]  # the text of each page, in reading order
    laid_out: list[str]  # the same, line by line from the top of the page down (pdftotext -layout)
    page_size: tuple[float, float]
    pngs: list[Path]


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        message = f"需要 LibreOffice 与 poppler-utils（缺少 {', '.join(missing)}）：运行 scripts/ensure_office.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("render")
    service = make_service(work)
    token = walk_whole_template(service)
    (work / "申报书.docx").write_bytes(service.export(token, "docx").data)
    profile = (work / "lo-profile").as_uri()  # a fresh profile: no clash with another running office
    run(
        "soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
        "--convert-to", "pdf", "--outdir", work, work / "申报书.docx", cwd=work,
    )  # fmt: skip
    pdf = work / "申报书.pdf"
    info = run("pdfinfo", pdf, cwd=work)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    pages = split_pages(run("pdftotext", "-enc", "UTF-8", pdf, "-", cwd=work))
    laid_out = split_pages(run("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-", cwd=work))
    run("pdftoppm", "-r", "40", "-png", pdf, work / "page", cwd=work)
    pngs = sorted(work.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    return Rendered(pages, laid_out, (float(size.group(1)), float(size.group(2))), pngs)


def split_pages(text: str) -> list[str]:
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


def test_rendered_pages_are_a4(rendered: Rendered) -> None:
    width, height = rendered.page_size
    assert abs(width - A4_PT[0]) < 1 and abs(height - A4_PT[1]) < 1
    assert len(rendered.pages) >= 5


def test_every_rendered_page_ends_with_its_number(rendered: Rendered) -> None:
    assert [lines(page)[-1] for page in rendered.laid_out] == [str(n) for n in range(1, len(rendered.pages) + 1)]


def test_rendered_cover_and_contents_have_their_own_pages(rendered: Rendered) -> None:
    cover, contents, first = (norm(page) for page in rendered.pages[:3])
    assert cover.startswith(norm(TEMPLATE_TITLE)) and norm("团队名称：智煤数据团队") in cover
    assert norm(SCHEMA.parts[0].title) not in cover
    assert contents.startswith("目录") and norm(SCHEMA.parts[1].title) in contents
    assert "*项目名称" not in contents
    assert first.startswith(norm(SCHEMA.parts[0].title))


def test_rendered_headings_and_tables_come_in_the_template_order(rendered: Rendered) -> None:
    expected = template_sequence()
    assert expected[:2] == [norm(TEMPLATE_TITLE), "目录"]
    text = norm("".join(rendered.pages[2:]))  # the body, after the cover and the 目录
    at = 0
    for token in expected[2:]:
        found = text.find(token, at)
        assert found >= 0, f"“{token}” not found after position {at}"
        at = found + len(token)


def test_rendered_pngs_are_a4_pages_with_ink(rendered: Rendered) -> None:
    assert len(rendered.pngs) == len(rendered.pages)
    for path in rendered.pngs:
        with Image.open(path) as image:
            assert abs(image.height / image.width - A4_PT[1] / A4_PT[0]) < 0.01
            darkest, _ = image.convert("L").getextrema()
            assert darkest < 128  # text was drawn, the page is not blank
