"""The language server: the only layer that imports the LSP libraries."""
