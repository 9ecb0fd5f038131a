"""Metrics against independent implementations."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from skimage.metrics import peak_signal_noise_ratio

from linksim.base.stats import Accumulator
from linksim.tasks.image.metrics import ms_ssim, psnr


def test_psnr_matches_scikit_image_on_8bit():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 3, 40, 40, generator=g)
    y = (x + 0.07 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    to8 = lambda t: (t.clamp(0, 1) * 255).round().to(torch.uint8).numpy()  # noqa: E731
    expected = [peak_signal_noise_ratio(to8(x[i]), to8(y[i]), data_range=255) for i in range(3)]
    np.testing.assert_allclose(psnr(x, y).numpy(), expected, rtol=1e-9)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_psnr_leaves_its_inputs_alone_and_keeps_the_recorded_bits(dtype):
    """The in-place quantization works on copies, and gives the very values of the
    out-of-place formula the committed records were computed with."""
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 3, 48, 64, generator=g, dtype=torch.float64).to(dtype)
    y = x + 0.1 * torch.randn(x.shape, generator=g, dtype=torch.float64).to(dtype)
    x0, y0 = x.clone(), y.clone()
    q = lambda t: t.double().clamp(0.0, 1.0).mul(255.0).round().div(255.0)  # noqa: E731
    before = (10.0 * torch.log10(1.0 / (q(x) - q(y)).square().flatten(1).mean(1)))
    assert torch.equal(psnr(x, y), before)
    assert torch.equal(x, x0) and torch.equal(y, y0)


def test_ms_ssim_identity_and_ordering():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 3, 192, 192, generator=g)
    assert torch.allclose(ms_ssim(x, x), torch.ones(2, dtype=torch.float64))
    small = ms_ssim(x, (x + 0.02 * torch.randn(x.shape, generator=g)).clamp(0, 1))
    large = ms_ssim(x, (x + 0.2 * torch.randn(x.shape, generator=g)).clamp(0, 1))
    assert (large < small).all() and (small < 1).all()
    assert ms_ssim(x[..., :64, :64], x[..., :64, :64]).shape == (2,)


def test_accumulator_ci_matches_scipy_and_merges():
    values = np.random.default_rng(2).normal(30, 2, 50)
    a, b, whole = Accumulator(), Accumulator(), Accumulator()
    a.add(values[:20]), b.add(values[20:]), whole.add(values)
    lo, hi = stats.t.interval(0.95, 49, loc=values.mean(), scale=stats.sem(values))
    assert whole.mean == pytest.approx(values.mean())
    assert whole.ci95 == pytest.approx((hi - lo) / 2)
    merged = Accumulator(a.sum + b.sum, a.sum_sq + b.sum_sq, a.count + b.count)
    assert merged.ci95 == pytest.approx(whole.ci95)


def test_default_metric_is_the_tasks_first_recorded():
    """A folder with MS-SSIM and PSNR shows PSNR (the image task's first default) unless
    asked otherwise; without any default metric it shows its first recorded one."""
    from pathlib import Path

    from linksim.core.record import default_metric, read_records

    records = read_records(Path(__file__).resolve().parents[3] / "results/image/div2k_rayleigh")
    assert records and sorted(records[0].metrics) == ["ms_ssim", "psnr"]
    assert default_metric(records) == "psnr"
    for r in records:
        del r.metrics["psnr"]
    assert default_metric(records) == "ms_ssim"
