"""Exceptions raised for bad input. Each message names the file, key or row at fault."""


class AnalysisInputError(ValueError):
    """Base class: an input (config, table, ntuple) cannot be used as given."""


class ConfigError(AnalysisInputError):
    """The configuration is malformed; the message names the offending key."""


class TableError(AnalysisInputError):
    """A published table is missing, malformed or has invalid numbers; names file and row."""


class NtupleError(AnalysisInputError):
    """A ROOT ntuple is missing, corrupt or lacks a branch; names the file and branch."""
