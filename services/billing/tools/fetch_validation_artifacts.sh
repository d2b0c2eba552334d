#!/usr/bin/env bash
# Fetch the official e-invoice validation artifacts from Maven Central into a git-ignored cache:
#   - UBL 2.1 XSDs (inside com.helger.ubl:ph-ubl21) and the schemas they import by namespace only
#     (CCTS, XML-DSig, XAdES: com.helger.xsd:ph-xsds-*), wired together with schemaLocation
#   - Peppol BIS Billing 3.0 rules, pre-compiled to XSLT (com.helger.phive.rules:phive-rules-peppol)
#   - SI-UBL 2.0 / NLCIUS rules, pre-compiled to XSLT (com.helger.phive.rules:phive-rules-simplerinvoicing)
# Idempotent: a complete cache (marker file) is reused. Prints the cache directory on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
CACHE="${LLO_EINVOICE_CACHE:-$ROOT/.cache/einvoice}"
PHIVE_VERSION="4.2.0"
UBL_VERSION="9.0.0"
XSDS_VERSION="3.0.0"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
ARTIFACTS=(
  "com.helger.ubl:ph-ubl21:${UBL_VERSION}"
  "com.helger.phive.rules:phive-rules-peppol:${PHIVE_VERSION}"
  "com.helger.phive.rules:phive-rules-simplerinvoicing:${PHIVE_VERSION}"
  "com.helger.xsd:ph-xsds-ccts-cct-schemamodule:${XSDS_VERSION}"
  "com.helger.xsd:ph-xsds-xmldsig:${XSDS_VERSION}"
  "com.helger.xsd:ph-xsds-xades132:${XSDS_VERSION}"
  "com.helger.xsd:ph-xsds-xades141:${XSDS_VERSION}"
)
# namespace -> schema file, for the imports that ph-ubl resolves through a catalogue instead
IMPORTED=(
  "urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2=CCTS_CCT_SchemaModule.xsd"
  "http://www.w3.org/2000/09/xmldsig#=xmldsig-core-schema.xsd"
  "http://uri.etsi.org/01903/v1.3.2#=XAdES01903v132-201601.xsd"
  "http://uri.etsi.org/01903/v1.4.1#=XAdES01903v141-201601.xsd"
)
MARKER="$CACHE/.complete-${PHIVE_VERSION}-${UBL_VERSION}-${XSDS_VERSION}"

if [[ -f "$MARKER" ]]; then
  echo "$CACHE"
  exit 0
fi

command -v mvn >/dev/null || { echo "mvn not found: install Maven (apt-get install -y maven)" >&2; exit 2; }
command -v unzip >/dev/null || { echo "unzip not found: apt-get install -y unzip" >&2; exit 2; }

mkdir -p "$CACHE/jars"
for artifact in "${ARTIFACTS[@]}"; do
  if ! mvn -q -B "$DEPENDENCY_PLUGIN:copy" -Dartifact="$artifact" -DoutputDirectory="$CACHE/jars" \
      >"$CACHE/mvn.log" 2>&1; then
    echo "mvn dependency:copy failed for $artifact (see $CACHE/mvn.log)" >&2
    tail -20 "$CACHE/mvn.log" >&2
    exit 1
  fi
done

# Only the rule and schema files are needed; the Java classes stay in the jars.
rm -rf "$CACHE/ubl21" "$CACHE/peppol" "$CACHE/si-ubl"
unzip -q -o "$CACHE/jars/ph-ubl21-${UBL_VERSION}.jar" 'external/schemas/ubl21/*' -d "$CACHE/tmp-ubl"
mv "$CACHE/tmp-ubl/external/schemas/ubl21" "$CACHE/ubl21"
unzip -q -o "$CACHE/jars/phive-rules-peppol-${PHIVE_VERSION}.jar" 'external/schematron/openpeppol/*' -d "$CACHE/tmp-peppol"
mv "$CACHE/tmp-peppol/external/schematron/openpeppol" "$CACHE/peppol"
unzip -q -o "$CACHE/jars/phive-rules-simplerinvoicing-${PHIVE_VERSION}.jar" 'external/schematron/simplerinvoicing/*' -d "$CACHE/tmp-si"
mv "$CACHE/tmp-si/external/schematron/simplerinvoicing" "$CACHE/si-ubl"
rm -rf "$CACHE/tmp-ubl" "$CACHE/tmp-peppol" "$CACHE/tmp-si"
mkdir -p "$CACHE/ubl21/imported"
for jar in "$CACHE"/jars/ph-xsds-*-"${XSDS_VERSION}".jar; do
  unzip -q -o -j "$jar" 'schemas/*.xsd' -d "$CACHE/ubl21/imported"
done
for pair in "${IMPORTED[@]}"; do
  namespace="${pair%%=*}"
  location="$CACHE/ubl21/imported/${pair#*=}"
  find "$CACHE/ubl21" -name '*.xsd' -print0 | xargs -0 perl -0pi -e \
    "s{<xsd:import\\s+namespace=\"\\Q${namespace}\\E\"\\s*/>}{<xsd:import namespace=\"${namespace}\" schemaLocation=\"${location}\"/>}g"
done

for needed in ubl21/maindoc/UBL-Invoice-2.1.xsd ubl21/maindoc/UBL-CreditNote-2.1.xsd; do
  [[ -f "$CACHE/$needed" ]] || { echo "missing $needed after extraction" >&2; exit 1; }
done
touch "$MARKER"
echo "$CACHE"
