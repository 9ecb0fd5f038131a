"""Beamforming task: the reference against a grid optimum (M = K = 2), the reference against
every baseline, feasibility of every system, common random numbers, bad input, shipped
checkpoints."""
from __future__ import annotations

import math

import pytest
import torch

import linksim.baselines.beamforming  # noqa: F401  (registers the peers)
import linksim.tasks.beamforming  # noqa: F401
from linksim import zoo
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.tasks.beamforming import system as system_module
from linksim.tasks.beamforming.cell import Cell, dbm_to_w
from linksim.tasks.beamforming.downlink import Downlink, energy_efficiency
from linksim.tasks.beamforming.drops import Drops
from linksim.tasks.beamforming.reference import ee_opt

CELL = Cell()
HEURISTICS = ("mrt", "zf", "rzf", "wmmse", "zf_ee")
SHIPPED = [c["id"] for c in zoo.list_checkpoints()
           if c.get("system") in {n for n, _ in SYSTEMS.items("beamforming")}]


@pytest.fixture(autouse=True)
def private_reference_cache(tmp_path, monkeypatch):
    """The ee_ratio metric's cache goes to a temporary folder, empty in memory."""
    from linksim.tasks.beamforming import reference_cache

    monkeypatch.setenv("LINKSIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(reference_cache, "_memory", {})


def drops(count: int, users: int, p_max_dbm: list[float], seed: int = 0) -> Drops:
    """``count`` drops in the default cell carrying the budgets ``p_max_dbm`` (cycled)."""
    gen = torch.Generator().manual_seed(seed)
    distance, gain = CELL.drop(count, users, gen)
    p = torch.tensor([p_max_dbm[i % len(p_max_dbm)] for i in range(count)], dtype=torch.float64)
    return Drops(distance, gain, CELL, p)


def link(count: int, users: int, antennas: int, seed: int = 0) -> Link:
    return Link(CHANNELS.get("rayleigh")(fading="fast"), 0.0, count,
                seeds=[seed + i for i in range(count)], shape=(users, antennas))


def designed(name: str, x: Drops, antennas: int, **params) -> Downlink:
    system = SYSTEMS.get(name, "beamforming")(num_users=x.num_users, num_antennas=antennas,
                                              **params).eval()
    with torch.no_grad():
        return system.transmit(x, link(len(x), x.num_users, antennas))[0]


# --- the reference against a grid optimum on tiny instances -------------------------------
def grid_ee(h: torch.Tensor, p_max: float, rounds: int = 4) -> float:
    """Best EE (bit/J) over the optimal-structure family (Björnson et al. 2014) of one
    K = M = 2 instance h [2, 2], written independently of the package: total power P,
    power split s, dual split t, :math:`w_k = \\sqrt{p_k}(I + \\sum_j q_j a_j a_j^H)^{-1}a_k
    /\\|\\cdot\\|`, :math:`a_k = \\bar h_k`, p = P (s, 1-s), q = P (t, 1-t); a grid, zoomed
    ``rounds`` times around its best point."""
    a = h.conj()                                                     # rows a_k
    lo = torch.tensor([-6.0, 0.0, 0.0], dtype=torch.float64)         # log10(P/P_max), s, t
    hi = torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64)
    best = -math.inf
    for _ in range(rounds):
        axes = [torch.linspace(float(l), float(u), 41, dtype=torch.float64) for l, u in zip(lo, hi)]
        lp, s, t = (g.reshape(-1) for g in torch.meshgrid(*axes, indexing="ij"))
        total = p_max * 10.0 ** lp
        q = torch.stack([total * t, total * (1 - t)], -1)
        p = torch.stack([total * s, total * (1 - s)], -1)
        outer = a[:, :, None] * a[:, None, :].conj()                 # [2, M, M]: a_k a_k^H
        d = torch.eye(2, dtype=h.dtype) + torch.einsum("nj,jab->nab", q.to(h.dtype), outer)
        v = torch.linalg.solve(d, a.T.expand(len(q), 2, 2))          # columns D^-1 a_k
        w = v / v.abs().square().sum(1, keepdim=True).sqrt() * p.sqrt()[:, None, :]
        gains = torch.einsum("km,nmj->nkj", h, w).abs().square()     # |h_k^T w_j|^2
        sig = torch.diagonal(gains, dim1=1, dim2=2)
        rate = torch.log2(1 + sig / (gains.sum(-1) - sig + 1)).sum(-1)
        ee = CELL.bandwidth_hz * rate / (total / CELL.pa_efficiency + CELL.circuit_power_w)
        i = int(ee.argmax())
        best = max(best, float(ee[i]))
        centre = torch.tensor([float(lp[i]), float(s[i]), float(t[i])], dtype=torch.float64)
        half = (hi - lo) / 8
        lo = torch.maximum(centre - half, torch.tensor([-6.0, 0.0, 0.0], dtype=torch.float64))
        hi = torch.minimum(centre + half, torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64))
    return best


def tiny_instances() -> tuple[torch.Tensor, torch.Tensor]:
    """Eight M = K = 2 channels [8, 2, 2] (noise-normalized) and budgets [8] (W) from 0 to
    40 dBm: budget-bound and interior optima."""
    x = drops(8, 2, [0.0, 20.0, 30.0, 40.0], seed=3)
    fading = link(8, 2, 2, seed=100).realization(2).h
    return system_module.channel(x, fading), dbm_to_w(x.p_max_dbm)


@pytest.mark.parametrize("settings,gap", [({"tol": 1e-10, "outer": 3000, "polish": 0}, 1e-6),
                                          ({}, 1e-6), ({"polish": 0}, 1e-3)],
                         ids=["tight-dinkelbach", "defaults", "no-polish"])
@pytest.mark.slow
def test_reference_reaches_the_grid_optimum_at_m2_k2(settings, gap):
    """With its defaults (Dinkelbach to a per-step gain of 1e-5, then the L-BFGS polish)
    and with the Dinkelbach stage alone at tol 1e-10, the reference meets the grid optimum
    to 1e-6; the stage alone at tol 1e-5 stops within 1e-3 of it (measured: 3.4e-4 below
    on one of the eight instances)."""
    h, p_max = tiny_instances()
    ref = energy_efficiency(h, ee_opt(h, p_max, CELL, **settings), CELL)
    for b in range(len(h)):
        grid = grid_ee(h[b], float(p_max[b]))
        assert float(ref[b]) >= grid * (1 - gap), (b, float(ref[b]), grid)
        assert float(ref[b]) <= grid * (1 + 1e-3), (b, float(ref[b]), grid)  # grid is fine enough


def test_no_random_beamformer_beats_the_reference_at_m2_k2():
    h, p_max = tiny_instances()
    ref = energy_efficiency(h, ee_opt(h, p_max, CELL), CELL)
    gen = torch.Generator().manual_seed(0)
    n = 20000
    w = torch.randn(len(h), n, 2, 2, dtype=torch.complex128, generator=gen)
    scale = p_max[:, None] * 10.0 ** (-4 * torch.rand(len(h), n, dtype=torch.float64, generator=gen))
    w = w * (scale / w.abs().square().sum((-2, -1))).sqrt()[..., None, None]
    ee = energy_efficiency(h[:, None], w, CELL)
    assert bool((ee.max(dim=1).values <= ref * (1 + 1e-9)).all())


# --- the reference against every baseline; feasibility ------------------------------------
@pytest.fixture(scope="module")
def m64_batch():
    """Six drops of 12 users at M = 64, budgets 0, 20, 40 dBm, and the reference's EE."""
    x = drops(6, 12, [0.0, 20.0, 40.0], seed=1)
    return x, designed("ee_opt", x, 64)


@pytest.mark.slow
@pytest.mark.parametrize("name", HEURISTICS)
def test_reference_is_at_least_every_baseline_on_every_instance(m64_batch, name):
    x, ref = m64_batch
    out = designed(name, x, 64)
    assert torch.equal(out.h, ref.h)                       # the same instances
    assert bool((ref.ee() >= out.ee() * (1 - 1e-9)).all()), (ref.ee() / out.ee()).tolist()


@pytest.mark.slow
@pytest.mark.parametrize("cid", SHIPPED)
def test_learned_systems_stay_near_the_reference(m64_batch, cid):
    """Not a guarantee: the reference is a local method, and the shipped GNNs beat it by up
    to 0.4% on some instances of the ee_miso scenario (README); here within 0.5%."""
    x, ref = m64_batch
    out = designed(zoo.read_card(cid)["system"], x, 64, checkpoint=cid)
    assert bool((ref.ee() >= out.ee() * (1 - 5e-3)).all()), (ref.ee() / out.ee()).tolist()


@pytest.mark.parametrize("name", [n for n, _ in SYSTEMS.items("beamforming")])
def test_every_system_respects_the_power_budget(name):
    cls = SYSTEMS.get(name, "beamforming")
    params = {"random_weights": True} if getattr(cls, "learned", False) else {}
    if name == "cnn":
        params["users"] = 6
    x = drops(6, 6, [-30.0, 0.0, 30.0, 60.0, 45.0, 10.0], seed=2)
    out = designed(name, x, 8, **params)
    assert bool(torch.isfinite(out.w).all())
    assert bool((out.power() <= out.p_max_w * (1 + 1e-9)).all())
    assert out.violation().tolist() == [0.0] * 6


def test_violation_metric_sees_an_infeasible_design():
    h, p_max = tiny_instances()
    w = ee_opt(h, p_max, CELL)
    w = w * (p_max / w.abs().square().sum((-2, -1)))[:, None, None].sqrt()   # full budget
    over = Downlink(h, w * 1.01 ** 0.5, p_max, CELL, torch.zeros(len(h)))
    assert torch.allclose(over.violation(), torch.full((len(h),), 0.01, dtype=torch.float64),
                          atol=1e-8)
    w[0, 0, 0] = float("nan")
    assert Downlink(h, w, p_max, CELL, torch.zeros(len(h))).violation()[0] == 1.0


# --- common random numbers ----------------------------------------------------------------
SCENARIO = """
name = "crn"
task = "beamforming"
seed = {seed}
[source]
dataset = "drops"
count = 3
max_users = 8
[sweep]
num_users = [4, 8]
p_max_dbm = [30]
num_antennas = 8
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "mrt"
[[systems]]
name = "zf_ee"
[[systems]]
name = "gnn"
random_weights = true
[metrics]
names = ["ee", "violation"]
[stop]
batch_size = 2
"""


def channels_seen(tmp_path, monkeypatch, seed: int) -> dict[tuple[str, float], torch.Tensor]:
    """Run every point of :data:`SCENARIO` through the runner's worker, recording the channel
    each system designed for: (system, K) -> h [3, K, 8]."""
    from linksim.core.grid import expand_points
    from linksim.core.worker import PointWorker
    from linksim.scenario import load_scenario

    path = tmp_path / f"crn{seed}.toml"
    path.write_text(SCENARIO.format(seed=seed))
    seen: list[torch.Tensor] = []
    real = system_module.channel
    monkeypatch.setattr(system_module, "channel", lambda d, f: seen.append(real(d, f)) or seen[-1])
    worker = PointWorker(load_scenario(path))
    out = {}
    for p in expand_points(worker.scenario, worker.task):
        seen.clear()
        record = worker.run(p)
        assert record.metrics["violation"]["sum"] == 0.0
        out[(p.system.name, p.axes["num_users"])] = torch.cat(seen)
    monkeypatch.setattr(system_module, "channel", real)
    return out


def test_every_system_sees_the_same_drops_and_fades(tmp_path, monkeypatch):
    seen = channels_seen(tmp_path, monkeypatch, seed=0)
    for k in (4.0, 8.0):
        for name in ("zf_ee", "gnn"):
            assert torch.equal(seen[(name, k)], seen[("mrt", k)]), (name, k)
    assert torch.equal(seen[("mrt", 8.0)][:, :4], seen[("mrt", 4.0)])    # nested in K
    again = channels_seen(tmp_path, monkeypatch, seed=0)
    assert all(torch.equal(again[key], seen[key]) for key in seen)       # seeded
    other = channels_seen(tmp_path, monkeypatch, seed=1)
    assert not torch.equal(other[("mrt", 8.0)], seen[("mrt", 8.0)])


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,params,match", [
    ("zf", {"num_users": 70, "num_antennas": 64}, "zero forcing needs K <= M"),
    ("zf_ee", {"num_users": 9, "num_antennas": 8}, "zero forcing needs K <= M"),
    ("mrt", {"p_max_dbm": float("-inf")}, "p_max_dbm"),              # 0 W
    ("mrt", {"p_max_dbm": -100.0}, "p_max_dbm"),
    ("mrt", {"p_max_dbm": float("nan")}, "p_max_dbm"),
    ("ee_opt", {"num_users": 0}, "num_users"),
    ("gnn", {"num_antennas": 32, "checkpoint": "gnn-k30-m64"}, "trained for num_antennas=64"),
    ("gnn_mamba", {"num_antennas": 128, "checkpoint": "gnn_mamba-k30-m64"},
     "trained for num_antennas=64"),
    ("cnn", {"num_users": 20, "random_weights": True}, "built for K=30"),
])
def test_bad_input_is_a_linksim_error(name, params, match):
    with pytest.raises(LinksimError, match=match):
        SYSTEMS.get(name, "beamforming")(**params)


@pytest.mark.parametrize("field,value", [("pa_efficiency", 0.0), ("pa_efficiency", -0.3),
                                         ("bandwidth_mhz", 0.0), ("radius_m", -1.0)])
def test_zero_or_negative_cell_quantities_are_refused(field, value):
    with pytest.raises(LinksimError, match=field):
        Cell(**{field: value})


def test_bad_scenario_power_is_refused(tmp_path):
    from linksim.scenario import load_scenario

    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.format(seed=0).replace("p_max_dbm = [30]", "p_max_dbm = [-200]"))
    with pytest.raises(LinksimError, match="p_max_dbm"):
        load_scenario(path)


def test_more_users_than_the_drops_hold_is_refused():
    x = drops(2, 4, [30.0])
    system = SYSTEMS.get("mrt", "beamforming")(num_users=6, p_max_dbm=30, num_antennas=8)
    with pytest.raises(LinksimError, match="drops hold"):
        system.transmit(x, link(2, 6, 8))


# --- shipped checkpoints ------------------------------------------------------------------
@pytest.mark.parametrize("cid", SHIPPED)
def test_shipped_checkpoints_load_and_design_at_any_k(cid):
    card = zoo.read_card(cid)
    m = card["config"]["num_antennas"]
    system = SYSTEMS.get(card["system"], "beamforming")(num_antennas=m, checkpoint=cid)
    assert system.checkpoint_id == cid
    for k in (5, 30):
        x = drops(2, k, [30.0])
        with torch.no_grad():
            out = system.transmit(x, link(2, k, m))[0]
        assert bool(torch.isfinite(out.ee()).all()) and out.violation().tolist() == [0.0, 0.0]


def test_the_shipped_gnns_exist():
    assert {"gnn-k30-m64", "gnn_mamba-k30-m64"} <= set(SHIPPED)
