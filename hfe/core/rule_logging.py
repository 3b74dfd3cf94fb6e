"""Logging of a rule script: messages and any uncaught exception go to the rule's log file."""

from __future__ import annotations

import logging
import sys


def log_to(path: str) -> logging.Logger:
    """Send INFO messages to ``path`` (the rule's ``log:``) and record an uncaught exception
    there, with its traceback, before Python reports it on stderr as usual."""
    logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(message)s", force=True)
    previous = sys.excepthook

    def record(kind, error, traceback):
        logging.getLogger("rule").error("uncaught exception", exc_info=(kind, error, traceback))
        previous(kind, error, traceback)

    sys.excepthook = record
    return logging.getLogger("rule")
