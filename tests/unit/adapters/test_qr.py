from __future__ import annotations

from xml.etree import ElementTree

import segno

from adapters.security.qr import SegnoQrRenderer

URI = (
    "otpauth://totp/Bastion:ann%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=Bastion"
)
SVG_NS = "{http://www.w3.org/2000/svg}"


def test_the_svg_is_a_standalone_document_without_xml_declaration() -> None:
    svg = SegnoQrRenderer().svg(URI)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG_NS}svg"
    assert int(root.attrib["width"]) == int(root.attrib["height"]) > 0
    assert root.findall(f"{SVG_NS}path")


def test_the_code_is_a_full_qr_sized_for_the_content_with_a_quiet_zone() -> None:
    version = segno.make_qr(URI, error="m").version
    modules = 17 + 4 * int(version) + 2 * 4
    root = ElementTree.fromstring(SegnoQrRenderer().svg(URI))  # noqa: S314 - our own output
    assert int(root.attrib["width"]) == modules * 4


def test_different_data_gives_a_different_image_and_the_same_data_the_same() -> None:
    renderer = SegnoQrRenderer()
    assert renderer.svg(URI) == renderer.svg(URI)
    assert renderer.svg(URI) != renderer.svg(URI.replace("ann", "bob"))
