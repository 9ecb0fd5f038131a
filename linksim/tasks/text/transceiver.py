r"""DeepSC's transceiver (Xie et al., IEEE TSP 2021), optionally with the survey's Mamba blocks.

::

    s = [<START>, w_1..w_L, <END>]  [B, T] int64
      -> Embedding(V, d) * sqrt(d) + sinusoidal positions -> Transformer encoder x N
      -> [Mamba block]                          (Mamba-DeepSC: "before the channel encoder")
      -> channel encoder Linear(d, 256) -> ReLU -> Linear(256, 2 S)       per token
      -> S complex symbols per token, flattened to [B, S T], unit average power per sentence
         (padding positions carry zeros and are not channel uses)
    channel (AWGN / Rayleigh + MMSE): y [B, S T]
      -> channel decoder: u1 = ReLU(Linear(2 S, d)), u2 = ReLU(Linear(d, 512)),
         m = LayerNorm(u1 + Linear(512, d)(u2))                            per token
      -> [+ sinusoidal positions]               (``rx_positions``; not in DeepSC's paper)
      -> [Mamba block]                          (Mamba-DeepSC: "prior to final semantic decoding")
      -> Transformer decoder x N (masked self-attention, cross-attention to m)
      -> softmax over V words (full, or an adaptive softmax over frequency-ranked words)

``S`` = ``symbols_per_word`` (8: 16 real values per word, DeepSC's). Training is
teacher-forced cross-entropy (DeepSC's first phase; its mutual-information term is not
used). The receiver decodes greedily, at most ``T - 1`` tokens (it knows how many symbols
arrived, hence ``T``), stopping at ``<END>``.

The channel carries no word positions unless the channel encoder spends symbols on them:
the encoder adds positions to embeddings scaled by :math:`\sqrt{d}`, which swamp them, and
16 reals per word hold little else. The receiver knows the symbol order, so
``rx_positions`` adds the sinusoidal positions to the channel decoder's output for free,
which lets cross-attention find the next word by position; DeepSC's paper does without
(the Mamba blocks' scans give Mamba-DeepSC the order anyway).

Layers are PyTorch's ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer``
(post-norm, ReLU, dropout 0.1, as DeepSC's code), width ``d`` = 128, 8 heads, FFN 512.

**Initialization** (``init``) decides whether the word order reaches the channel at all.
With PyTorch's default ``nn.Embedding`` init, :math:`\mathcal N(0, 1)`, the scaled embedding
:math:`\sqrt{d}\,e_w` has an RMS of 11.3 against 0.71 for the sinusoidal positions, and the
embeddings barely move in training (RMS still 11.3 after 10,000 steps): a linear probe finds
the position of 14% of the tokens at the encoder's input, output and at the receiver (31
positions; always guessing the most common one scores 5%), so the decoder cannot tell which
received word is the next one. DeepSC's code initializes every matrix, embeddings
included, with Xavier-uniform (``init = "xavier"``; the scaled embeddings start at RMS 0.1
for a vocabulary of 23,849 words), so the positions dominate the encoder's input at first.
In a controlled pair (config ``small``, 1000 steps of 64 sentences, only ``init`` differing)
Xavier ends at a training loss of 4.81 nats against 5.32 and a validation BLEU-1 of 0.262
against 0.224 at 10 dB (``results/text/diagnosis/diagnosis.md``). ``"torch"`` keeps
PyTorch's defaults (the checkpoints trained before the cause was found). The Mamba blocks keep their own initialization either
way (S4D-real :math:`A`, Mamba's :math:`\Delta`).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.tasks.text.mamba_block import MambaBlock
from linksim.tasks.text.vocab import END, PAD, START


#: the ``init`` choices of :class:`Transceiver`
INITS = ("torch", "xavier")


def sinusoidal(length: int, dim: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """[length, dim] float32 positional encoding of Vaswani et al. (2017)."""
    pos = torch.arange(length, dtype=torch.float32, device=device)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device)
                     * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, device=device)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


class ChannelDecoder(nn.Module):
    """DeepSC's dense channel decoder, [B, T, 2S] -> [B, T, d] (see the module diagram)."""

    def __init__(self, reals: int, dim: int, hidden: int = 512) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = (nn.Linear(reals, dim), nn.Linear(dim, hidden),
                                        nn.Linear(hidden, dim))
        self.norm = nn.LayerNorm(dim)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        u1 = torch.relu(self.fc1(y))
        return self.norm(u1 + self.fc3(torch.relu(self.fc2(u1))))


class OutputHead(nn.Module):
    """Word distribution from decoder states: a full softmax, or an adaptive softmax
    (Grave et al. 2017) over words ranked by training frequency (``rank`` buffer:
    vocabulary index -> class; identity until :meth:`rank_by` is called).

    :param cutoffs: class boundaries of the adaptive softmax, ``None``: full softmax.
    """

    def __init__(self, dim: int, vocab: int, cutoffs: list[int] | None = None) -> None:
        super().__init__()
        self.adaptive = cutoffs is not None
        self.out = (nn.AdaptiveLogSoftmaxWithLoss(dim, vocab, list(cutoffs), div_value=4.0)
                    if self.adaptive else nn.Linear(dim, vocab))
        self.register_buffer("rank", torch.arange(vocab))
        self.register_buffer("word", torch.arange(vocab))

    @torch.no_grad()
    def rank_by(self, counts: torch.Tensor) -> None:
        """Rank words by ``counts`` ([V], descending; ties by index)."""
        order = torch.sort(-counts.double(), stable=True).indices
        self.word.copy_(order)
        self.rank.copy_(torch.argsort(order))

    def nll(self, h: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """[N, d] states, [N] word indices -> [N] negative log-likelihoods (nats)."""
        if self.adaptive:
            return -self.out(h, self.rank[target]).output
        return nn.functional.cross_entropy(self.out(h), target, reduction="none")

    def predict(self, h: torch.Tensor) -> torch.Tensor:
        """[N, d] -> [N] most likely word indices."""
        return self.word[self.out.predict(h)] if self.adaptive else self.out(h).argmax(-1)


class Transceiver(nn.Module):
    """DeepSC with optional Mamba blocks at the survey's two insertion points.

    :param vocab: V; :param symbols_per_word: S; :param dim: d; :param layers: N;
    :param heads, ffn, dropout: Transformer settings; :param cutoffs: adaptive softmax
    cutoffs (None: full softmax); :param mamba: insert the two Mamba blocks;
    :param d_state, expand: their settings; :param rx_positions: add sinusoidal
        positions to the channel decoder's output (see the module docstring);
    :param init: ``"torch"`` (PyTorch's defaults) or ``"xavier"`` (DeepSC's code: every
        matrix outside the Mamba blocks Xavier-uniform; see the module docstring).
    """

    def __init__(self, vocab: int, symbols_per_word: int = 8, dim: int = 128, layers: int = 4,
                 heads: int = 8, ffn: int = 512, dropout: float = 0.1,
                 cutoffs: list[int] | None = None, mamba: bool = False, d_state: int = 16,
                 expand: float = 2.0, rx_positions: bool = False, init: str = "torch") -> None:
        super().__init__()
        self.dim, self.spw, self.rx_positions = dim, int(symbols_per_word), bool(rx_positions)
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        enc = nn.TransformerEncoderLayer(dim, heads, ffn, dropout, batch_first=True)
        dec = nn.TransformerDecoderLayer(dim, heads, ffn, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, layers, enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(dec, layers)
        self.channel_encoder = nn.Sequential(nn.Linear(dim, 256), nn.ReLU(),
                                             nn.Linear(256, 2 * self.spw))
        self.channel_decoder = ChannelDecoder(2 * self.spw, dim)
        self.mamba_tx = MambaBlock(dim, d_state, expand) if mamba else None
        self.mamba_rx = MambaBlock(dim, d_state, expand) if mamba else None
        self.head = OutputHead(dim, vocab, cutoffs)
        if init not in INITS:
            raise LinksimError(f"init={init!r}: choose one of {', '.join(INITS)}")
        if init == "xavier":
            self._xavier()

    @torch.no_grad()
    def _xavier(self) -> None:
        """DeepSC's initialization: Xavier-uniform on every parameter with two or more
        dimensions (embeddings included), the Mamba blocks excepted."""
        mamba = {id(p) for blk in (self.mamba_tx, self.mamba_rx) if blk is not None
                 for p in blk.parameters()}
        for p in self.parameters():
            if p.dim() > 1 and id(p) not in mamba:
                nn.init.xavier_uniform_(p)

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        pe = sinusoidal(tokens.shape[1], self.dim, tokens.device)
        return self.dropout(self.embed(tokens) * math.sqrt(self.dim) + pe)

    def encode(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, T] ids, [B, T] bool -> [B, S T] complex64 symbols, unit power per sentence."""
        x = self.encoder(self._embed(tokens), src_key_padding_mask=~mask)
        if self.mamba_tx is not None:
            x = self.mamba_tx(x, mask)
        r = self.channel_encoder(x) * mask[..., None]                      # [B, T, 2S]
        z = torch.view_as_complex(r.reshape(*r.shape[:2], self.spw, 2).contiguous())
        z = z.flatten(1)                                                   # [B, S T]
        n = (mask.sum(1) * self.spw).clamp_min(1)
        energy = z.abs().square().sum(1) / n
        return z * torch.rsqrt(energy.clamp_min(1e-12))[:, None]

    def receive(self, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, S T] equalized symbols -> [B, T, d] memory for the semantic decoder."""
        r = torch.view_as_real(y).reshape(y.shape[0], -1, 2 * self.spw)
        m = self.channel_decoder(r)
        if self.rx_positions:
            m = m + sinusoidal(m.shape[1], self.dim, m.device)
        return self.mamba_rx(m, mask) if self.mamba_rx is not None else m

    def _decode(self, prefix: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor
                ) -> torch.Tensor:
        t = prefix.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=prefix.device).triu(1)
        return self.decoder(self._embed(prefix), memory, tgt_mask=causal, tgt_is_causal=True,
                            tgt_key_padding_mask=prefix == PAD,
                            memory_key_padding_mask=~mask)

    def token_nll(self, tokens: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor
                  ) -> torch.Tensor:
        """Teacher-forced [B, T-1] negative log-likelihood of ``tokens[:, 1:]`` (0 at padding)."""
        h = self._decode(tokens[:, :-1], memory, mask)
        target, real = tokens[:, 1:], mask[:, 1:]
        nll = torch.zeros(target.shape, dtype=h.dtype, device=h.device)
        nll[real] = self.head.nll(h[real], target[real])
        return nll

    @torch.no_grad()
    def greedy(self, memory: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, T] ids starting with <START>: greedy decoding, at most T - 1 steps per row."""
        b, t = mask.shape
        out = torch.full((b, 1), START, dtype=torch.int64, device=memory.device)
        done = torch.zeros(b, dtype=torch.bool, device=memory.device)
        limit = mask.sum(1) - 1
        for step in range(t - 1):
            h = self._decode(out, memory, mask)[:, -1]
            nxt = self.head.predict(h)
            nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
            out = torch.cat([out, nxt[:, None]], dim=1)
            done = done | (nxt == END) | (step + 1 >= limit)
            if bool(done.all()):
                break
        return out

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor, link: Link) -> torch.Tensor:
        """Training: [B, T] ids through ``link`` -> [B, T-1] teacher-forced NLL."""
        y, _ = link(self.encode(tokens, mask))
        return self.token_nll(tokens, self.receive(y, mask), mask)
