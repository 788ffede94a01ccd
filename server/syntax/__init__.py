"""Dockerfile text → model: lexer/parser, shell parse, variable expansion."""
