"""What a screening says: the report, reasons, explanations, to-do, attrition, review."""
