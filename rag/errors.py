"""The one exception tree of the package.

    RagError                      base: catch this to handle every failure of ours
    ├── InputError                a question, file or argument the user gave is not acceptable
    ├── ConfigError               a setting has an impossible value
    ├── CorpusError               the corpus folder is missing or holds nothing indexable
    ├── IndexMissingError         no index where one was expected
    ├── IndexCorruptError         an index is present but unreadable or inconsistent
    ├── IndexBusyError            another process is building the same index
    ├── ModelError                a model file or package is missing, corrupt or will not load
    └── GenerationError           the language model failed while answering

Every message says what failed, the value or path concerned, and how to fix it.
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on purpose. ``zh`` is the same message in
    Chinese, for the Chinese UI; where none was given, ``user_message`` names the kind of
    error in Chinese and keeps the English detail."""

    kind_zh = "出错"

    def __init__(self, message: str = "", zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh

    def user_message(self, chinese: bool = True) -> str:
        if not chinese:
            return str(self)
        return self.zh or f"{self.kind_zh}：{self}"


class InputError(RagError, ValueError):
    """Bad user input: empty or over-long question, unsupported upload, ..."""

    kind_zh = "输入有误"


class ConfigError(RagError):
    """A setting has a value that cannot work."""

    kind_zh = "设置有误"


class CorpusError(RagError):
    """The corpus folder is missing or contains no readable document."""

    kind_zh = "资料有问题"


class IndexMissingError(RagError):
    """No index is present where one was expected."""

    kind_zh = "还没有索引"


class IndexCorruptError(RagError):
    """An index is present but cannot be read or does not match its manifest."""

    kind_zh = "索引损坏"


class IndexBusyError(RagError):
    """Another process holds the index folder's writer lock."""

    kind_zh = "索引正在被另一个进程更新"


class ModelError(RagError):
    """A model file or package is missing, corrupt or fails to load."""

    kind_zh = "模型有问题"


class GenerationError(RagError):
    """The language model failed while generating an answer."""

    kind_zh = "生成回答时出错"
