"""Reading HL7 FHIR R4 (mCODE) exports into the record: small lenient models of the few
resources read, Bundles and bulk NDJSON grouped by patient, and the mapping driven by the
data dictionary's codes."""
