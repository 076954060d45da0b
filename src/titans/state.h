/* TitansState internals and TitansModel: what one sequence changes, and the scratch it runs in.
 * Every layer kind but attn keeps a state whose size does not depend on sequence length. */
#ifndef TITANS_STATE_H
#define TITANS_STATE_H

#include "titans.h"
#include "weights.h"

/* Rows processed together through all layers. Layers are causal and keep their own state, so any
 * block size gives the same function; larger blocks give larger matrix products and read each
 * layer's weights and attention's keys once for more rows: 256 ran 8-20% faster than 128 (swa 24K
 * -> 27K tok/s, attn at 16K 3.9K -> 4.6K on the AVX-512 kernels), 512 a few % more again. */
#define TITANS_BLOCK 256
/* Keys per attention tile: scores of a block against a tile are [TITANS_BLOCK, TITANS_KEY_TILE]. */
#define TITANS_KEY_TILE 512

typedef struct {
    float *pk, *pv;    /* prefix keys/values [N_p, d], never rotated */
    float *k, *v;      /* attn: [cap, d] growing; swa/mag/mal: ring [W, d]; mac: segment u rows [C, d] */
    int64_t cap;       /* rows allocated in k, v */
    float *hk, *hv;    /* mac: segment h rows [max(C, N_p), d] */
    float *mseg;       /* mac: memory M_{s-1} read by the current segment [mem_state_floats] */
    int seg_pos;       /* mac: rows done in the current segment */
    int64_t len;       /* ordinary keys held now, counted where they are written (mac: h/u row pairs) */
} AttnState;

typedef struct {
    float *M, *S;      /* fast weights and momentum at the current chunk's start [mem_state_floats] */
    float *pend;       /* the chunk's tokens so far, taken at M, S [mem_pend_floats] (memory_chunk.h) */
    float *conv;       /* pre-conv history [3 projections (q, k, v)][3 rows][d] */
} MemState;

typedef struct {
    AttnState at;
    MemState mem;
} LayerState;

typedef struct {
    int rows;          /* B */
    int wmax;          /* widest memory layer, max(d_m, h) */
    /* [B, d] buffers, each owned by one room so calls never clobber each other's rows */
    float *u, *y1, *y2, *y3;               /* layer.c */
    float *q, *k, *v, *q_raw, *ao, *hk, *hv; /* attention.c */
    float *mraw, *mq, *mk, *mv, *my, *mg;  /* memory.c */
    float *x;                              /* model.c: the residual stream */
    float *ffn_a, *ffn_b;                  /* [B, f] */
    float *theta, *eta, *alpha;            /* [B, H_m] */
    float *act[TITANS_MAX_MEM_DEPTH + 1];  /* key activations per memory layer [B, wmax] */
    float *zk[TITANS_MAX_MEM_DEPTH];       /* key pre-activations [B, wmax] */
    float *delta[TITANS_MAX_MEM_DEPTH];    /* gradient at each memory layer output [B, wmax] */
    float *dgelu[TITANS_MAX_MEM_DEPTH];    /* GELU'(zk) of the keys [B, wmax] */
    float *aq[TITANS_MAX_MEM_DEPTH + 1];   /* query activations [B, wmax] */
    float *zq;                             /* [R, wmax], R = max(B, mem_chunk) */
    float *mtmp;                           /* [R, wmax] */
    float *sigma_k, *sigma_q;              /* [B] LN sigmas */
    float *coef_s, *coef_m, *gram;         /* [B, R] */
    float *coef_p, *coef_b, *coef_f;       /* [B] */
    float *tr_a, *tr_b;                    /* transposed operands of the chunk step [wmax, B] */
    float *mcur, *scur;                    /* M, S after the latest token (token loop; views) [mem_state_floats] */
    float *scores;                         /* attention scores of a block against a key tile [B, 512] */
    float *att_max, *att_sum;              /* online softmax per query row [B] */
    float *keys_t;                         /* a key tile transposed [d_head, 512 + 16] */
    float *rope_c, *rope_s;                /* RoPE cos and sin of the block's positions [B, d_head / 2] */
} Scratch;

struct TitansState {
    const TitansConfig *cfg;
    uint64_t fingerprint;  /* of the model it belongs to */
    int64_t rows;          /* layer positions done, prefix included */
    TitansMemoryPath path;
    LayerState layers[TITANS_MAX_LAYERS];
    float *arena;          /* every fixed-size state array */
    size_t arena_floats;
    float *cls_sum;        /* [d] running sum of final-norm rows (cls head) */
    float *series_rows;    /* [n_patch, d] final-norm rows (forecast head) */
    Scratch sc;
    float *scratch_arena;
};

struct TitansModel {
    char name[512];        /* the checkpoint's path or name, for messages */
    TitansConfig cfg;
    TitansWeights w;
    uint64_t fingerprint;
    double *inv_freq;      /* [d_head / 2] RoPE frequencies */
    TitansState *prefix;   /* state after the persistent prefix */
    float *prefix_trace;   /* [n_layers, N_p, d] */
    TitansMemoryPath path;
};

/* Grows a full-attention cache to hold at least `rows` keys; -1 on allocation failure. */
int attn_cache_reserve(AttnState *a, int64_t rows, int d);
/* A zeroed state laid out for model m (no prefix run). */
TitansState *state_alloc(const TitansModel *m, TitansError *err);

#endif
