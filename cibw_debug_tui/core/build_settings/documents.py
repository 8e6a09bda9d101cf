"""Workflow YAML and `pyproject.toml` texts from a repository, parsed with limits.

They come from outside: a huge file, a YAML bomb, bad syntax or a value YAML cannot build is a
WorkflowError in words, never a crash or a hang.
"""

from __future__ import annotations

import sys
from typing import Any

MAX_FILE_CHARS = 1_000_000  # GitHub's contents API serves files up to 1 MB inline
MAX_YAML_NODES = 200_000  # after expanding aliases: more is a YAML bomb, not a workflow


class WorkflowError(ValueError):
    """A file that cannot be read, in words."""


def _check_text(text: Any, name: str) -> None:
    if not isinstance(text, str):
        raise WorkflowError(f"{name} is not text")
    if len(text) > MAX_FILE_CHARS:
        raise WorkflowError(f"{name} has {len(text):,} characters, more than {MAX_FILE_CHARS:,}")


def load_yaml(text: str, name: str = "the file") -> Any:
    """`text` parsed as one YAML document. Aliases are allowed (GitHub accepts anchors), but a
    document that expands to more than MAX_YAML_NODES nodes, or refers to itself, is refused."""
    import yaml  # slow to import: only when there is a workflow to read

    _check_text(text, name)
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # reads (and may refuse) the first characters already
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, name)
        return loader.construct_document(node)
    except WorkflowError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "unreadable"
        raise WorkflowError(f"{name} is not valid YAML{where}: {what}") from None
    except yaml.YAMLError as error:
        raise WorkflowError(f"{name} is not valid YAML: {error}") from None
    except RecursionError:
        raise WorkflowError(f"{name} is nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as error:  # a date like 2026-13-45
        raise WorkflowError(f"{name} has a value YAML cannot build: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_expansion(root: Any, name: str) -> None:
    """Count the nodes `root` expands to through its aliases, each shared node once."""
    import yaml

    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise WorkflowError(f"{name} has an alias that refers to itself")
        visiting.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                raise WorkflowError(
                    f"{name} expands to more than {MAX_YAML_NODES:,} values through its "
                    "aliases (a YAML bomb?)"
                )
        visiting.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_pyproject(text: str) -> dict[str, Any]:
    """`text` parsed as TOML (tomllib, or tomli before Python 3.11)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # mypy checks as Python 3.10, where tomli (not installed with 3.11) is used
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    _check_text(text, "pyproject.toml")
    try:
        table: dict[str, Any] = tomllib.loads(text)
        return table
    except tomllib.TOMLDecodeError as error:
        raise WorkflowError(f"pyproject.toml is not valid TOML: {error}") from None
    except RecursionError:
        raise WorkflowError("pyproject.toml is nested too deeply to read") from None
