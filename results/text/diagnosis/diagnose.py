"""Why paper-faithful DeepSC stalled at BLEU-1 ~0.6 (issue 27): writes ``diagnosis.md`` here.

1. **Position probe.** For each checkpoint: the RMS of the scaled word embeddings
   :math:`\\sqrt{d}\\,e_w` against the sinusoidal positions', and how well a linear probe
   (least-squares one-hot regression, fitted on 3/4 of the tokens of 1,024 test sentences,
   scored on the rest) recovers each token's position from the encoder input, the encoder
   output and the receiver's memory (what the semantic decoder attends to: the channel
   decoder's output, plus the positions of ``rx_positions``, after the Mamba block where
   there is one) at 12 dB AWGN. Without positions at the receiver the decoder cannot tell
   which received word is the next one.
2. **Does the decoder listen?** The teacher-forced cross-entropy (nats per token) of 256
   test sentences with the memory received at 12 dB AWGN, and with the memory of pure noise
   (no signal: what a language model over the previous words achieves). A decoder that
   ignores the channel scores about the same on both.
3. **Greedy versus teacher-forced scoring** on 256 test sentences at 6 / 12 / 18 dB: the
   public reproduction's ``scripts/evaluate.py`` scores ``logits.argmax(-1)`` of the
   teacher-forced forward pass (its decoder is fed the reference sentence), not a decoded
   sentence; linksim decodes greedily. Both are shown, scored with nltk BLEU-1 as the
   reproduction does.
4. **Controlled experiment** (checkpoint ids given on the command line, found through
   ``$LINKSIM_ZOO``): the same small DeepSC trained twice, only the initialization differing
   (PyTorch's default or DeepSC's Xavier); both parts above for them, and their learning
   curves from their cards::

       for init in torch xavier; do
         linksim train deepsc --task text --data ../shared/data/europarl --out <dir>/init_$init \
           --snr 5:10 --channel awgn --config small --set init=$init --steps 1000 --batch 64 \
           --lr 1e-3 --warmup 100 --val-every 200 --val-count 128 --threads 1 --seed 0
       done

Run from the repository root (needs ../shared/data/europarl)::

    LINKSIM_ZOO=<dir> python results/text/diagnosis/diagnose.py [init_torch init_xavier]
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import torch

from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.channels.base import Link
from linksim.tasks.text.batch import TextBatch
from linksim.tasks.text.metrics import sentence_bleu
from linksim.tasks.text.source import EuroparlSource, default_folder
from linksim.tasks.text.transceiver import sinusoidal
from linksim.zoo import read_card

HERE = Path(__file__).resolve().parent
CHECKPOINTS = ("deepsc-l2-spw8-awgn-snr5_10", "deepsc-rxpos-l2-spw8-awgn-snr5_10-s10k",
               "mamba_deepsc-l2-spw8-awgn-snr5_10", "deepsc-paper-spw8-awgn-snr5_10",
               "mamba_deepsc-paper-spw8-awgn-snr5_10", "deepsc-rxpos-paper-spw8-awgn-snr5_10")


def load(cid: str):
    card = read_card(cid)
    system = SYSTEMS.get(card["system"], "text")(checkpoint=cid).eval()
    vocab = card.get("data", {}).get("vocab")
    data = EuroparlSource(vocab=None if vocab else str(default_folder() / "deepsc_vocab.json"))
    return system.net, data


@torch.no_grad()
def probe(net, data, count: int = 1024, snr: float = 12.0) -> dict[str, float]:
    feats: dict[str, list] = {"encoder input": [], "encoder output": [], "receiver memory": []}
    pos = []
    channel = CHANNELS.get("awgn")()
    for k in range(0, count, 128):
        b = TextBatch.stack(data.sentences[k:k + 128], data.vocab)
        e = net.embed(b.tokens) * math.sqrt(net.dim) + sinusoidal(b.tokens.shape[1], net.dim)
        x = net.encoder(e, src_key_padding_mask=~b.mask)
        z = net.encode(b.tokens, b.mask)
        y, _ = Link(channel, snr, len(b), list(range(k, k + len(b))), (z.shape[1],))(z)
        m = net.receive(y, b.mask)  # channel decoder (+ rx positions) (+ Mamba block)
        for key, f in zip(feats, (e, x, m)):
            feats[key].append(f[b.mask])
        pos.append(torch.arange(b.tokens.shape[1]).expand_as(b.tokens)[b.mask])
    p = torch.cat(pos)
    fit = torch.arange(len(p)) < len(p) * 3 // 4
    out = {}
    for key, f in feats.items():
        X = torch.cat(f).double()
        X = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], 1)
        W = torch.linalg.lstsq(X[fit], torch.nn.functional.one_hot(p[fit]).double()).solution
        out[key] = float(((X[~fit] @ W).argmax(1) == p[~fit]).double().mean())
    out["most common position"] = float(torch.bincount(p[~fit]).max() / (~fit).sum())
    return out


@torch.no_grad()
def listening(net, data, count: int = 256, snr: float = 12.0) -> tuple[float, float]:
    """(cross-entropy with the received memory, with a noise-only memory), nats per token."""
    channel, totals, tokens = CHANNELS.get("awgn")(), [0.0, 0.0], 0
    for k in range(0, count, 128):
        b = TextBatch.stack(data.sentences[k:k + 128], data.vocab)
        z = net.encode(b.tokens, b.mask)
        link = Link(channel, snr, len(b), list(range(k, k + len(b))), (z.shape[1],))
        y, _ = link(z)
        noise, _ = link(torch.zeros_like(z))
        for i, received in enumerate((y, noise)):
            totals[i] += float(net.token_nll(b.tokens, net.receive(received, b.mask), b.mask).sum())
        tokens += int(b.mask[:, 1:].sum())
    return totals[0] / tokens, totals[1] / tokens


@torch.no_grad()
def scoring(net, data, count: int = 256, snrs=(6.0, 12.0, 18.0)) -> dict[float, tuple]:
    channel, out = CHANNELS.get("awgn")(), {}
    for snr in snrs:
        greedy = forced = 0.0
        for k in range(0, count, 128):
            b = TextBatch.stack(data.sentences[k:k + 128], data.vocab)
            z = net.encode(b.tokens, b.mask)
            y, _ = Link(channel, snr, len(b), list(range(k, k + len(b))), (z.shape[1],))(z)
            mem = net.receive(y, b.mask)
            g = [data.vocab.decode(r) for r in net.greedy(mem, b.mask).tolist()]
            h = net._decode(b.tokens[:, :-1], mem, b.mask)
            t = net.head.predict(h.reshape(-1, h.shape[-1])).reshape(h.shape[:2])
            f = [data.vocab.decode(r) for r in t.tolist()]
            greedy += float(sentence_bleu(b.words, g, 1).sum())
            forced += float(sentence_bleu(b.words, f, 1).sum())
        out[snr] = (greedy / count, forced / count)
    return out


def curves(ids: list[str]) -> list[str]:
    lines = []
    for cid in ids:
        card = read_card(cid)
        lines += [f"{cid}: `{card['command']}` ({card['wall_time_s']:.0f} s)", "",
                  "| step | train loss | val BLEU-1 at 0 / 5 / 10 / 15 / 20 dB |", "|---|---|---|"]
        for h in card["history"]:
            lines.append(f"| {h['step']} | {h['loss']:.3f} | "
                         + " / ".join(f"{v:.3f}" for v in h["val_bleu1"].values()) + " |")
        lines.append("")
    return lines


def main(extra: list[str]) -> None:
    torch.set_num_threads(1)
    pe = float(sinusoidal(32, 128).square().mean().sqrt())
    probe_rows, score_rows, listen_rows = [], [], []
    for cid in (*CHECKPOINTS, *extra):
        net, data = load(cid)
        emb = float(net.embed.weight[4:].detach().square().mean().sqrt()) * math.sqrt(net.dim)
        pr = probe(net, data)
        probe_rows.append(f"| {cid} | {emb:.2f} | {pe:.2f} | " + " | ".join(
            f"{pr[k]:.3f}" for k in ("encoder input", "encoder output", "receiver memory",
                                     "most common position")) + " |")
        heard, noise = listening(net, data)
        listen_rows.append(f"| {cid} | {heard:.3f} | {noise:.3f} | {noise - heard:.3f} |")
        sc = scoring(net, data)
        score_rows.append(f"| {cid} | " + " | ".join(f"{g:.3f} / {f:.3f}" for g, f in sc.values())
                          + " |")
    lines = ["<!-- generated by results/text/diagnosis/diagnose.py; do not edit -->", "",
             "## Are word positions at the receiver?", "",
             "| checkpoint | RMS of sqrt(d) e_w | RMS of positions | probe: encoder input | "
             "encoder output | receiver memory (12 dB) | most common position (chance) |",
             "|---|---|---|---|---|---|---|", *probe_rows, "",
             "## Does the decoder listen?", "",
             "Teacher-forced cross-entropy, nats per token, 256 test sentences:", "",
             "| checkpoint | received at 12 dB | noise only | gap |", "|---|---|---|---|",
             *listen_rows, "",
             "## Greedy decoding versus the reproduction's teacher-forced scoring", "",
             "BLEU-1 (nltk, method1), 256 test sentences, AWGN; greedy / teacher-forced:", "",
             "| checkpoint | 6 dB | 12 dB | 18 dB |", "|---|---|---|---|", *score_rows, ""]
    if extra:
        lines += ["## Controlled experiment: the initialization alone", "", *curves(extra)]
    (HERE / "diagnosis.md").write_text("\n".join(lines))
    print(HERE / "diagnosis.md")


if __name__ == "__main__":
    main(sys.argv[1:])
