"""Render real published texts (tests/data/real) into the formats a service centre receives.

Each generator writes a real file the readers must get the text back from: a skewed, noisy,
stamped scan wrapped in a PDF without a text layer; a Word file with a header, a numbered
list and the contacts in a table; a government page saved with its chrome; a GBK text
file; an Excel list; a pinyin-annotated traditional page copied from a mirror site.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

REAL = Path(__file__).parent / "data" / "real"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX_SC = 2  # Noto Sans CJK SC inside the collection


def _font(size: int) -> Any:
    """Noto Sans CJK SC at ``size`` px; the test is skipped, saying why, where it is missing
    (``.ci/run`` installs it)."""
    import pytest
    from PIL import ImageFont

    if not FONT.is_file():
        pytest.skip(f"{FONT} missing: apt-get install fonts-noto-cjk (.ci/run does)")
    return ImageFont.truetype(str(FONT), size, index=FONT_INDEX_SC)


def real_text(name: str) -> str:
    """A stored real text without its source header."""
    raw = (REAL / name).read_text(encoding="utf-8")
    return raw.split("\n---\n", 1)[1].strip()


def simplified(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("t2s").convert(text))


def char_accuracy(got: str, expected: str) -> float:
    """1 - edit distance / length, over the texts without whitespace, with full- and
    half-width punctuation treated alike (a scan cannot show which one was typed)."""

    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKC", s)
        return "".join(c for c in s if not c.isspace())

    a, b = norm(got), norm(expected)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(len(b), 1)


# --- scans -------------------------------------------------------------------------------


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if draw.textlength(current + ch, font=font) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    return [*lines, current] if current else lines


def render_scan(lines: list[str], *, stamp: str, seed: int = 7, skew: float = 1.3, dpi: int = 150):
    """A page image of a notice: title centred, body wrapped, signature right, a red seal
    over the signature, then skewed and sprinkled with scanner noise."""
    import numpy as np
    from PIL import Image, ImageDraw

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    body = _font(int(dpi / 6))
    head = _font(int(dpi / 4.6))
    margin, y = int(dpi * 0.9), int(dpi * 1.0)
    title, *rest = lines
    for part in _wrap(draw, title, head, width - 2 * margin):
        x = (width - draw.textlength(part, font=head)) / 2
        draw.text((x, y), part, font=head, fill=(20, 20, 20))
        y += int(head.size * 1.7)
    y += int(body.size * 0.6)
    signature_at = (0, 0)
    for i, line in enumerate(rest):
        is_signature = i >= len(rest) - 2
        if is_signature:
            x = width - margin - draw.textlength(line, font=body) - dpi * 0.4
            draw.text((x, y), line, font=body, fill=(25, 25, 25))
            signature_at = (int(x + draw.textlength(line, font=body) / 2), y)
            y += int(body.size * 1.8)
            continue
        indent = 0 if line.endswith((":", "：")) else 2 * body.size
        for k, part in enumerate(_wrap(draw, line, body, width - 2 * margin - indent)):
            draw.text((margin + (indent if k == 0 else 0), y), part, font=body, fill=(25, 25, 25))
            y += int(body.size * 1.8)
    page = _stamp(page, signature_at, stamp, dpi)
    page = page.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor="white")
    rng = np.random.default_rng(seed)
    arr = np.asarray(page).astype(np.int16)
    arr += rng.normal(0, 14, arr.shape[:2])[..., None].astype(np.int16)  # sensor noise
    specks = rng.random(arr.shape[:2]) < 0.0015  # dust
    arr[specks] = 40
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _stamp(page, centre: tuple[int, int], text: str, dpi: int):
    """A seal in red ink: multiplied onto the page, so the black text under it stays
    visible, as ink on paper does."""
    from PIL import Image, ImageChops, ImageDraw

    layer = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(layer)
    red = (215, 35, 40)
    r = int(dpi * 0.75)
    cx, cy = centre[0], centre[1] + int(dpi * 0.1)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=int(dpi / 25))
    star = _font(int(dpi / 2.5))
    draw.text((cx, cy), "★", font=star, fill=red, anchor="mm")
    small = _font(int(dpi / 7))
    draw.text((cx, cy - int(r * 0.55)), text, font=small, fill=red, anchor="mm")
    return ImageChops.multiply(page, layer)


def make_scan_pdf(path: Path, pages: list) -> Path:
    """A PDF whose pages are only JPEG images (no text layer), as a scanner writes it."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for image in pages:
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=72)
        buf.seek(0)
        pdf.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return path


# --- Word ----------------------------------------------------------------------------------


def make_contacts_docx(path: Path, text: str, *, header: str) -> Path:
    """The consultation notice as Word: a page header, a heading, the body, the contacts as
    a label/value table, and the issuer and date."""
    from docx import Document

    lines = text.split("\n")
    title, body = lines[0], lines[1:]
    contacts = [ln for ln in body if ln.startswith(("联系人", "电 话", "邮 箱"))]
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = header
    doc.add_heading(title, level=1)
    for line in body:
        if line in contacts:
            continue
        doc.add_paragraph(line)
        if line.startswith("公开征求意见期限"):
            table = doc.add_table(rows=len(contacts), cols=2)
            for r, line2 in enumerate(contacts):
                label, value = line2.split(":", 1)
                table.cell(r, 0).text = label.replace(" ", "")
                table.cell(r, 1).text = value.replace(" ", "")
    doc.save(str(path))
    return path


def make_numbered_docx(path: Path, text: str) -> Path:
    """The 9th-batch notice as Word with its three points as a real numbered list (Word's
    own numbering, not typed numbers) and the contacts in a table under a header row."""
    from docx import Document

    lines = text.split("\n")
    doc = Document()
    doc.add_heading(lines[0], level=1)
    contacts = []
    for line in lines[1:]:
        if line[:2] in ("1、", "2、", "3、"):
            doc.add_paragraph(line[2:], style="List Number")
        elif line.startswith(("联系电话", "电子信箱")):
            contacts.append(line.split(":", 1))
        else:
            doc.add_paragraph(line)
    table = doc.add_table(rows=2, cols=3)
    for c, head in enumerate(["处室", "联系电话", "电子信箱"]):
        table.cell(0, c).text = head
    for c, value in enumerate(["科技管理处", contacts[0][1], contacts[1][1]]):
        table.cell(1, c).text = value
    doc.save(str(path))
    return path


# --- web pages -----------------------------------------------------------------------------

GOV_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}_山东省工业和信息化厅</title>
<script>var _hmt = _hmt || [];</script></head>
<body>
<div class="top"><a href="/">网站首页</a> <a href="/col/zwgk">政务公开</a>
<a href="/col/bs">政务服务</a>
<a href="/col/hd">互动交流</a> <a href="/col/zt">专题专栏</a></div>
<div class="nav"><ul><li><a href="/a">机构概况</a></li><li><a href="/b">政策文件</a></li>
<li><a href="/c">通知公告</a></li><li><a href="/d">工作动态</a></li></ul></div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 政策文件 &gt; 通知公告</div>
<table class="xxgk"><tr><td>索引号：</td><td>11370000004186022J/2020-00217</td>
<td>发布机构：</td><td>{issuer}</td></tr>
<tr><td>成文日期：</td><td>{date}</td><td>发文字号：</td><td>{doc_no}</td></tr>
<tr><td>标题：</td><td colspan="3">{title}</td></tr></table>
<div class="article"><h1>{title}</h1>
{paragraphs}
</div>
<div class="share">分享到： <a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="tools">【字体：<a>大</a> <a>中</a> <a>小</a>】 <a>打印本页</a> <a>关闭窗口</a></div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/x">山东省人民政府</a></li>
<li><a href="/y">工业和信息化部</a></li></ul></div>
<div class="footer"><p>主办单位：山东省工业和信息化厅 版权所有</p>
<p>鲁ICP备05004543号-1 网站标识码：3700000068 鲁公网安备 37010202000545号</p></div>
</body></html>"""


def make_gov_page(
    path: Path,
    *,
    title: str,
    issuer: str,
    date: str,
    doc_no: str,
    body: list[str],
    charset: str = "utf-8",
) -> Path:
    """A government article page with its navigation, breadcrumbs, metadata table, share bar,
    tools and footer, saved as the browser saves it (in the page's own charset)."""
    import html

    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    page = GOV_PAGE.format(
        charset=charset,
        title=html.escape(title),
        issuer=issuer,
        date=date,
        doc_no=doc_no,
        paragraphs=paragraphs,
    )
    path.write_bytes(page.encode("gb18030" if charset.lower() in ("gbk", "gb2312") else charset))
    return path


def make_mhtml(path: Path, html_text: str) -> Path:
    """A single-file web archive (.mhtml) holding one HTML part."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    archive = MIMEMultipart("related")
    archive["Snapshot-Content-Location"] = "http://gxt.shandong.gov.cn/art/2020/12/11/x.html"
    archive.attach(MIMEText(html_text, "html", "utf-8"))
    path.write_bytes(archive.as_bytes())
    return path


# --- copied pages ----------------------------------------------------------------------------


def mirror_page_text(text: str) -> str:
    """A page copied as text from a mirror site: contact banner, breadcrumbs and share bar
    above the article, the editor line and a footer below."""
    chrome_top = [
        "0310-3111082 3047798688@qq.com",
        "首页 > 法律法规 > 政策发布 > 正文",
        "收藏 公众号",
    ]
    chrome_bottom = ["责任编辑：小王", "Copyright © 2022 版权所有 冀ICP备2021000000号"]
    return "\n".join([*chrome_top, text, *chrome_bottom])


# --- spreadsheets ----------------------------------------------------------------------------

RECOGNISED = [
    # (企业名称, 称号, 年度, 认定文件, 发布机构) — every value from the notices in data/real
    (
        "北谷电子有限公司",
        "省级“专精特新”中小企业",
        "2020",
        "鲁工信创〔2020〕217号",
        "山东省工业和信息化厅",
    ),
    (
        "济南东测试验机技术有限公司",
        "省级“专精特新”中小企业（通过复核）",
        "2020",
        "鲁工信创〔2020〕217号",
        "山东省工业和信息化厅",
    ),
    ("济南一农化工有限公司", "山东省“专精特新”中小企业", "2022", "", "山东省工业和信息化厅"),
    (
        "济南市莱芜盛腾包装科技有限公司",
        "山东省“专精特新”中小企业（通过复核）",
        "2022",
        "",
        "山东省工业和信息化厅",
    ),
    (
        "青州市坦博尔服饰股份有限公司",
        "第一批“好品山东”品牌",
        "",
        "",
        "山东省质量强省及品牌战略推进工作领导小组办公室",
    ),
    (
        "青州市隆盛食品有限公司",
        "第一批“好品山东”品牌",
        "",
        "",
        "山东省质量强省及品牌战略推进工作领导小组办公室",
    ),
    (
        "山东联科科技股份有限公司",
        "第一批“好品山东”品牌",
        "",
        "",
        "山东省质量强省及品牌战略推进工作领导小组办公室",
    ),
]
HEADERS = ["序号", "企业名称", "称号", "认定年度", "认定文件", "发布机构"]


def make_recognised_xlsx(path: Path) -> Path:
    """A staff list of recognised companies: a title row, then a header row, then data."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "已认定企业"
    sheet.append(["山东省已认定企业名单（专精特新、好品山东）"])
    sheet.append(HEADERS)
    for i, row in enumerate(RECOGNISED, 1):
        sheet.append([i, *row])
    book.save(str(path))
    return path
