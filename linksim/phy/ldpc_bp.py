r"""Sionna's 5G NR LDPC belief propagation, laid out by node degree.

:class:`DegreeGroupedBP` runs the algorithm of Sionna's
``sionna.phy.fec.ldpc.LDPC5GDecoder`` (the configuration :class:`~linksim.phy.bicm.BitTrueLink`
builds) on the decoder's own pruned parity-check graph:

- rate recovery as ``LDPC5GDecoder.call``: the :math:`2Z` punctured systematic bits get
  LLR 0, the filler bits :math:`-\mathrm{llr\_max}` (logit, i.e. known zeros), the
  unsent tail 0; the LLRs are clipped to :math:`\pm\mathrm{llr\_max}` (20) and negated
  (Sionna's logits :math:`\log p_1/p_0` to LLRs :math:`\log p_0/p_1`);
- flooding schedule: every check node (CN), then every variable node (VN), per iteration;
- CN update ``boxplus-phi``: :math:`y_{j\to i} = \prod_{i'\ne i}\operatorname{sign}(x_{i'\to j})
  \,\phi\big(\sum_{i'\ne i}\phi(|x_{i'\to j}|)\big)` with
  :math:`\phi(x) = \log(e^x+1) - \log(e^x-1)` on :math:`x` clamped to
  :math:`[8.5\cdot10^{-8}, 16.635532]` (float32), the sign of 0 taken as +1, the extrinsic
  sum as total minus own term, the output clipped to :math:`\pm\mathrm{llr\_max}`;
- VN update ``sum``: :math:`x = \sum_j y_{j\to i} + \ell_i`, extrinsic :math:`x - y_{j\to i}`,
  both clipped to :math:`\pm\mathrm{llr\_max}`; the hard decision is :math:`x \le 0 \to 1`;
- a fixed number of iterations per call; the v2c messages are the state a later call
  resumes from (``msg_v2c``), so :math:`a` then :math:`b` iterations equal :math:`a+b`.

What differs is the memory layout only. Sionna pads every node to the largest degree
(19 on base graph 1: the CN tensors are twice the edges and the VN tensors four times)
and moves the messages through padded gathers and masked scatters. Here the edges are
stored twice, grouped by CN degree and by VN degree, each group a dense
``[batch, degree, nodes]`` block, so each node's sums and sign products are plain
reductions, and one permutation gather moves the messages between the two orders each
half iteration. ``exp`` is evaluated once per :math:`\phi`. The results equal Sionna's up
to the order of float32 additions (``tests/phy/test_ldpc_bp.py``).
"""
from __future__ import annotations

import numpy as np
import torch

from linksim.errors import LinksimError

_PHI_MIN, _PHI_MAX = 8.5e-8, 16.635532   # Sionna's float32 clamp inside phi


class _Groups:
    """Edges of one side (CN or VN) grouped by node degree: group ``d`` is a dense
    ``[d, nodes]`` block (slot-major: the ``j``-th edge of every node of the group, then
    the ``j+1``-th), so a node's reduction adds ``d`` contiguous rows."""

    def __init__(self, node_of_edge: np.ndarray, num_nodes: int) -> None:
        deg = np.bincount(node_of_edge, minlength=num_nodes)
        if deg.min() == 0:
            raise LinksimError("LDPC graph with an unconnected node")
        nodes = np.argsort(deg, kind="stable")                    # nodes by degree, then index
        edges = np.argsort(node_of_edge, kind="stable")            # edges by node
        start = np.concatenate([[0], np.cumsum(deg)])
        self.node_order = nodes
        self.spans = []                                            # (edge a, edge b, node a, node b, degree)
        order, slots, e, v = [], [], 0, 0
        for d in np.unique(deg):
            group = nodes[v: v + int((deg == d).sum())]
            order.append((start[group][None, :] + np.arange(d)[:, None]).reshape(-1))
            slots.append(np.tile(np.arange(v, v + group.size), d))
            self.spans.append((e, e + group.size * int(d), v, v + group.size, int(d)))
            e, v = e + group.size * int(d), v + group.size
        self.edge_order = edges[np.concatenate(order)]
        self.node_of_slot = np.concatenate(slots)                 # grouped node of each edge

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """[B, E] in this order -> one [B, degree, nodes] view per degree."""
        return [flat[:, a:b].unflatten(1, (d, -1)) for a, b, _, _, d in self.spans]


class DegreeGroupedBP:
    """Drop-in for a Sionna ``LDPC5GDecoder`` built with ``hard_out=True``,
    ``return_infobits=True``, ``return_state=True``, ``cn_update="boxplus-phi"``, flooding and
    no callbacks: ``decoder(llr, num_iter=..., msg_v2c=state) -> (bits [R, k], state)``; the
    state is in this decoder's own edge order (resume it here, not in Sionna's decoder).
    CPU tensors (the bit-true chain decodes on the CPU).

    :param decoder: the Sionna decoder whose graph, code and clipping are used.
    """

    def __init__(self, decoder) -> None:
        from sionna.phy.fec.ldpc.decoding import cn_update_phi, vn_update_sum

        if (decoder._cn_update is not cn_update_phi or decoder._vn_update is not vn_update_sum
                or decoder._scheduling != "flooding" or decoder._v2c_callbacks
                or decoder._c2v_callbacks or decoder._harq_mode or not decoder._hard_out
                or not decoder._return_infobits or decoder._llr_max is None
                or decoder.dtype != torch.float32):
            raise LinksimError("DegreeGroupedBP runs Sionna's flooding boxplus-phi float32 "
                               "decoder with hard info-bit outputs only")
        enc = decoder.encoder
        self.n, self.k, self.z = enc.n, enc.k, enc.z
        self.k_filler = enc.k_filler
        self.buf_len = enc.n_cb_comp - decoder._nb_pruned_nodes
        self.out_int_inv = (None if enc.num_bits_per_symbol is None
                            else torch.as_tensor(np.asarray(enc.out_int_inv), dtype=torch.long))
        self.llr_max = float(decoder._llr_max)
        self.num_iter = decoder.num_iter
        cn_idx, vn_idx = np.asarray(decoder._cn_idx), np.asarray(decoder._vn_idx)
        self.cn = _Groups(cn_idx, decoder.num_cns)
        self.vn = _Groups(vn_idx, decoder.num_vns)
        pos_in_cn = np.empty_like(self.cn.edge_order)
        pos_in_cn[self.cn.edge_order] = np.arange(pos_in_cn.size)
        pos_in_vn = np.empty_like(self.vn.edge_order)
        pos_in_vn[self.vn.edge_order] = np.arange(pos_in_vn.size)
        long = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.long)
        self.vn_to_cn = long(pos_in_vn[self.cn.edge_order])   # CN-ordered edge <- VN position
        self.cn_to_vn = long(pos_in_cn[self.vn.edge_order])   # VN-ordered edge <- CN position
        self.vn_order = long(self.vn.node_order)                  # grouped VN <- Sionna VN
        self.vn_of_edge = long(self.vn.node_of_slot)              # grouped VN of each VN-ordered edge
        info = np.empty(decoder.num_vns, dtype=np.int64)
        info[self.vn.node_order] = np.arange(decoder.num_vns)
        self.info_pos = long(info[: self.k])                      # grouped position of info bit i
        self._one = torch.ones(())

    def channel_llrs(self, llr: torch.Tensor) -> torch.Tensor:
        """[R, n] logits -> [R, VNs] clipped LLRs (log p0/p1) in grouped VN order."""
        rows = llr.shape[0]
        if self.out_int_inv is not None:
            llr = llr[:, self.out_int_inv]
        buf = torch.nn.functional.pad(llr, (0, self.buf_len - self.n))
        n_sys = self.k - 2 * self.z
        full = torch.cat([llr.new_zeros(rows, 2 * self.z), buf[:, :n_sys],
                          llr.new_full((rows, self.k_filler), -self.llr_max), buf[:, n_sys:]], 1)
        return full.clamp(-self.llr_max, self.llr_max).mul_(-1.0).index_select(1, self.vn_order)

    def __call__(self, llr: torch.Tensor, num_iter: int | None = None,
                 msg_v2c: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """[R, n] channel logits -> (hard info bits [R, k] float, v2c state [R, E])."""
        x, v2c = self.run(llr, num_iter, msg_v2c)
        return (x.index_select(1, self.info_pos) <= 0).to(torch.float32), v2c

    def run(self, llr: torch.Tensor, num_iter: int | None = None,
            msg_v2c: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """[R, n] channel logits -> (VN totals [R, VNs] as LLRs log p0/p1 in grouped VN
        order, v2c state [R, E]) after ``num_iter`` iterations."""
        num_iter = self.num_iter if num_iter is None else int(num_iter)
        ch = self.channel_llrs(llr.to(torch.float32).reshape(-1, self.n))
        v2c = ch.index_select(1, self.vn_of_edge) if msg_v2c is None else msg_v2c
        if num_iter == 0:
            return ch, v2c
        x = torch.empty_like(ch)
        cn, work, sign, vn = (torch.empty_like(v2c) for _ in range(4))
        for _ in range(num_iter):
            torch.index_select(v2c, 1, self.vn_to_cn, out=cn)
            self._check_nodes(cn, work, sign)                      # c2v -> work
            torch.index_select(work, 1, self.cn_to_vn, out=vn)
            self._variable_nodes(vn, ch, x)                        # v2c -> vn
            v2c = vn
        return x, v2c

    def _phi(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``out`` = :math:`\\phi(x)` with Sionna's clamp; ``x`` is overwritten."""
        e = x.clamp_(_PHI_MIN, _PHI_MAX).exp_()
        torch.add(e, 1.0, out=out).log_()
        return out.sub_(e.sub_(1.0).log_())

    def _check_nodes(self, v2c: torch.Tensor, out: torch.Tensor, sign: torch.Tensor) -> None:
        """[R, E] v2c in CN order -> ``out`` = c2v in CN order (boxplus-phi, extrinsic);
        ``v2c`` and ``sign`` are work space."""
        torch.add(v2c, 0.0, out=sign)                          # -0 -> +0: Sionna's sign(0) = +1
        torch.copysign(self._one, sign, out=sign)
        p = self._phi(v2c.abs_(), out)                         # phi(|v2c|) -> out
        for pv, tv, sv in zip(self.cn.views(p), self.cn.views(v2c), self.cn.views(sign)):
            torch.sub(pv.sum(1, keepdim=True), pv, out=tv)     # extrinsic sums -> v2c
            sv.mul_(sv.prod(1, keepdim=True))
        self._phi(v2c, out).mul_(sign).clamp_(-self.llr_max, self.llr_max)

    def _variable_nodes(self, c2v: torch.Tensor, ch: torch.Tensor, x: torch.Tensor) -> None:
        """[R, E] c2v in VN order -> v2c in place; ``x`` = clipped VN totals [R, VNs]."""
        for (_, _, a, b, _), cv in zip(self.vn.spans, self.vn.views(c2v)):
            xs = torch.add(cv.sum(1), ch[:, a:b], out=x[:, a:b])
            torch.sub(xs.unsqueeze(1), cv, out=cv)
        c2v.clamp_(-self.llr_max, self.llr_max)
        x.clamp_(-self.llr_max, self.llr_max)
