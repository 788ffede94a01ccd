"""The engine: rule selection, pragmas, configuration, fixes, reports, file discovery."""
