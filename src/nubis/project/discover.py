"""Finding and loading a project's definition in a folder.

The first file found, in this order, is loaded: ``serverless.yml``, ``serverless.yaml``, ``template.yaml``,
``template.yml``, ``template.json``, ``openapi.yaml``, ``openapi.yml``, ``openapi.json``, ``nubis_app.py``. The order
puts the files that define the most (functions, APIs, tables) first; when several exist, the others are named in a
warning rather than merged, since two definitions of one project would disagree. A folder with none is not an error:
``load_project`` returns None and the server serves tables only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from nubis.project._source import read_document
from nubis.project.errors import ProjectError
from nubis.project.loaders._options import LoadOptions
from nubis.project.loaders.openapi import load_openapi
from nubis.project.loaders.python import load_python
from nubis.project.loaders.sam import load_sam
from nubis.project.loaders.serverless import load_serverless
from nubis.project.model import Project

__all__ = ["DEFINITION_FILES", "find_definition", "load_file", "load_project"]

Loader = Callable[[Path, LoadOptions | None, Path | None], Project]

DEFINITION_FILES: tuple[tuple[str, Loader], ...] = (
    ("serverless.yml", load_serverless),
    ("serverless.yaml", load_serverless),
    ("template.yaml", load_sam),
    ("template.yml", load_sam),
    ("template.json", load_sam),
    ("openapi.yaml", load_openapi),
    ("openapi.yml", load_openapi),
    ("openapi.json", load_openapi),
    ("nubis_app.py", load_python),
)


def find_definition(folder: Path) -> Path | None:
    """The definition file ``load_project`` would load, or None."""
    for name, _loader in DEFINITION_FILES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _sniff(path: Path, base: Path | None) -> Loader:
    if path.suffix == ".py":
        return load_python
    data = read_document(path, base).data
    if isinstance(data, Mapping):
        if "openapi" in data or "swagger" in data:
            return load_openapi
        if "Resources" in data or "AWSTemplateFormatVersion" in data:
            return load_sam
        if "service" in data and "provider" in data:
            return load_serverless
    raise ProjectError(
        "unknown-format",
        "not a serverless.yml, SAM/CloudFormation template, OpenAPI document or nubis_app.py",
        file=path.name,
    )


def load_file(path: Path, options: LoadOptions | None = None, base: Path | None = None) -> Project:
    """Loads one definition file, choosing the loader by its name or, failing that, by its content."""
    for name, loader in DEFINITION_FILES:
        if path.name == name:
            return loader(path, options, base)
    return _sniff(path, base)(path, options, base)


def load_project(folder: Path, options: LoadOptions | None = None) -> Project | None:
    """Loads the definition in ``folder``; None when there is none.

    Raises:
        ProjectError: the definition exists but is wrong (file, line and key in the message).
    """
    folder = Path(folder)
    found = [folder / name for name, _ in DEFINITION_FILES if (folder / name).is_file()]
    if not found:
        return None
    project = load_file(found[0], options, folder)
    if len(found) > 1:
        others = ", ".join(p.name for p in found[1:])
        project = replace(project, warnings=(*project.warnings, f"{found[0].name} was loaded; ignored: {others}"))
    return project
