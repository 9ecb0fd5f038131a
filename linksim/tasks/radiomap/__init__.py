"""The radio-map task: a Sionna RT data set of path-gain maps, RadioUNet, RadioMamba and
physics baselines (``baselines/radiomap``); see ``task.py``."""
