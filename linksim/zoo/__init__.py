"""The zoo: trained checkpoints with their model cards (:mod:`~linksim.zoo.store`) and what
every system with trained weights shares (:mod:`~linksim.zoo.learned`)."""
from linksim.zoo.store import (AXIS_TOL, canonical, card_path, check_card, content_hash,
                               list_checkpoints, load_into, locate, read_card, read_weights,
                               registered_name, save, search_path, weights_path)

__all__ = ["AXIS_TOL", "canonical", "card_path", "check_card", "content_hash",
           "list_checkpoints", "load_into", "locate", "read_card", "read_weights",
           "registered_name", "save", "search_path", "weights_path"]
