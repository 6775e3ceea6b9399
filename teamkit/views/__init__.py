"""Thin adapters over the library: command-line subcommands, widgets and reports."""
