"""Reading a patient record: the data dictionary, the model built from it, the YAML reader."""
