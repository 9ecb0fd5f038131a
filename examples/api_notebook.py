# %% [markdown]
# # Your own model through the Python API only
#
# The notebook-style twin of `examples/own_model`: define a learned image JSCC, register it,
# train it, run it beside the shipped MambaJSCC, the separated chain and uncoded
# transmission, and compare, without the command line. Run it as a script
# (`python examples/api_notebook.py`, about 15 minutes on 2 CPU cores) or cell by cell in
# Jupyter/VS Code; `TINY=1` runs it at test size in about two minutes. Everything is written
# under `$OUT` (default `./api_notebook_out`).

# %%
import math
import os
from pathlib import Path

import torch
from torch import nn

import linksim
from linksim.nn import latent_to_symbols, symbols_to_latent
from linksim.tasks.image.system import num_channel_uses

TINY = os.environ.get("TINY") == "1"
OUT = Path(os.environ.get("OUT", "api_notebook_out")).resolve()
OUT.mkdir(parents=True, exist_ok=True)
os.chdir(OUT)            # ./zoo here is on linksim's checkpoint search path


# %% [markdown]
# ## 1. A model: a small convolutional JSCC with the SNR as an extra input channel

# %%
@linksim.SYSTEMS.register("notebook_jscc")
class NotebookJSCC(linksim.LearnedSystem):
    """A small CNN JSCC that sees the SNR as an extra input plane (notebook example)."""

    configs = {"small": {"width": 64}}

    def build(self, width) -> None:
        self.latent = math.ceil(96 * self.cbr - 1e-9)            # CBR = latent / 96
        self.enc = nn.Sequential(nn.Conv2d(4, width, 5, 2, 2), nn.PReLU(),
                                 nn.Conv2d(width, width, 5, 2, 2), nn.PReLU(),
                                 nn.Conv2d(width, self.latent, 3, 1, 1))
        self.dec = nn.Sequential(nn.Conv2d(self.latent + 1, width, 3, 1, 1), nn.PReLU(),
                                 nn.ConvTranspose2d(width, width, 5, 2, 2, output_padding=1),
                                 nn.PReLU(),
                                 nn.ConvTranspose2d(width, 3, 5, 2, 2, output_padding=1),
                                 nn.Sigmoid())

    @staticmethod
    def _plane(snr_db, like):
        return (snr_db.float() / 20.0).reshape(-1, 1, 1, 1).expand(-1, 1, *like.shape[-2:])

    def encode(self, x, snr_db):
        x = x[..., : x.shape[-2] // 4 * 4, : x.shape[-1] // 4 * 4]   # crops are multiples of 4
        z = self.enc(torch.cat([x, self._plane(snr_db, x)], dim=1))
        return latent_to_symbols(z, num_channel_uses(self.cbr, x.shape))

    def decode(self, y, csi, shape):
        z = symbols_to_latent(y, (self.latent, shape[0] // 4, shape[1] // 4))
        return self.dec(torch.cat([z, self._plane(csi.snr_db, z)], dim=1))


print(sum(p.numel() for p in linksim.build_system("notebook_jscc", task="image",
                                                    cbr=1 / 16).parameters()), "parameters")
print(linksim.origin("systems", "notebook_jscc"))            # module __main__

# %% [markdown]
# ## 2. Data: the photographs that ship with scikit-image (four to train, three to test)

# %%
from PIL import Image  # noqa: E402

photos = linksim.DATASETS.get("samples", "image")()      # 7 images, [3, H, W] in [0, 1]
for split, indices in (("train", range(0, 4)), ("eval", range(4, 7))):
    folder = OUT / "photos" / split
    folder.mkdir(parents=True, exist_ok=True)
    for i in indices:
        arr = (photos[i] * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        Image.fromarray(arr).save(folder / f"{photos.names[i]}.png")

# %% [markdown]
# ## 3. Train (as `linksim train`), writing `zoo/<id>.pt` and its model card

# %%
card = linksim.train("notebook_jscc", data=OUT / "photos" / "train", val=str(OUT / "photos" / "eval"),
                     out=OUT / "zoo" / "notebook_jscc-cbr1_16-awgn", cbr=1 / 16, snr="0:20",
                     channel="awgn", steps=20 if TINY else 400, batch=8, crop=64 if TINY else 96,
                     lr=1e-3, warmup=20, val_crop=64, val_every=400, log_every=50, threads=1)
print(card["id"], card["steps"], card.get("val_psnr_db"))

# %% [markdown]
# ## 4. Run it beside the shipped systems (same records, resume and lock as `linksim run`)

# %%
scenario = linksim.load_scenario({
    "name": "api_notebook", "seed": 0, "output": str(OUT / "results"),
    "source": {"dataset": "folder", "path": str(OUT / "photos" / "eval"), "crop": 256},
    "sweep": {"snr_db": "0:20:5", "cbr": ["1/16"]},
    "channels": [{"name": "awgn", "equalizer": "mmse"}],
    "systems": [
        {"name": "notebook_jscc", "label": "NotebookJSCC", "checkpoint": card["id"]},
        {"name": "mambajscc", "label": "MambaJSCC (CSI-ReST)",
         "checkpoint": "mambajscc-small-cbr1_16-rayleigh-snr0_20"},
        {"name": "separated", "label": "HEVC-intra + LDPC + QAM", "mcs": "best"},
        {"name": "uncoded", "label": "Uncoded (LMMSE)"}],
    "metrics": {"names": ["psnr"]}},
    # test size: two SNRs and one MCS of the chain (its BLER table ships with linksim)
    {"sweep.snr_db": [0, 10], "systems.2.mcs": "16qam-1/2"} if TINY else None)
results = linksim.run(scenario)
print(results.table())

# %% [markdown]
# ## 5. Paired comparison (same images, same channel draws) and the report

# %%
print(results.compare("NotebookJSCC", "HEVC-intra + LDPC + QAM"))
print(results.plot())
print(results.report(reference="HEVC-intra + LDPC + QAM"))
