"""Where a benchmark's report goes: ``FOLDER/STEM.json`` and, for a markdown table,
``FOLDER/STEM.md`` (the file the guide includes)."""
from __future__ import annotations

import json
from pathlib import Path


def write_report(folder: Path | None, stem: str, report: dict,
                 lines: list[str] | None = None) -> None:
    """Write ``report`` (and ``lines``, one per line) under ``folder``; nothing without one."""
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    if lines is not None:
        (folder / f"{stem}.md").write_text("\n".join(lines) + "\n")
