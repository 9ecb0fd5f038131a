"""The beamforming task: energy-efficient multi-user MISO downlink beamforming.

A base station with M antennas serves K single-antenna users dropped in a cell
(:mod:`.cell`: 3GPP UMi path loss and log-normal shadowing); small-scale Rayleigh
fading comes from the shared channel library through the runner's
:class:`~linksim.channels.base.Link`. A system designs the beamformers W [B, M, K] from
the channel; the metrics (:mod:`.metrics`) score the energy efficiency
EE = B sum_k log2(1 + SINR_k) / (||W||_F^2 / eta + P_c) against the reference
``ee_opt`` (:mod:`.reference`).
"""
