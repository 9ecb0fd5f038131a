"""Image sources: folders, the embedded samples, and the standard sets (Kodak, DIV2K, CIFAR-10)."""
