/* TitansWeights: every tensor of a checkpoint, as read-only float32 pointers into one arena.
 * Shapes follow docs/checkpoint-format.md; weights are [in, out] (y = x W). */
#ifndef TITANS_WEIGHTS_H
#define TITANS_WEIGHTS_H

#include "titans.h"

/* A matrix of a product, [in, out]. With bf16 weights (titans_model_use_bf16) bf16 is its copy
 * rounded to bfloat16 and f holds the same rounded values as float32: a decode row reads the
 * 16-bit copy (half the bytes) and gets the sums it would get from f. */
typedef struct {
    const float *f;
    const uint16_t *bf16; /* NULL with float32 weights, and below MATRIX_BF16_MIN_COLS columns */
} Matrix;
#define MATRIX_BF16_MIN_COLS 16 /* weights_bf16.c says why */

typedef struct {
    Matrix wq, wk, wv, wo; /* [d, d] */
} AttnWeights;

typedef struct {
    Matrix wq, wk, wv;                        /* [d, d] */
    const float *conv_q, *conv_k, *conv_v;    /* [4, d] */
    Matrix w_theta, w_eta, w_alpha;           /* [d, H_m] */
    const float *b_theta, *b_eta, *b_alpha;   /* [H_m] */
    const float *out_norm;                    /* [d] */
    Matrix w_gate, wo;                        /* [d, d] */
    const float *m0[TITANS_MAX_MEM_DEPTH];    /* [H_m, in_l, out_l], l = 0 .. L_M-1 */
} MemWeights;

typedef struct {
    TitansLayerKind kind;
    const float *norm_mix, *norm_attn, *norm_ffn; /* [d]; norm_attn only for mal */
    AttnWeights attn;
    MemWeights mem;
    const float *gate_norm_a, *gate_norm_b;       /* [d], mag and mac */
    const float *mac_norm_h, *mac_norm_y;         /* [d], mac */
    Matrix mac_w_h;                               /* [d, d], mac */
    Matrix ffn_w_gate, ffn_w_up;                  /* [d, f] */
    Matrix ffn_w_down;                            /* [f, d] */
} LayerWeights;

typedef struct {
    const float *embed;                 /* [V, d] bytes/dna */
    Matrix patch_w;                     /* [P, d] series */
    const float *patch_b;               /* [d] series */
    const float *pos;                   /* [n_patch, d] series */
    const float *persistent;            /* [N_p, d] or NULL */
    const float *final_norm;            /* [d] */
    Matrix head_w;                      /* see the format doc */
    const float *head_b;                /* NULL for lm */
    LayerWeights layers[TITANS_MAX_LAYERS];
    float *arena;
    size_t n_floats;
    uint16_t *arena_bf16;               /* the matrices' bf16 copies, or NULL */
    size_t n_bf16;                      /* weights in them */
} TitansWeights;

/* Memory matrix shapes of matrix l (0-based) for one head. */
void mem_matrix_shape(const TitansConfig *c, int l, int *in, int *out);
/* Floats in all fast-weight matrices of all heads of one layer. */
size_t mem_state_floats(const TitansConfig *c);
/* Offset of matrix l (all heads) inside that block; head h's copy is at + h * in * out. */
size_t mem_matrix_offset(const TitansConfig *c, int l);

int layer_has_attention(TitansLayerKind k);
int layer_has_memory(TitansLayerKind k);
int layer_is_windowed(TitansLayerKind k); /* swa, mag, mal */

/* Reads, validates and allocates the weights of a checkpoint, from the file at path, or from its
 * bytes when image is not NULL (path then only names it), parsing them in the sandbox (see
 * titans.h). On failure nothing stays allocated and err names the file and the field. */
int checkpoint_load(const char *path, const void *image, size_t image_len, TitansConfig *cfg,
                    TitansWeights *w, uint64_t *fingerprint, TitansError *err);
void weights_free(TitansWeights *w);
/* Rounds every Matrix to bfloat16 (to nearest, ties to even) in place and keeps a 16-bit copy
 * of those of MATRIX_BF16_MIN_COLS columns or more for decode; idempotent. -1 (err names the
 * file and the tensor) if a weight overflows bf16. */
int weights_round_bf16(const TitansConfig *c, TitansWeights *w, const char *name, TitansError *err);

#endif
