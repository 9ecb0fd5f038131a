"""Training learned systems: config, in-memory patch data, schedule, loop, checkpoints.

``linksim train`` is a thin layer over :func:`train`::

    from linksim.training import TrainConfig, train
    card = train(TrainConfig.from_flat(system="deepjscc", data="photos/", val="kodak/",
                                       out="zoo/deepjscc-demo", steps=100, cbr=1 / 16))
"""
from linksim.training.config import SnrSpec, TrainConfig
from linksim.training.loop import Trainer, resume_path, train

__all__ = ["SnrSpec", "TrainConfig", "Trainer", "resume_path", "train"]
