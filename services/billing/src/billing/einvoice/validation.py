"""Validate UBL against the official artifacts fetched by tools/fetch_validation_artifacts.sh:
the UBL 2.1 XSDs (lxml) and the Peppol BIS 3 / SI-UBL schematron rules, pre-compiled to XSLT
by the phive rules project and run with Saxon (saxonche, XSLT 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

SVRL = "http://purl.oclc.org/dsdl/svrl"
PEPPOL_RELEASE = "2025.11"
SI_UBL_RELEASE = "2.0.3.12"


@dataclass(frozen=True)
class Finding:
    rule: str
    flag: str  # fatal, error, warning, information
    location: str
    text: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.flag in ("fatal", "error")]


class Validator:
    """Compiles each stylesheet once; validating a document is then a transform per rule set."""

    def __init__(self, cache: Path) -> None:
        from saxonche import PySaxonProcessor

        self._cache = cache
        self._processor = PySaxonProcessor(license=False)
        self._compiler = self._processor.new_xslt30_processor()
        self._schemas: dict[str, etree.XMLSchema] = {}
        self._stylesheets: dict[str, object] = {}

    def rule_sets(self, customization: str = "peppol") -> dict[str, Path]:
        if customization == "nlcius":
            return {"SI-UBL 2.0": self._cache / "si-ubl" / f"si-ubl-{SI_UBL_RELEASE}.xslt"}
        base = self._cache / "peppol" / PEPPOL_RELEASE / "xslt"
        return {
            "EN16931": base / "CEN-EN16931-UBL.xslt",
            "Peppol BIS 3": base / "PEPPOL-EN16931-UBL.xslt",
        }

    def xsd_errors(self, xml: bytes) -> list[str]:
        root = etree.fromstring(xml)
        name = "CreditNote" if root.tag.endswith("}CreditNote") else "Invoice"
        if name not in self._schemas:
            path = self._cache / "ubl21" / "maindoc" / f"UBL-{name}-2.1.xsd"
            self._schemas[name] = etree.XMLSchema(etree.parse(str(path)))
        schema = self._schemas[name]
        if schema.validate(root):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]

    def schematron(self, xml: bytes, customization: str = "peppol") -> dict[str, Report]:
        reports = {}
        node = self._processor.parse_xml(xml_text=xml.decode("utf-8"))
        for name, path in self.rule_sets(customization).items():
            if str(path) not in self._stylesheets:
                self._stylesheets[str(path)] = self._compiler.compile_stylesheet(stylesheet_file=str(path))
            svrl = self._stylesheets[str(path)].transform_to_string(xdm_node=node)  # type: ignore[attr-defined]
            reports[name] = parse_svrl(svrl)
        return reports


def parse_svrl(svrl: str) -> Report:
    root = etree.fromstring(svrl.encode("utf-8"))
    findings = []
    for failed in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = "".join(failed.findtext(f"{{{SVRL}}}text") or "").strip()
        findings.append(
            Finding(
                rule=failed.get("id", ""),
                flag=failed.get("flag", "fatal"),
                location=failed.get("location", ""),
                text=text,
            )
        )
    return Report(findings)
