"""DeepSC (Xie, Qin, Li, Juang, IEEE TSP 2021) as a linksim text system."""
