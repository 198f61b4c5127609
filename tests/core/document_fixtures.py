"""Build small Word questionnaires for tests, with the layouts procurement teams send.

The questions are written for these tests in the plain style of Vouch's own answer bank;
tests/core/test_public_formats.py builds larger ones from public question text in ../shared.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
FAKE_VBA = b"\xd0\xcf\x11\xe0VBA project bytes that must come back unchanged" * 20
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)

QUESTIONS = (
    ("GOV-01", "Do you maintain an information security policy approved by management?"),
    ("GOV-02", "Is the information security policy reviewed at least annually?"),
    ("IAM-01", "Do you enforce multi-factor authentication for administrative access?"),
    ("IAM-02", "Are user access rights reviewed periodically?"),
    ("CRY-01", "Is customer data encrypted at rest?"),
    ("CRY-02", "Is data encrypted in transit over public networks using TLS?"),
    ("LOG-01", "Do you centrally collect and retain security logs?"),
    ("VUL-01", "Do you perform regular vulnerability scans of your production systems?"),
)


def run(text: str, *, bold: bool = False, font: str = "") -> str:
    """Return a run of text with optional bold and font."""
    properties = ""
    if bold or font:
        properties = "<w:rPr>"
        properties += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/>' if font else ""
        properties += "<w:b/>" if bold else ""
        properties += "</w:rPr>"
    return f'<w:r>{properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(content: str = "", *, style: str = "") -> str:
    """Return a paragraph holding the given runs."""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}{content}</w:p>"


def heading(text: str) -> str:
    """Return a Heading 1 paragraph."""
    return paragraph(run(text), style="Heading1")


def cell(content: str = "", *, span: int = 1, vmerge: str | None = None) -> str:
    """Return a table cell; content is runs (wrapped in one paragraph) or whole paragraphs."""
    properties = ""
    if span > 1 or vmerge is not None:
        properties = "<w:tcPr>"
        properties += f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        if vmerge == "restart":
            properties += '<w:vMerge w:val="restart"/>'
        elif vmerge is not None:
            properties += "<w:vMerge/>"
        properties += "</w:tcPr>"
    body = (
        content
        if content.startswith("<w:p") or content.startswith("<w:tbl")
        else paragraph(content)
    )
    if not body.endswith("</w:p>") and not body.endswith("<w:p/>"):
        body += "<w:p/>"
    return f"<w:tc>{properties}{body}</w:tc>"


def row(*cells: str, header: bool = False) -> str:
    """Return a table row; a header row repeats on every page."""
    properties = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    return f"<w:tr>{properties}{''.join(cells)}</w:tr>"


def table(*rows: str, columns: int) -> str:
    """Return a table of that many grid columns."""
    grid = "".join('<w:gridCol w:w="2000"/>' for _ in range(columns))
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def dropdown(items: tuple[str, ...], *, prompt: str = "Choose an item.") -> str:
    """Return a run-level drop-down content control showing its placeholder."""
    listed = "".join(
        f'<w:listItem w:displayText="{escape(item)}" w:value="{escape(item)}"/>' for item in items
    )
    return (
        '<w:sdt><w:sdtPr><w:alias w:val="Answer"/><w:id w:val="1001"/><w:showingPlcHdr/>'
        f"<w:dropDownList>{listed}</w:dropDownList></w:sdtPr><w:sdtContent>"
        '<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
        f"<w:t>{escape(prompt)}</w:t></w:r></w:sdtContent></w:sdt>"
    )


def checkbox(checked: bool = False) -> str:
    """Return a w14:checkbox content control."""
    symbol = "☒" if checked else "☐"
    return (
        '<w:sdt><w:sdtPr><w:id w:val="2002"/><w14:checkbox>'
        f'<w14:checked w14:val="{1 if checked else 0}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        "</w14:checkbox></w:sdtPr><w:sdtContent>"
        '<w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic"/>'
        f"</w:rPr><w:t>{symbol}</w:t></w:r></w:sdtContent></w:sdt>"
    )


def document_xml(body: str) -> str:
    """Return document.xml around a body, with a section that points at a header and footer."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}" xmlns:w14="{W14}" xmlns:r="{R}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'mc:Ignorable="w14">'
        f"<w:body>{body}"
        '<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader"/>'
        '<w:footerReference w:type="default" r:id="rIdFooter"/>'
        '<w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )


def package(body: str, *, macro: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    """Zip a document with styles, header, footer, comments, custom XML and an image."""
    main = DOCM_MAIN if macro else DOCX_MAIN
    overrides = {
        "/word/document.xml": main,
        "/word/styles.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
        "/word/header1.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
        "/word/footer1.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        "/word/comments.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
    }
    if macro:
        overrides["/word/vbaProject.bin"] = "application/vnd.ms-office.vbaProject"
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        + "".join(f'<Override PartName="{k}" ContentType="{v}"/>' for k, v in overrides.items())
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    document_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdStyles" Type="{rel}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rIdHeader" Type="{rel}/header" Target="header1.xml"/>'
        f'<Relationship Id="rIdFooter" Type="{rel}/footer" Target="footer1.xml"/>'
        f'<Relationship Id="rIdComments" Type="{rel}/comments" Target="comments.xml"/>'
        f'<Relationship Id="rIdImage" Type="{rel}/image" Target="media/image1.png"/>'
        + (
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/>'
            if macro
            else ""
        )
        + "</Relationships>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:styles xmlns:w="{W}">'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr>'
        '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>'
        '<w:style w:type="character" w:styleId="PlaceholderText"><w:name w:val="Placeholder Text"/>'
        '<w:rPr><w:color w:val="808080"/></w:rPr></w:style>'
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>'
        "</w:styles>"
    )
    header = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W}">'
        "<w:p><w:r><w:t>Vendor security questionnaire — CONFIDENTIAL</w:t></w:r></w:p></w:hdr>"
    )
    footer = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W}">'
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
        ' PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>'
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments xmlns:w="{W}">'
        '<w:comment w:id="0" w:author="Procurement" w:date="2026-01-05T10:00:00Z">'
        "<w:p><w:r><w:t>Answer every question.</w:t></w:r></w:p></w:comment></w:comments>"
    )
    custom = b'<?xml version="1.0"?><deal xmlns="urn:example:deal"><id>ACME-2026-17</id></deal>'
    parts: dict[str, bytes] = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": rels.encode(),
        "word/document.xml": document_xml(body).encode(),
        "word/_rels/document.xml.rels": document_rels.encode(),
        "word/styles.xml": styles.encode(),
        "word/header1.xml": header.encode(),
        "word/footer1.xml": footer.encode(),
        "word/comments.xml": comments.encode(),
        "word/media/image1.png": PNG,
        "customXml/item1.xml": custom,
    }
    if macro:
        parts["word/vbaProject.bin"] = FAKE_VBA
    parts.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def header_row() -> str:
    """Return the repeated header row of the main questionnaire tables."""
    return row(
        cell(run("No.", bold=True)),
        cell(run("Question", bold=True)),
        cell(run("Response", bold=True)),
        cell(run("Comments", bold=True)),
        header=True,
    )


def questionnaire_body() -> str:
    """Return a vendor questionnaire body: a document-control table, then question tables."""
    control = table(
        row(cell(run("Version")), cell(run("Date")), cell(run("Author"))),
        row(cell(run("1.2")), cell(run("2026-01-05")), cell(run("Procurement"))),
        columns=3,
    )
    (gov1, q_gov1), (gov2, q_gov2), (iam1, q_iam1), (iam2, q_iam2) = QUESTIONS[:4]
    (cry1, q_cry1), (cry2, q_cry2), (log1, q_log1), (vul1, q_vul1) = QUESTIONS[4:]
    first = table(
        header_row(),
        row(cell(run("Governance", bold=True), span=4)),
        # row 3: a plain answer cell, formatted in Arial
        row(
            cell(run(gov1)),
            cell(run(q_gov1)),
            cell(
                '<w:p><w:pPr><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/></w:rPr></w:pPr></w:p>'
            ),
            cell(),
        ),
        # row 4: a drop-down content control
        row(cell(run(gov2)), cell(run(q_gov2)), cell(dropdown(("Yes", "No", "N/A"))), cell()),
        row(cell(run("Identity and access", bold=True), span=4)),
        # row 6: text check boxes in one run
        row(cell(run(iam1)), cell(run(q_iam1)), cell(run("☐ Yes ☐ No ☐ N/A")), cell()),
        # row 7: w14 check boxes, each followed by its label
        row(
            cell(run(iam2)),
            cell(run(q_iam2)),
            cell(checkbox() + run(" Yes  ") + checkbox() + run(" No  ") + checkbox() + run(" N/A")),
            cell(),
        ),
        columns=4,
    )
    second = table(
        # a table split by a heading: no header row of its own
        row(cell(run(cry1)), cell(run(q_cry1)), cell(), cell()),
        row(
            cell(run(cry2)),
            cell(run(q_cry2)),
            cell(
                '<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>&lt;Answer&gt;</w:t></w:r>'
                '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
            ),
            cell(),
        ),
        columns=4,
    )
    choice = table(
        row(
            cell(run("Question")),
            cell(run("Yes")),
            cell(run("No")),
            cell(run("N/A")),
            header=True,
        ),
        row(cell(run(q_log1)), cell(run("☐")), cell(run("☐")), cell(run("☐"))),
        row(cell(run(q_vul1)), cell(run("☐")), cell(run("☐")), cell(run("☐"))),
        columns=4,
    )
    nested_inner = table(
        row(cell(run("Question")), cell(run("Answer"))),
        row(cell(run("Do you have a documented incident response plan?")), cell()),
        columns=2,
    )
    outer = table(
        row(cell(run("Appendix")), cell(nested_inner)),
        columns=2,
    )
    return (
        paragraph(run("Vendor Security Addendum", bold=True), style="Title")
        + control
        + heading("1. Security programme")
        + first
        + heading("2. Data protection")
        + second
        + heading("3. Operations")
        + choice
        + heading("4. Incident response")
        + outer
        + paragraph(run("Signed for the vendor: ____"))
    )


def questionnaire_docx(*, macro: bool = False) -> bytes:
    """Return the main test questionnaire as a .docx (or .docm with a fake VBA project)."""
    return package(questionnaire_body(), macro=macro)
