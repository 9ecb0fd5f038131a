"""The training loop: AdamW, warm-up + cosine schedule, gradient clipping,
periodic validation, resumable state and the final checkpoint with its model card.

Determinism: :func:`linksim.base.seeding.seed_everything` seeds the model's
initialization (PyTorch's global generator) and the channel (Sionna's generator);
crops, flips and SNR draws come from a dedicated generator seeded with
``derive_seed(seed, "data")``. The resume file (``<out>.resume.pt``, written every
``save_every`` steps, on Ctrl-C and removed at the end) holds the weights, the
optimizer, the scheduler and all three generator states, so ``--resume`` reproduces
the uninterrupted run bit for bit (same device and thread count; a run paused on one
device type and resumed on another continues with a channel generator seeded from the
seed and the step, since generator states do not carry across devices). Validation draws its channel
noise from a fixed seed and restores the training generators afterwards.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

from linksim import __version__, zoo
from linksim.base.allocator import reuse_freed_memory
from linksim.channels.base import Link
from linksim.core.metric import get_metric
from linksim.base.registry import CHANNELS, LOSSES, SYSTEMS
from linksim.base.seeding import channel_rng, derive_seed, seed_everything
from linksim.core.task import get_task
from linksim.errors import LinksimError
from linksim.training.config import SnrSpec, TrainConfig
from linksim.training.evaluate import metric_per_snr
from linksim.training.progress import Progress, default_progress
from linksim.training.schedule import draw_snr, warmup_cosine

#: validation images of the progress curve (PSNR at every ``val_snrs`` each ``val_every``);
#: a task may set ``progress_val_items`` instead (text: enough sentences for a learning curve)
PROGRESS_VAL_IMAGES = 8


def resume_path(out: str | Path) -> Path:
    """``<out>.resume.pt``: the periodically saved training state."""
    return Path(f"{out}.resume.pt")


def _param_groups(module: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Decay matrices and kernels; leave biases, norms and PReLU slopes (1-D) alone."""
    params = [p for p in module.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]


class Trainer:
    """Train one learned system as described by ``cfg``.

    :param cfg: the run's :class:`TrainConfig`.
    :param progress: display (default: rich bar on a terminal, log lines otherwise).
    """

    def __init__(self, cfg: TrainConfig, progress: Progress | None = None) -> None:
        self.cfg = cfg
        reuse_freed_memory()
        if cfg.threads:
            torch.set_num_threads(int(cfg.threads))
        if cfg.loss not in LOSSES:
            raise LinksimError(f"--loss {cfg.loss!r}: choose one of {', '.join(LOSSES.names())}")
        self.device = torch.device(cfg.device)
        seed_everything(cfg.seed)
        self.task = get_task(cfg.task)
        cls = SYSTEMS.get(cfg.system, cfg.task)
        if not getattr(cls, "learned", False):
            learned = [n for n, c in SYSTEMS.items(cfg.task) if getattr(c, "learned", False)]
            raise LinksimError(f"system {cfg.system!r} has no trainable weights; learned "
                               f"systems: {', '.join(learned)}")
        self.system = cls(**self.task.train_build_kwargs(cfg), config=cfg.config,
                          **cfg.overrides).to(self.device)
        self.channel = CHANNELS.get(cfg.channel)(**cfg.channel_params).to(self.device)
        self.loss_fn = LOSSES.get(cfg.loss)
        self.snr = SnrSpec.parse(cfg.snr)
        self.opt = torch.optim.AdamW(_param_groups(self.system, cfg.weight_decay), lr=cfg.lr)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, warmup_cosine(cfg.steps, cfg.warmup, cfg.min_lr_ratio))
        self.gen = torch.Generator().manual_seed(derive_seed(cfg.seed, "data"))
        self.sampler = self.task.train_sampler(cfg)
        self.system.prepare_training(self.sampler)
        self.val = self.task.validation_batch(cfg)
        val = get_metric(self.task.val_metric)
        self.progress = progress or default_progress(cfg.log_every, f"val_{val.name}", val.unit)
        self.step, self.elapsed, self.history = 0, 0.0, []
        self._losses: list[float] = []
        if cfg.resume and resume_path(cfg.out).is_file():
            self._load_resume()

    @property
    def val_key(self) -> str:
        """The card key of the validation curve: ``val_<metric>[_<unit>]`` (``val_psnr_db``)."""
        m = get_metric(self.task.val_metric)
        return f"val_{m.name}" + (f"_{m.unit.lower()}" if m.unit else "")

    # --- resume state -----------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {"config": self.cfg.as_dict(), "step": self.step, "elapsed": self.elapsed,
                "history": self.history, "recent_losses": self._losses,
                "model": self.system.state_dict(),
                "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                "data_rng": self.gen.get_state(), "torch_rng": torch.get_rng_state(),
                "channel_rng": channel_rng(self.device).get_state()}

    def save_resume(self) -> Path:
        """Write the resume file atomically."""
        path = resume_path(self.cfg.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self._state(), tmp)
        os.replace(tmp, path)
        return path

    def _load_resume(self) -> None:
        path = resume_path(self.cfg.out)
        state = zoo.read_weights(path, "--resume")
        if "config" not in state or "model" not in state:
            raise LinksimError(f"{path}: --resume: not a linksim resume file (no config or "
                               "model); remove it to start afresh")
        self.cfg.check_resumable(state["config"])
        self.system.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.gen.set_state(state["data_rng"])
        torch.set_rng_state(state["torch_rng"])
        if torch.device(state["config"]["device"]).type == self.device.type:
            channel_rng(self.device).set_state(state["channel_rng"])
        else:  # another device's generator state does not fit: a fresh, seeded stream
            channel_rng(self.device).manual_seed(derive_seed(self.cfg.seed, "channel", state["step"]))
        self.step, self.elapsed, self.history = state["step"], state["elapsed"], state["history"]
        self._losses = list(state["recent_losses"])

    # --- steps ------------------------------------------------------------------------
    def train_step(self) -> float:
        """One optimizer step on a fresh batch; returns the loss."""
        cfg = self.cfg
        x = self.sampler.sample(cfg.batch, self.gen).to(self.device)
        snr = draw_snr(self.snr, cfg.batch, self.gen).to(self.device)
        self.system.train()
        link = Link(self.channel, snr, len(x), shape=self.task.train_link_shape(x, self.system),
                    device=self.device)
        x_hat, _ = self.system.transmit(x, link)
        loss = self.loss_fn(x, x_hat)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.system.parameters(), cfg.clip)
        self.opt.step()
        self.sched.step()
        self.step += 1
        return float(loss.detach())

    def validate(self, snrs: tuple[float, ...], count: int | None = None) -> dict[str, float]:
        """Mean PSNR (dB, 8-bit) of the first ``count`` validation crops per SNR, on the
        training channel, with channel noise seeded by the run's seed."""
        if self.val is None:
            return {}
        res = metric_per_snr(self.system, self.channel, self.val[:count], snrs, self.task,
                             self.cfg.seed, device=self.device)
        return {k: round(mean, 4) for k, (mean, _) in res.items()}

    def run(self, stop_at: int | None = None) -> dict[str, Any] | None:
        """Train to ``cfg.steps`` (or pause at ``stop_at``, saving the resume file).

        :returns: the model card when training finished, else ``None``.
        """
        cfg = self.cfg
        end = cfg.steps if stop_at is None else min(stop_at, cfg.steps)
        mid = (cfg.val_snrs[len(cfg.val_snrs) // 2],)
        self.progress.start(cfg.steps, self.step)
        t0, val = time.perf_counter() - self.elapsed, None
        cap = float("inf") if cfg.max_minutes is None else 60.0 * cfg.max_minutes
        try:
            while self.step < end and self.elapsed < cap:
                self._losses = (self._losses + [self.train_step()])[-cfg.log_every:]
                mean_loss = sum(self._losses) / len(self._losses)
                if self.step % cfg.val_every == 0 and self.val is not None:
                    curve = self.validate(cfg.val_snrs, getattr(
                        self.task, "progress_val_items", PROGRESS_VAL_IMAGES))
                    val = curve[f"{mid[0]:g}"]
                    self.history.append({"step": self.step, "loss": round(mean_loss, 6),
                                         self.val_key: curve})
                self.elapsed = time.perf_counter() - t0
                self.progress.update(self.step, mean_loss, self.sched.get_last_lr()[0], val)
                if self.step % cfg.save_every == 0 and self.step < cfg.steps:
                    self.save_resume()
        except KeyboardInterrupt:
            self.save_resume()
            raise
        finally:
            self.progress.close()
        if self.step < end:
            print(f"linksim train: --max-minutes {cfg.max_minutes:g} reached at step "
                  f"{self.step} of {cfg.steps}; writing the checkpoint", file=sys.stderr)
        elif self.step < cfg.steps:
            self.save_resume()
            return None
        card = self.finish(sum(self._losses) / max(1, len(self._losses)))
        resume_path(cfg.out).unlink(missing_ok=True)
        return card

    # --- the checkpoint ---------------------------------------------------------------
    def card(self, final_loss: float) -> dict[str, Any]:
        """The model card (validation at every ``val_snrs`` on all validation images)."""
        cfg = self.cfg
        return {
            "system": cfg.system, "config": zoo.canonical(self.system.config),
            "config_name": cfg.config, "overrides": cfg.overrides,
            **self.task.train_card(cfg, len(self.sampler),
                                   0 if self.val is None else len(self.val)),
            **self.channel_card(),
            "loss": cfg.loss, "final_train_loss": round(final_loss, 6),
            "steps": self.step, "planned_steps": cfg.steps, "batch": cfg.batch,
            "lr": cfg.lr,
            "weight_decay": cfg.weight_decay, "warmup": cfg.warmup, "clip": cfg.clip,
            "seed": cfg.seed,
            "params": sum(p.numel() for p in self.system.parameters()),
            "wall_time_s": round(self.elapsed, 1),
            "device": f"{self.device.type} ({platform.machine()}, "
                      f"{torch.get_num_threads()} threads)",
            "torch": torch.__version__, "linksim": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            self.val_key: self.validate(cfg.val_snrs),
            "history": self.history,
            "command": cfg.command(),
        }

    def channel_card(self) -> dict[str, Any]:
        """The training SNR and channel (the validation uses the same), for tasks with a
        channel; a task without one (radio maps) has none to state."""
        if not self.task.needs_channel:
            return {}
        channel = {"name": self.cfg.channel, **self.cfg.channel_params}
        return {"snr_db": str(self.snr), "channel": channel, "val_channel": channel}

    def finish(self, final_loss: float) -> dict[str, Any]:
        """Write ``<out>.pt`` and ``<out>.json``; return the card."""
        card = self.card(final_loss)
        zoo.save(self.cfg.out, self.system.state_dict(), card)
        return {**card, "id": Path(self.cfg.out).name}


def train(cfg: TrainConfig, progress: Progress | None = None) -> dict[str, Any] | None:
    """Run (or resume) training as configured; returns the model card."""
    return Trainer(cfg, progress).run()
