"""The ground floor: what every other layer of linksim stands on and that stands on nothing
of linksim's but :mod:`linksim.errors`.

- :mod:`~linksim.base.registry`: the registries of pluggable parts, with discovery and plugins;
- :mod:`~linksim.base.seeding`: derived seeds, generators, one seed for every library;
- :mod:`~linksim.base.hashing`: stable content hashes of configurations;
- :mod:`~linksim.base.paths`: every folder linksim reads or writes;
- :mod:`~linksim.base.files`: atomic writes and file locks;
- :mod:`~linksim.base.stats`: running sums and Student-t 95% intervals.
"""
