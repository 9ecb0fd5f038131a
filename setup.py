"""The package list: ``linksim`` and, under its namespace, the top-level ``baselines/`` folder
as ``linksim.baselines`` (so no top-level ``baselines`` package is installed). Everything else
is in pyproject.toml."""
from setuptools import find_packages, setup

PEERS = ["linksim." + name for name in find_packages(include=["baselines", "baselines.*"])]
setup(packages=find_packages(include=["linksim", "linksim.*"]) + PEERS,
      package_dir={"linksim.baselines": "baselines"})
