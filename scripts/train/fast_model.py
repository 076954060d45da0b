"""The reference model with the chunk coefficients in closed form, for training.

titans_ref.Memory.coefficients runs the recurrences of a chunk token by token (n small steps per
chunk, each a handful of tiny tensor ops: most of a training step's time under vmap). Here they
come from cumulative products, which is the same function (windowed attention is rewritten too,
see FastTitans._attention):
    D_x[i, m] = prod_{k=m+1..i} x_k (m <= i, else 0)
    CS = D_eta * theta_j,  G = D_keep @ CS,  P = cumprod(eta),  B = cumprod(keep),  F = D_keep @ P.
tests: scripts/train/test_fast_model.py checks it against the reference.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import titans_ref as R  # noqa: E402


def decay_matrix(x):
    """x [..., n] -> D [..., n, n], D[i, m] = prod_{k=m+1..i} x_k for m <= i, 0 above."""
    n = x.shape[-1]
    later = torch.ones(n, n, dtype=torch.bool).triu(1)                             # [m, k]: k > m
    z = torch.where(later, x[..., None, :], torch.ones((), dtype=x.dtype))         # [..., m, k]
    return torch.cumprod(z, dim=-1).transpose(-1, -2).tril()                       # [..., i, m]


class FastMemory(R.Memory):
    @staticmethod
    def coefficients(theta, eta, alpha):
        keep = 1 - alpha                                                           # [H_m, n]
        d_keep = decay_matrix(keep)                                                # [H_m, n, n]
        cs = decay_matrix(eta) * theta[..., None, :]
        p = torch.cumprod(eta, dim=-1)[..., None]                                  # [H_m, n, 1]
        b = torch.cumprod(keep, dim=-1)[..., None]
        return cs, d_keep @ cs, p, b, d_keep @ p


class FastTitans(R.TitansRef):
    memory_class = FastMemory
    query_block = 64

    def _attention(self, w, u, window):
        """titans_ref's attention with a window as one batched product over query blocks: every
        block's keys come out of one unfold, not a slice per block (under vmap each slice's
        backward fills a zero tensor of the whole sequence). Full attention: the reference's."""
        if window is None:
            return super()._attention(w, u, window)
        cfg, n_p, n = self.cfg, self.cfg.n_persistent, u.shape[0]
        q, k, v = (R.split_heads(u @ w["attn/" + m], cfg.n_heads) for m in ("wq", "wk", "wv"))
        scale = 1.0 / math.sqrt(cfg.d_head)
        out = []
        if n_p:  # the prefix rows: causal among themselves, nothing rotated
            causal = torch.ones(n_p, n_p, dtype=torch.bool).tril()
            out.append(R.attend([(q[:, :n_p], k[:, :n_p], v[:, :n_p])], causal, scale))
        t = n - n_p
        if t:
            positions = torch.arange(t, dtype=torch.float64)
            q_tok, k_tok, v_tok = q[:, n_p:], k[:, n_p:], v[:, n_p:]                # [H, t, d_h]
            q_rot = R.rope(q_tok, positions, cfg.rope_base)
            k_rot = R.rope(k_tok, positions, cfg.rope_base)
            bq, span = self.query_block, self.query_block + window - 1
            nb = -(-t // bq)
            pad_q = nb * bq - t

            def blocks_of(x):  # [H, t, d_h] -> [H, nb, span, d_h]: keys of each query block
                x = F.pad(x, (0, 0, window - 1, pad_q))
                return x.unfold(1, span, bq).transpose(-1, -2)

            def rows_of(x):  # [H, t, d_h] -> [H, nb, bq, d_h]
                return F.pad(x, (0, 0, 0, pad_q)).reshape(x.shape[0], nb, bq, x.shape[-1])

            qb, qb_rot = rows_of(q_tok), rows_of(q_rot)
            r = torch.arange(bq)[:, None]
            l = torch.arange(span)[None, :]
            lag = r - l + window - 1                          # query position - key position
            first = torch.arange(nb)[:, None, None] * bq - (window - 1) + l[None] >= 0
            visible = (lag >= 0) & (lag < window) & first                              # [nb, bq, span]
            s_tok = (qb_rot @ blocks_of(k_rot).transpose(-1, -2)) * scale              # [H, nb, bq, span]
            s_tok = s_tok.masked_fill(~visible, float("-inf"))
            if n_p:
                s_pre = (qb @ k[:, None, :n_p].transpose(-1, -2)) * scale              # [H, nb, bq, n_p]
                weights = torch.softmax(torch.cat([s_pre, s_tok], dim=-1), dim=-1)
                y = weights[..., :n_p] @ v[:, None, :n_p] + weights[..., n_p:] @ blocks_of(v_tok)
            else:
                y = torch.softmax(s_tok, dim=-1) @ blocks_of(v_tok)
            out.append(R.merge_heads(y.reshape(y.shape[0], nb * bq, -1)[:, :t]))
        return torch.cat(out, dim=0) @ w["attn/wo"]


def fast_copy(model):
    """A FastTitans sharing nothing with model, with the same weights."""
    fast = FastTitans(model.cfg)
    with torch.no_grad():
        for path, p in model.p.items():
            fast.p[path].copy_(p)
    return fast
