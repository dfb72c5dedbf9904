"""Import of the legacy case spreadsheet (xlsx/csv): read, map columns, validate, dry run, import."""
