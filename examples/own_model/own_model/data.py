"""Training and evaluation photographs for the example, from the images that ship inside
scikit-image (no download): four for training, three held out for the scenario.

``python -m own_model.data photos`` writes ``photos/train/*.png`` and ``photos/eval/*.png``.
"""
from __future__ import annotations

import sys
from pathlib import Path

TRAIN = ("astronaut", "chelsea", "coffee", "rocket")
EVAL = ("hubble_deep_field", "immunohistochemistry", "retina")


def write_photos(folder: str | Path) -> Path:
    """Write the photographs as PNG into ``folder/train`` and ``folder/eval``."""
    import skimage.data
    from PIL import Image

    folder = Path(folder)
    for split, names in (("train", TRAIN), ("eval", EVAL)):
        (folder / split).mkdir(parents=True, exist_ok=True)
        for name in names:
            path = folder / split / f"{name}.png"
            if not path.exists():
                Image.fromarray(getattr(skimage.data, name)()).save(path)
    return folder


if __name__ == "__main__":
    print(write_photos(sys.argv[1] if len(sys.argv) > 1 else "photos"))
