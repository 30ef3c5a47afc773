"""The one exception tree of the package.

    RagError                      base: catch this to handle every failure of ours
    ├── InputError                a question, file or argument the user gave is not acceptable
    ├── ConfigError               a setting has an impossible value
    ├── CorpusError               the corpus folder is missing or holds nothing indexable
    ├── IndexMissingError         no index where one was expected
    ├── IndexCorruptError         an index is present but unreadable or inconsistent
    ├── ModelError                a model file or package is missing, corrupt or will not load
    └── GenerationError           the language model failed while answering

Every message says what failed, the value or path concerned, and how to fix it.
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(RagError, ValueError):
    """Bad user input: empty or over-long question, unsupported upload, ..."""


class ConfigError(RagError):
    """A setting has a value that cannot work."""


class CorpusError(RagError):
    """The corpus folder is missing or contains no readable document."""


class IndexMissingError(RagError):
    """No index is present where one was expected."""


class IndexCorruptError(RagError):
    """An index is present but cannot be read or does not match its manifest."""


class ModelError(RagError):
    """A model file or package is missing, corrupt or fails to load."""


class GenerationError(RagError):
    """The language model failed while generating an answer."""
