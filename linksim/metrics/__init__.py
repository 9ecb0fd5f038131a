"""Metrics (registered in ``linksim.registry.METRICS``) and their accumulators."""
from linksim.metrics.image import ms_ssim, psnr, quantize8
from linksim.metrics.stats import Accumulator, ci95_half_width

__all__ = ["Accumulator", "ci95_half_width", "ms_ssim", "psnr", "quantize8"]
