"""The Python examples of the models' guide pages run: each page's blocks in order, as one script (a failure
names the page's own line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs"
PAGES = {"models.md": 6, "models-mapping.md": 3}
"""Each page, with the fewest python blocks it has (so a block renamed to another language is noticed)."""


@pytest.mark.parametrize("page", sorted(PAGES))
def test_doc_examples_run(page: str) -> None:
    path = DOCS / page
    text = path.read_text()
    blocks = list(re.finditer(r"```python\n(.*?)```", text, flags=re.S))
    assert len(blocks) >= PAGES[page]
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem.replace('-', '_')}"}
    for block in blocks:
        first_line = text.count("\n", 0, block.start(1))
        code = "\n" * first_line + block.group(1)  # so tracebacks give the page's line numbers
        exec(compile(code, str(path), "exec", dont_inherit=True), namespace)
