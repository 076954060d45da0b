"""PyTorch reference of the Titans model of docs/model.md (definition v1) and of the HDF5
checkpoint format v1 of docs/checkpoint-format.md.

The C engine in src/ must reproduce this code; every name below is the checkpoint name of the
tensor (`layers/<i>/mem/wq` ...), and the long-term memory's token-by-token loop (`Memory._loop`)
is the ground truth. Row vectors throughout: `x @ W` with weights stored `[in, out]`.

Parameters are float32. `TitansRef.forward(..., dtype=torch.float64)` runs the same model in double
precision from the float32 weights cast up (the golden fixtures are computed that way).
"""
import dataclasses
import datetime
import math
import shlex
import sys
from dataclasses import dataclass

import h5py
import numpy as np
import torch
import torch.nn.functional as F

FORMAT = "titans-eval"
FORMAT_VERSION = 1

LAYER_KINDS = ("attn", "swa", "lmm", "mac", "mag", "mal")
ATTENTION_KINDS = ("attn", "swa", "mac", "mag", "mal")
MEMORY_KINDS = ("lmm", "mac", "mag", "mal")
WINDOWED_KINDS = ("swa", "mag", "mal")
HEAD_OF_INPUT = {"bytes": "lm", "dna": "cls", "series": "forecast"}
VOCAB_OF_INPUT = {"bytes": 256, "dna": 5, "series": 0}

RMSNORM_EPS = 1e-6
LAYERNORM_EPS = 1e-5
L2_EPS = 1e-6
REVIN_EPS = 1e-5
CONV_KERNEL = 4
HDF5_LIBVER = ("v108", "v108")  # compact groups (HDF5 >= 1.8 reads them), a third smaller files
ATTENTION_BLOCK = 256  # queries per block in sequence attention (memory bound, not semantics)


class ConfigError(ValueError):
    """A config that violates docs/checkpoint-format.md; the message starts with the field name."""


class CheckpointError(ValueError):
    """A checkpoint file that is not format v1; the message is `file: field: problem`."""


# ---------------------------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------------------------

@dataclass
class Config:
    """The root attributes of a checkpoint (docs/checkpoint-format.md), provenance excluded."""
    input: str = "bytes"
    head: str = "lm"
    d_model: int = 64
    n_layers: int = 2
    layer_kinds: tuple = ("mag", "mag")
    n_heads: int = 4
    ffn_dim: int = 128
    window: int = 32
    segment: int = 16
    n_persistent: int = 4
    mem_heads: int = 2
    mem_depth: int = 2
    mem_expansion: int = 2
    mem_chunk: int = 16
    theta_max: float = 1.0
    mem_momentum: int = 1
    mem_decay: int = 1
    mem_conv: int = 1
    rope_base: float = 10000.0
    vocab_size: int = 256
    n_classes: int = 0
    lookback: int = 0
    horizon: int = 0
    patch_len: int = 0
    patch_stride: int = 0
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    STRING_FIELDS = ("format", "input", "head")
    REAL_FIELDS = ("theta_max", "rope_base")
    INT_FIELDS = ("format_version", "d_model", "n_layers", "n_heads", "ffn_dim", "window",
                  "segment", "n_persistent", "mem_heads", "mem_depth", "mem_expansion",
                  "mem_chunk", "mem_momentum", "mem_decay", "mem_conv", "vocab_size",
                  "n_classes", "lookback", "horizon", "patch_len", "patch_stride")

    def __post_init__(self):
        self.layer_kinds = tuple(self.layer_kinds)
        self.validate()

    @property
    def d_head(self):
        return self.d_model // self.n_heads

    @property
    def d_mem(self):
        return self.d_model // self.mem_heads

    @property
    def mem_hidden(self):
        return self.mem_expansion * self.d_mem

    @property
    def n_patch(self):
        return (self.lookback - self.patch_len) // self.patch_stride + 2

    def mem_shapes(self):
        """[(in_l, out_l)] of the fast-weight matrices l = 1 .. L_M of one memory head."""
        dm, h, depth = self.d_mem, self.mem_hidden, self.mem_depth
        if depth == 1:
            return [(dm, dm)]
        return [(dm, h)] + [(h, h)] * (depth - 2) + [(h, dm)]

    def validate(self):
        def fail(field, problem):
            raise ConfigError(f"{field}: {problem}")

        for name in self.STRING_FIELDS:
            if not isinstance(getattr(self, name), str):
                fail(name, "must be a string")
        for name in self.INT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                fail(name, "must be an integer")
        for name in self.REAL_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                fail(name, "must be a real number")
            if not math.isfinite(value):
                fail(name, "must be finite")

        if self.format != FORMAT:
            fail("format", f"must be {FORMAT!r}, got {self.format!r}")
        if self.format_version != FORMAT_VERSION:
            fail("format_version", f"unsupported version {self.format_version}")
        if self.input not in HEAD_OF_INPUT:
            fail("input", f"unknown input {self.input!r}")
        if self.head != HEAD_OF_INPUT[self.input]:
            fail("head", f"input {self.input!r} needs head {HEAD_OF_INPUT[self.input]!r}")
        if not 1 <= self.n_layers <= 1024:
            fail("n_layers", "must be in 1 .. 1024")
        if len(self.layer_kinds) != self.n_layers:
            fail("layer_kinds", f"has {len(self.layer_kinds)} entries, n_layers is {self.n_layers}")
        for kind in self.layer_kinds:
            if kind not in LAYER_KINDS:
                fail("layer_kinds", f"unknown layer kind {kind!r}")
        if self.n_heads < 1:
            fail("n_heads", "must be >= 1")
        if self.mem_heads < 1:
            fail("mem_heads", "must be >= 1")
        if not 1 <= self.d_model <= 65536:
            fail("d_model", "must be in 1 .. 65536")
        if self.d_model % self.n_heads:
            fail("d_model", "must be divisible by n_heads")
        if self.d_model % self.mem_heads:
            fail("d_model", "must be divisible by mem_heads")
        if (self.d_model // self.n_heads) % 2:
            fail("n_heads", "d_model / n_heads must be even (RoPE pairs)")
        if self.ffn_dim < 1:
            fail("ffn_dim", "must be >= 1")
        needs_window = any(k in WINDOWED_KINDS for k in self.layer_kinds)
        if self.window < (1 if needs_window else 0):
            fail("window", "must be >= 1 with a swa, mag or mal layer (else >= 0)")
        needs_segment = "mac" in self.layer_kinds
        if self.segment < (1 if needs_segment else 0):
            fail("segment", "must be >= 1 with a mac layer (else >= 0)")
        if self.n_persistent < 0:
            fail("n_persistent", "must be >= 0")
        if not 1 <= self.mem_depth <= 16:
            fail("mem_depth", "must be in 1 .. 16")
        if self.mem_expansion < 1:
            fail("mem_expansion", "must be >= 1")
        if self.mem_chunk < 1:
            fail("mem_chunk", "must be >= 1")
        if not self.theta_max > 0:
            fail("theta_max", "must be > 0")
        for name in ("mem_momentum", "mem_decay", "mem_conv"):
            if getattr(self, name) not in (0, 1):
                fail(name, "must be 0 or 1")
        if not self.rope_base > 1:
            fail("rope_base", "must be > 1")
        if self.vocab_size != VOCAB_OF_INPUT[self.input]:
            fail("vocab_size", f"must be {VOCAB_OF_INPUT[self.input]} for input {self.input!r}")
        if self.head == "cls":
            if self.n_classes < 2:
                fail("n_classes", "must be >= 2 for head 'cls'")
        elif self.n_classes != 0:
            fail("n_classes", "must be 0 unless head is 'cls'")
        if self.input == "series":
            if self.patch_len < 1:
                fail("patch_len", "must be >= 1 for input 'series'")
            if self.lookback < self.patch_len:
                fail("lookback", "must be >= patch_len for input 'series'")
            if self.horizon < 1:
                fail("horizon", "must be >= 1 for input 'series'")
            if self.patch_stride < 1:
                fail("patch_stride", "must be >= 1 for input 'series'")
            if (self.lookback - self.patch_len) % self.patch_stride:
                fail("patch_stride", "must divide lookback - patch_len")
        else:
            for name in ("lookback", "horizon", "patch_len", "patch_stride"):
                if getattr(self, name) != 0:
                    fail(name, "must be 0 unless input is 'series'")


def tensor_shapes(cfg):
    """Every tensor of a checkpoint of this config: {path without leading '/': shape}."""
    d, f, hm = cfg.d_model, cfg.ffn_dim, cfg.mem_heads
    shapes = {}
    if cfg.input == "series":
        shapes["embed/patch_w"] = (cfg.patch_len, d)
        shapes["embed/patch_b"] = (d,)
        shapes["embed/pos"] = (cfg.n_patch, d)
    else:
        shapes["embed/table"] = (cfg.vocab_size, d)
    if cfg.n_persistent > 0:
        shapes["persistent"] = (cfg.n_persistent, d)
    for i, kind in enumerate(cfg.layer_kinds):
        layer = f"layers/{i}/"
        shapes[layer + "norm/mix"] = (d,)
        if kind == "mal":
            shapes[layer + "norm/attn"] = (d,)
        shapes[layer + "norm/ffn"] = (d,)
        if kind in ATTENTION_KINDS:
            for name in ("wq", "wk", "wv", "wo"):
                shapes[layer + "attn/" + name] = (d, d)
        if kind in MEMORY_KINDS:
            for name in ("wq", "wk", "wv"):
                shapes[layer + "mem/" + name] = (d, d)
            for name in ("conv_q", "conv_k", "conv_v"):
                shapes[layer + "mem/" + name] = (CONV_KERNEL, d)
            for name in ("theta", "eta", "alpha"):
                shapes[layer + "mem/w_" + name] = (d, hm)
            for name in ("theta", "eta", "alpha"):
                shapes[layer + "mem/b_" + name] = (hm,)
            shapes[layer + "mem/out_norm"] = (d,)
            shapes[layer + "mem/w_gate"] = (d, d)
            shapes[layer + "mem/wo"] = (d, d)
            for l, (n_in, n_out) in enumerate(cfg.mem_shapes(), start=1):
                shapes[layer + f"mem/m0_{l}"] = (hm, n_in, n_out)
        if kind in ("mag", "mac"):
            shapes[layer + "gate/norm_a"] = (d,)
            shapes[layer + "gate/norm_b"] = (d,)
        if kind == "mac":
            shapes[layer + "mac/norm_h"] = (d,)
            shapes[layer + "mac/norm_y"] = (d,)
            shapes[layer + "mac/w_h"] = (d, d)
        shapes[layer + "ffn/w_gate"] = (d, f)
        shapes[layer + "ffn/w_up"] = (d, f)
        shapes[layer + "ffn/w_down"] = (f, d)
    shapes["final_norm"] = (d,)
    if cfg.head == "lm":
        shapes["head/w"] = (d, 256)
    elif cfg.head == "cls":
        shapes["head/w"] = (d, cfg.n_classes)
        shapes["head/b"] = (cfg.n_classes,)
    else:
        shapes["head/w"] = (cfg.n_patch * d, cfg.horizon)
        shapes["head/b"] = (cfg.horizon,)
    return shapes


# ---------------------------------------------------------------------------------------------
# Elementwise and row-wise numerics
# ---------------------------------------------------------------------------------------------

def rmsnorm(x, g):
    """x [n, d] / sqrt(mean(x^2) + 1e-6) * g [d]."""
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + RMSNORM_EPS) * g


def layernorm(x):
    """LayerNorm without affine over the last axis, population variance, eps 1e-5."""
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    return xc / torch.sqrt((xc * xc).mean(-1, keepdim=True) + LAYERNORM_EPS)


def gelu(x):
    """Exact (erf) GELU: x Phi(x)."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def gelu_grad(x):
    """GELU'(x) = Phi(x) + x phi(x)."""
    phi = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0))) + x * phi


def split_heads(x, n_heads):
    """[n, d] -> [n_heads, n, d / n_heads]."""
    return x.reshape(x.shape[0], n_heads, -1).transpose(0, 1)


def merge_heads(x):
    """[n_heads, n, w] -> [n, n_heads * w]."""
    return x.transpose(0, 1).reshape(x.shape[1], -1)


def l2_heads(x, n_heads):
    """L2-normalise each head slice of x [n, d]: x / max(||x||, 1e-6); returns [n_heads, n, d_h]."""
    xh = split_heads(x, n_heads)
    return xh / torch.linalg.vector_norm(xh, dim=-1, keepdim=True).clamp_min(L2_EPS)


def rope(x, positions, base):
    """Rotate-half RoPE of x [H, n, d_h] at positions [n]: dimension i pairs with i + d_h/2, angle
    p * base^(-2i/d_h) formed in double; only cos/sin are rounded to x's dtype."""
    half = x.shape[-1] // 2
    i = torch.arange(half, dtype=torch.float64)
    inv_freq = base ** (-2.0 * i / x.shape[-1])                                    # [d_h/2]
    angle = positions.to(torch.float64)[:, None] * inv_freq[None, :]               # [n, d_h/2]
    cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def attend(blocks, visible, scale):
    """Softmax attention over key blocks with one softmax across all of them.

    blocks: [(q [H, nq, d_h], k [H, nk_b, d_h], v [H, nk_b, d_h])]: each block's scores use its own
    version of the queries (rotated or not). visible: bool [nq, sum nk_b]. Returns [nq, H * d_h]."""
    scores = torch.cat([q @ k.transpose(-1, -2) for q, k, _ in blocks], dim=-1) * scale
    weights = torch.softmax(scores.masked_fill(~visible, float("-inf")), dim=-1)  # [H, nq, nk]
    values = torch.cat([v for _, _, v in blocks], dim=1)                           # [H, nk, d_h]
    return merge_heads(weights @ values)


def causal_conv(x, c, history):
    """conv(x)_t = sum_j c_j x_{t-3+j}; x [n, d], c [4, d], history [3, d] (oldest first, the rows
    before x). Returns (y [n, d], new history = last 3 rows of [history | x])."""
    n = x.shape[0]
    xp = torch.cat([history, x], dim=0)                                           # [n + 3, d]
    y = c[0] * xp[0:n] + c[1] * xp[1:n + 1] + c[2] * xp[2:n + 2] + c[3] * xp[3:n + 3]
    return y, xp[-(CONV_KERNEL - 1):]


def ffn(w, x):
    """SwiGLU: (SiLU(x W_gate) * (x W_up)) W_down."""
    return (F.silu(x @ w["ffn/w_gate"]) * (x @ w["ffn/w_up"])) @ w["ffn/w_down"]


# ---------------------------------------------------------------------------------------------
# The memory MLP M of one layer, all heads at once: fast weights ws[l] [H_m, in_l, out_l]
# ---------------------------------------------------------------------------------------------

def mem_apply(ws, z):
    """M(z) for z [H_m, n, d_m]. Depth 1: z W_1; depth >= 2: z + LN(GELU(...GELU(z W_1)...) W_L)."""
    if len(ws) == 1:
        return z @ ws[0]
    a = z
    for w in ws[:-1]:
        a = gelu(a @ w)
    return z + layernorm(a @ ws[-1])


def mem_grad_factors(ws, k, v):
    """Gradient of l(M; k, v) = mean over d_m of (M(k) - v)^2 w.r.t. each fast weight, per token,
    as rank-1 factors: grad of ws[l] for token t = acts[l][:, t]^T deltas[l][:, t].

    k, v [H_m, n, d_m]. Returns acts (layer inputs, acts[l] [H_m, n, in_l]) and deltas
    (back-propagated errors at the layer outputs, deltas[l] [H_m, n, out_l])."""
    d_m = k.shape[-1]
    acts, pre = [k], []
    for w in ws[:-1]:
        pre.append(acts[-1] @ w)                                                   # [H, n, h]
        acts.append(gelu(pre[-1]))
    o = acts[-1] @ ws[-1]                                                          # [H, n, d_m]
    if len(ws) == 1:
        return acts, [(2.0 / d_m) * (o - v)]
    mu = o.mean(-1, keepdim=True)
    sigma = torch.sqrt(((o - mu) ** 2).mean(-1, keepdim=True) + LAYERNORM_EPS)
    o_hat = (o - mu) / sigma
    g = (2.0 / d_m) * (k + o_hat - v)                                              # dl/dM(k)
    g_o = (g - g.mean(-1, keepdim=True) - o_hat * (g * o_hat).mean(-1, keepdim=True)) / sigma
    deltas = [g_o]
    for l in range(len(ws) - 2, -1, -1):
        deltas.insert(0, (deltas[0] @ ws[l + 1].transpose(-1, -2)) * gelu_grad(pre[l]))
    return acts, deltas


@dataclass
class MemoryState:
    """Everything a sequence changes in one memory layer."""
    m: list        # fast weights M, m[l] [H_m, in_l, out_l]
    s: list        # momentum S, same shapes
    anchor: list   # A: M at the start of the current chunk (gradients are taken there)
    pos: int       # layer position of the next row (prefix rows count)
    conv: list     # [q, k, v] histories [3, d]: the last 3 rows of u W_Q, u W_K, u W_V


class Memory:
    """The neural long-term memory (docs/model.md section 3) of one layer.

    w maps `mem/...` names to this layer's tensors."""

    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg

    def initial_state(self):
        m0 = [self.w[f"mem/m0_{l}"] for l in range(1, self.cfg.mem_depth + 1)]
        zero_rows = self.w["mem/wq"].new_zeros(CONV_KERNEL - 1, self.cfg.d_model)
        return MemoryState(m=m0, s=[torch.zeros_like(t) for t in m0], anchor=m0, pos=0,
                           conv=[zero_rows] * 3)

    def __call__(self, u, st, chunked=False):
        """LMM(u) for the rows u [n, d], continuing state st (updated in place). Returns [n, d]."""
        q, k, v, theta, eta, alpha = self._inputs(u, st)
        run = self._chunked if chunked else self._loop
        y = merge_heads(run(q, k, v, theta, eta, alpha, st))                       # [n, d]
        w = self.w
        return (rmsnorm(y, w["mem/out_norm"]) * F.silu(u @ w["mem/w_gate"])) @ w["mem/wo"]

    def read(self, u, st):
        """The MAC read: concat_heads(M(L2(SiLU(u W_Q)))) with the current fast weights, no conv."""
        q = l2_heads(F.silu(u @ self.w["mem/wq"]), self.cfg.mem_heads)
        return merge_heads(mem_apply(st.m, q))

    def _inputs(self, u, st):
        """Queries, keys, values [H_m, n, d_m] and gates theta, eta, alpha [H_m, n] from u [n, d]."""
        w, cfg = self.w, self.cfg
        proj = []
        for j, name in enumerate("qkv"):
            p = u @ w["mem/w" + name]                                               # [n, d]
            if cfg.mem_conv:
                p, st.conv[j] = causal_conv(p, w["mem/conv_" + name], st.conv[j])
            proj.append(F.silu(p))
        q = l2_heads(proj[0], cfg.mem_heads)
        k = l2_heads(proj[1], cfg.mem_heads)
        v = split_heads(proj[2], cfg.mem_heads)

        def gate(name):
            return torch.sigmoid(u @ w["mem/w_" + name] + w["mem/b_" + name]).T       # [H_m, n]

        theta = cfg.theta_max * gate("theta")
        eta = gate("eta") if cfg.mem_momentum else torch.zeros_like(theta)
        alpha = gate("alpha") if cfg.mem_decay else torch.zeros_like(theta)
        return q, k, v, theta, eta, alpha

    def _loop(self, q, k, v, theta, eta, alpha, st):
        """The definition: token by token. Returns y [H_m, n, d_m], y_t = M_t(q_t)."""
        ys = []
        for t in range(q.shape[1]):
            if st.pos % self.cfg.mem_chunk == 0:
                st.anchor = st.m
            acts, deltas = mem_grad_factors(st.anchor, k[:, t:t + 1], v[:, t:t + 1])
            th, et, al = (x[:, t, None, None] for x in (theta, eta, alpha))          # [H_m, 1, 1]
            grads = [a.transpose(-1, -2) @ dl for a, dl in zip(acts, deltas)]      # [H_m, in, out]
            st.s = [et * s - th * g for s, g in zip(st.s, grads)]
            st.m = [(1 - al) * m + s for m, s in zip(st.m, st.s)]
            ys.append(mem_apply(st.m, q[:, t:t + 1]))
            st.pos += 1
        return torch.cat(ys, dim=1)

    def _chunked(self, q, k, v, theta, eta, alpha, st):
        """The same function as _loop, one chunk (or the part of one chunk inside these rows) at a
        time in matrix form. Returns y [H_m, n, d_m]."""
        b, n = self.cfg.mem_chunk, q.shape[1]
        first = min(n, b - st.pos % b)  # the rest of the current chunk, then whole chunks
        sizes = [first] + [min(b, n - t) for t in range(first, n, b)]
        # one split, not a slice per chunk: a slice's backward fills a zero tensor of full size
        parts = zip(*(torch.split(x, sizes, dim=1) for x in (q, k, v, theta, eta, alpha)))
        ys = []
        for size, part in zip(sizes, parts):
            if st.pos % b == 0:
                st.anchor = st.m
            ys.append(self._chunk(*part, st))
            st.pos += size
        return torch.cat(ys, dim=1)

    @staticmethod
    def coefficients(theta, eta, alpha):
        """The chunk coefficients of _chunk from gates [H_m, n]: CS, G [H_m, n, n] and P, B, F
        [H_m, n, 1], by running their recurrences token by token."""
        n_heads, n = theta.shape
        eye = torch.eye(n, dtype=theta.dtype)
        cs, g = theta.new_zeros(n_heads, n), theta.new_zeros(n_heads, n)
        p, b, f = theta.new_ones(n_heads), theta.new_ones(n_heads), theta.new_zeros(n_heads)
        rows = []
        for i in range(n):
            keep = 1 - alpha[:, i]
            cs = eta[:, i, None] * cs + theta[:, i, None] * eye[i]
            g = keep[:, None] * g + cs
            p = eta[:, i] * p
            b = keep * b
            f = keep * f + p
            rows.append((cs, g, p, b, f))
        CS, G = (torch.stack([r[j] for r in rows], dim=1) for j in (0, 1))          # [H_m, n, n]
        P, B, Fc = (torch.stack([r[j] for r in rows], dim=1)[..., None] for j in (2, 3, 4))
        return CS, G, P, B, Fc

    def _chunk(self, q, k, v, theta, eta, alpha, st):
        """n tokens that share the anchor A = st.anchor, from the state M_0 = st.m, S_0 = st.s.

        With u_j = grad at A for token j (rank-1 per matrix: a_j^T delta_j), the recurrences give
            S_i = P_i S_0 - sum_j CS_ij u_j,    M_i = B_i M_0 + F_i S_0 - sum_j G_ij u_j,
        and the coefficients follow by running the recurrences themselves over i:
            CS_i = eta_i CS_{i-1} + theta_i e_i,  P_i = eta_i P_{i-1},
            G_i = (1 - alpha_i) G_{i-1} + CS_i,   B_i = (1 - alpha_i) B_{i-1},
            F_i = (1 - alpha_i) F_{i-1} + P_i."""
        acts, deltas = mem_grad_factors(st.anchor, k, v)
        CS, G, P, B, Fc = self.coefficients(theta, eta, alpha)

        # Per-token reads, layer by layer: row i of a_q @ M_i^l without forming M_i.
        a = q                                                                      # [H_m, n, d_m]
        for l, (m0, s0, a_k, d_k) in enumerate(zip(st.m, st.s, acts, deltas)):
            z = B * (a @ m0) + Fc * (a @ s0) - (G * (a @ a_k.transpose(-1, -2))) @ d_k
            if l < len(st.m) - 1:
                a = gelu(z)
        y = z if len(st.m) == 1 else q + layernorm(z)

        # State after the last token: sum_j c_j u_j = a^T diag(c) delta.
        s_end, m_end = [], []
        for m0, s0, a_k, d_k in zip(st.m, st.s, acts, deltas):
            a_kt = a_k.transpose(-1, -2)                                            # [H_m, in, n]
            s_end.append(P[:, -1, None] * s0 - a_kt @ (CS[:, -1, :, None] * d_k))
            m_end.append(B[:, -1, None] * m0 + Fc[:, -1, None] * s0
                         - a_kt @ (G[:, -1, :, None] * d_k))
        st.s, st.m = s_end, m_end
        return y


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

@dataclass
class Output:
    """What a forward returns; for series, layer_out and mem are those of channel 0."""
    layer_out: list      # residual stream after each layer, [N_p + T, d], prefix rows first
    final: torch.Tensor  # the head: lm [T, 256]; cls [n_classes]; forecast [H, C]
    mem: dict            # memory layer index -> its MemoryState after the last row


class TitansRef(torch.nn.Module):
    """The model of docs/model.md. Parameters live in `self.p` under their checkpoint paths."""

    memory_class = Memory  # the trainer swaps in a subclass with vectorised chunk coefficients

    def __init__(self, cfg):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.p = torch.nn.ParameterDict({
            path: torch.nn.Parameter(torch.zeros(shape, dtype=torch.float32))
            for path, shape in tensor_shapes(cfg).items()})

    def forward(self, inputs, dtype=torch.float32, chunked=False):
        """inputs: tokens [T] (bytes, dna) or a window [L, C] (series). chunked selects the matrix
        form of the memory instead of the token loop. Returns an Output."""
        cfg = self.cfg
        w = {path: t.to(dtype) for path, t in self.p.items()}
        if cfg.input != "series":
            tokens = torch.as_tensor(inputs, dtype=torch.long)
            rows, layer_out, mem = self._sequence(w, w["embed/table"][tokens], chunked)
            if cfg.head == "lm":
                final = rows @ w["head/w"]                                         # [T, 256]
            else:
                final = rows.mean(0) @ w["head/w"] + w["head/b"]                   # [n_classes]
            return Output(layer_out, final, mem)

        x = torch.as_tensor(inputs).to(dtype)                                      # [L, C]
        mean = x.mean(0)                                                           # [C]
        std = torch.sqrt(((x - mean) ** 2).mean(0) + REVIN_EPS)                    # [C]
        xn = (x - mean) / std
        padded = torch.cat([xn, xn[-1:].expand(cfg.patch_stride, -1)], dim=0)    # [L + S, C]
        patches = padded.unfold(0, cfg.patch_len, cfg.patch_stride)               # [n_patch, C, P]
        forecasts, traces = [], None
        for c in range(x.shape[1]):
            e = patches[:, c] @ w["embed/patch_w"] + w["embed/patch_b"] + w["embed/pos"]
            rows, layer_out, mem = self._sequence(w, e, chunked)                   # [n_patch, d]
            y = rows.reshape(-1) @ w["head/w"] + w["head/b"]                       # [H]
            forecasts.append(y * std[c] + mean[c])
            if c == 0:
                traces = (layer_out, mem)
        return Output(traces[0], torch.stack(forecasts, dim=1), traces[1])

    def _sequence(self, w, e, chunked):
        """Runs the layers on [prefix | e]; e [T, d]. Returns the final RMSNorm rows of the
        ordinary positions [T, d], the per-layer residual streams and the memory states."""
        cfg = self.cfg
        n_p = cfg.n_persistent
        x = torch.cat([w["persistent"], e], dim=0) if n_p else e                  # [N_p + T, d]
        layer_out, mem = [], {}
        for i, kind in enumerate(cfg.layer_kinds):
            prefix = f"layers/{i}/"
            lw = {path[len(prefix):]: t for path, t in w.items() if path.startswith(prefix)}
            x, st = getattr(self, "_layer_" + kind)(lw, x, chunked)
            layer_out.append(x)
            if st is not None:
                mem[i] = st
        return rmsnorm(x[n_p:], w["final_norm"]), layer_out, mem

    # --- attention --------------------------------------------------------------------------

    def _attention(self, w, u, window):
        """Causal attention over [prefix | tokens] rows u [N, d] (window None: full), W_o included.

        Prefix rows: unrotated, attend causally among the prefix. Token t (RoPE position t) sees the
        whole prefix (unrotated query against unrotated keys) and tokens max(0, t-W+1) .. t."""
        cfg, n_p, n = self.cfg, self.cfg.n_persistent, u.shape[0]
        q, k, v = (split_heads(u @ w["attn/" + m], cfg.n_heads) for m in ("wq", "wk", "wv"))
        positions = torch.arange(n - n_p, dtype=torch.float64)
        q_rot = torch.cat([q[:, :n_p], rope(q[:, n_p:], positions, cfg.rope_base)], dim=1)
        k_rot = torch.cat([k[:, :n_p], rope(k[:, n_p:], positions, cfg.rope_base)], dim=1)
        scale = 1.0 / math.sqrt(cfg.d_head)
        out = []
        for r0 in range(0, n, ATTENTION_BLOCK):
            r1 = min(n, r0 + ATTENTION_BLOCK)
            c0 = n_p if window is None else max(n_p, r0 - window + 1)  # first token key needed
            rows = torch.arange(r0, r1)[:, None]
            cols = torch.cat([torch.arange(n_p), torch.arange(c0, r1)])[None, :]
            visible = cols <= rows
            if window is not None:
                visible &= (cols < n_p) | (cols > rows - window)
            blocks = [(q[:, r0:r1], k[:, :n_p], v[:, :n_p]),
                      (q_rot[:, r0:r1], k_rot[:, c0:r1], v[:, c0:r1])]
            out.append(attend(blocks, visible, scale))
        return torch.cat(out, dim=0) @ w["attn/wo"]

    # --- layer kinds: each takes (weights, x [N, d], chunked), returns (x, memory state) -------

    def _layer_attn(self, w, x, chunked):
        x = x + self._attention(w, rmsnorm(x, w["norm/mix"]), None)
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), None

    def _layer_swa(self, w, x, chunked):
        x = x + self._attention(w, rmsnorm(x, w["norm/mix"]), self.cfg.window)
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), None

    def _layer_lmm(self, w, x, chunked):
        memory = self.memory_class(w, self.cfg)
        st = memory.initial_state()
        x = x + memory(rmsnorm(x, w["norm/mix"]), st, chunked)
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), st

    def _layer_mal(self, w, x, chunked):
        memory = self.memory_class(w, self.cfg)
        st = memory.initial_state()
        x = x + memory(rmsnorm(x, w["norm/mix"]), st, chunked)
        x = x + self._attention(w, rmsnorm(x, w["norm/attn"]), self.cfg.window)
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), st

    def _layer_mag(self, w, x, chunked):
        memory = self.memory_class(w, self.cfg)
        st = memory.initial_state()
        u = rmsnorm(x, w["norm/mix"])
        a = self._attention(w, u, self.cfg.window)
        m = memory(u, st, chunked)
        x = x + rmsnorm(a, w["gate/norm_a"]) * F.silu(rmsnorm(m, w["gate/norm_b"]))
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), st

    def _layer_mac(self, w, x, chunked):
        """Memory as context: the prefix as a segment of its own, then segments of C tokens."""
        cfg, n_p, n = self.cfg, self.cfg.n_persistent, x.shape[0]
        C, H = cfg.segment, cfg.n_heads
        memory = self.memory_class(w, cfg)
        st = memory.initial_state()
        u_all = rmsnorm(x, w["norm/mix"])                                          # [N, d]
        segments = ([(0, n_p)] if n_p else []) + [(r, min(r + C, n)) for r in range(n_p, n, C)]
        k_pre = v_pre = u_all.new_zeros(H, 0, cfg.d_head)     # the prefix's u-row keys/values
        scale = 1.0 / math.sqrt(cfg.d_head)
        out = []
        for r0, r1 in segments:
            u, m = u_all[r0:r1], r1 - r0                                           # [m, d]
            # 1. read the memory as it was before the segment
            h = rmsnorm(memory.read(u, st), w["mac/norm_h"]) @ w["mac/w_h"]       # [m, d]
            # 2. attention over [prefix | h | u], queries from u
            q, k_u, v_u = (split_heads(u @ w["attn/" + p], H) for p in ("wq", "wk", "wv"))
            k_h, v_h = (split_heads(h @ w["attn/" + p], H) for p in ("wk", "wv"))
            causal = torch.ones(m, m, dtype=torch.bool).tril()
            if r0 < n_p:  # the prefix segment: nothing rotated, no earlier prefix
                blocks = [(q, k_h, v_h), (q, k_u, v_u)]
                visible = torch.cat([causal, causal], dim=1)
                k_pre, v_pre = k_u, v_u
            else:  # RoPE positions: h_j at j, u_j at C + j
                j = torch.arange(m, dtype=torch.float64)
                q_rot = rope(q, C + j, cfg.rope_base)
                blocks = [(q, k_pre, v_pre),
                          (q_rot, rope(k_h, j, cfg.rope_base), v_h),
                          (q_rot, rope(k_u, C + j, cfg.rope_base), v_u)]
                visible = torch.cat([torch.ones(m, n_p, dtype=torch.bool), causal, causal], dim=1)
            y = attend(blocks, visible, scale) @ w["attn/wo"]                       # [m, d]
            # 3. write y to the memory, reading z with the per-token state
            z = memory(rmsnorm(y, w["mac/norm_y"]), st, chunked)                   # [m, d]
            # 4. gate
            out.append(rmsnorm(y, w["gate/norm_a"]) * F.silu(rmsnorm(z, w["gate/norm_b"])))
        x = x + torch.cat(out, dim=0)
        return x + ffn(w, rmsnorm(x, w["norm/ffn"])), st


# ---------------------------------------------------------------------------------------------
# Random initialisation (research/training-notes.md)
# ---------------------------------------------------------------------------------------------

GAIN_NAMES = ("norm/mix", "norm/attn", "norm/ffn", "mem/out_norm", "gate/norm_a", "gate/norm_b",
              "mac/norm_h", "mac/norm_y", "final_norm")
OUTPUT_PROJECTIONS = ("attn/wo", "mem/wo", "ffn/w_down")


def random_init(cfg, seed, *, b_theta=-1.0, b_eta=0.0, b_alpha=-8.0, gate_bias_std=0.0,
                gain_std=0.0, bias_std=0.0, m0_scale=1.0):
    """A TitansRef with random weights from torch.Generator(seed).

    Defaults follow training-notes.md: gate biases b_theta -1, b_eta 0, b_alpha -8; linear maps
    N(0, 1/in), the output projections (attn/wo, mem/wo, ffn/w_down) scaled by 0.5; embedding
    table, persistent vectors and series position table N(0, 0.3^2); M_0 Xavier normal per head
    (std sqrt(2 / (in + out)), times m0_scale); conv kernels U(-0.5, 0.5); norm gains 1; head and
    patch biases 0. The overrides make fixtures livelier: gate_bias_std adds N(0, std^2) to every
    gate bias, gain_std to every norm gain, bias_std sets the head and patch biases."""
    gen = torch.Generator().manual_seed(seed)

    def normal(shape, std):
        return torch.randn(shape, generator=gen, dtype=torch.float64) * std

    model = TitansRef(cfg)
    for path, shape in tensor_shapes(cfg).items():
        name = path.split("/", 2)[-1] if path.startswith("layers/") else path
        if name in GAIN_NAMES:
            value = 1.0 + normal(shape, gain_std)
        elif name in ("embed/table", "persistent", "embed/pos"):
            value = normal(shape, 0.3)
        elif name in ("embed/patch_b", "head/b"):
            value = normal(shape, bias_std)
        elif name.startswith("mem/conv_"):
            value = torch.rand(shape, generator=gen, dtype=torch.float64) - 0.5
        elif name.startswith("mem/b_"):
            mean = {"mem/b_theta": b_theta, "mem/b_eta": b_eta, "mem/b_alpha": b_alpha}[name]
            value = mean + normal(shape, gate_bias_std)
        elif name.startswith("mem/m0_"):
            value = normal(shape, m0_scale * math.sqrt(2.0 / (shape[1] + shape[2])))
        else:  # a linear map [in, out]
            value = normal(shape, 1.0 / math.sqrt(shape[0]))
            if name in OUTPUT_PROJECTIONS:
                value = 0.5 * value
        with torch.no_grad():
            model.p[path].copy_(value.to(torch.float32))
    return model


# ---------------------------------------------------------------------------------------------
# Checkpoint format v1
# ---------------------------------------------------------------------------------------------

def provenance(created_by, seed, training="random-init"):
    """The provenance attributes the exporter writes."""
    return {
        "created_by": created_by,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": int(seed),
        "training": training,
        "torch_version": torch.__version__,
    }


def write_attr(attrs, name, value):
    """int -> int64 scalar, float -> float64 scalar, str -> variable-length UTF-8 scalar,
    tuple/list of str -> 1-D variable-length UTF-8 array."""
    if isinstance(value, (tuple, list)):
        attrs.create(name, np.array(value, dtype=object), dtype=h5py.string_dtype("utf-8"))
    elif isinstance(value, str):
        attrs.create(name, value, dtype=h5py.string_dtype("utf-8"))
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        attrs.create(name, np.int64(value), dtype=np.int64)
    elif isinstance(value, (float, np.floating)):
        attrs.create(name, np.float64(value), dtype=np.float64)
    else:
        raise TypeError(f"{name}: cannot store {type(value).__name__}")


def export_checkpoint(model, path, provenance):
    """Writes model as a format v1 checkpoint; provenance: created_by, created_utc, seed,
    training, torch_version."""
    cfg = model.cfg
    with h5py.File(path, "w", libver=HDF5_LIBVER) as f:
        for field in dataclasses.fields(Config):
            value = getattr(cfg, field.name)
            write_attr(f.attrs, field.name, float(value) if field.name in Config.REAL_FIELDS
                       else value)
        for name, value in provenance.items():
            write_attr(f.attrs, name, value)
        for name, param in model.p.items():
            f.create_dataset(name, data=param.detach().cpu().numpy().astype(np.float32))


def _read_string(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def load_checkpoint(path):
    """Reads and validates a format v1 checkpoint; returns a TitansRef whose `provenance` attribute
    holds the provenance attributes. A `/fixture` group (golden fixtures) is not part of the
    model and is skipped. Raises CheckpointError naming the file and the field."""
    def fail(field, problem):
        raise CheckpointError(f"{path}: {field}: {problem}")

    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise CheckpointError(f"{path}: not a readable HDF5 file ({err})") from None
    with f:
        values = {}
        for field in dataclasses.fields(Config):
            name = field.name
            if name not in f.attrs:
                fail(name, "missing attribute")
            raw = f.attrs[name]
            if name == "layer_kinds":
                array = np.asarray(raw)
                if array.ndim != 1 or array.dtype.kind not in "OSU":
                    fail(name, "must be a 1-D string array")
                values[name] = tuple(_read_string(s) for s in array)
            elif name in Config.STRING_FIELDS:
                if not isinstance(raw, (str, bytes)):
                    fail(name, "must be a string")
                values[name] = _read_string(raw)
            elif name in Config.INT_FIELDS:
                if not (isinstance(raw, np.integer) or
                        (isinstance(raw, np.ndarray) and raw.shape == () and raw.dtype.kind == "i")):
                    fail(name, "must be an integer scalar")
                values[name] = int(raw)
            else:
                if not (isinstance(raw, np.floating) or
                        (isinstance(raw, np.ndarray) and raw.shape == () and raw.dtype.kind == "f")):
                    fail(name, "must be a real scalar")
                values[name] = float(raw)
        try:
            cfg = Config(**values)
        except ConfigError as err:
            fail(*str(err).split(": ", 1))

        expected = tensor_shapes(cfg)
        found = {}

        def collect(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("fixture/"):
                found[name] = obj

        f.visititems(collect)
        for name in expected:
            if name not in found:
                fail("/" + name, "missing tensor")
        for name, dset in found.items():
            if name not in expected:
                fail("/" + name, "unexpected dataset")
            if dset.dtype != np.float32:
                fail("/" + name, f"type {dset.dtype}, expected float32")
            if dset.shape != expected[name]:
                fail("/" + name, f"shape {list(dset.shape)}, expected {list(expected[name])}")
        model = TitansRef(cfg)
        for name in expected:
            data = found[name][()]
            if not np.isfinite(data).all():
                fail("/" + name, "contains NaN or Inf")
            with torch.no_grad():
                model.p[name].copy_(torch.from_numpy(data))
        model.provenance = {k: _read_string(f.attrs[k]) for k in
                            ("created_by", "created_utc", "training", "torch_version")
                            if k in f.attrs}
        if "seed" in f.attrs:
            model.provenance["seed"] = int(f.attrs["seed"])
    return model


def command_line():
    """The command line of this process, for provenance."""
    return shlex.join([sys.executable] + sys.argv)
