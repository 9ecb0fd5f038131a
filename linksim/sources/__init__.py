"""Image sources: folders, the embedded samples, and the standard sets."""
from linksim.sources.base import ImageSet, read_image
from linksim.sources.folder import ImageFolder

__all__ = ["ImageFolder", "ImageSet", "read_image"]
