/* libtitans: a CPU engine for the Titans model of docs/model.md.
 *
 * Owns: loading a checkpoint (docs/checkpoint-format.md), the forward pass of every layer kind,
 * sequence states (start from the persistent prefix, prefill, decode, save/restore), greedy
 * generation, classification and forecasting. Knows nothing of MPI, tasks or results files.
 *
 * Split as in llama2.c: TitansConfig (the blueprint, from checkpoint attributes), TitansWeights
 * (read-only tensors), TitansState (everything one sequence changes). A TitansModel holds the
 * config, the weights and the state after the persistent prefix, computed once at load.
 *
 * Errors: functions that can fail return 0 on success and -1 on failure, with a message naming the
 * file and field in a TitansError. Bad input never aborts; broken invariants (bugs) do. */
#ifndef TITANS_H
#define TITANS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char msg[1024];
} TitansError;

typedef enum { TITANS_INPUT_BYTES, TITANS_INPUT_DNA, TITANS_INPUT_SERIES } TitansInput;
typedef enum { TITANS_HEAD_LM, TITANS_HEAD_CLS, TITANS_HEAD_FORECAST } TitansHead;
typedef enum {
    TITANS_LAYER_ATTN,
    TITANS_LAYER_SWA,
    TITANS_LAYER_LMM,
    TITANS_LAYER_MAC,
    TITANS_LAYER_MAG,
    TITANS_LAYER_MAL
} TitansLayerKind;

/* How the long-term memory is updated: the token loop of docs/model.md section 3 (the ground
 * truth) or the chunked matrix form on sgemm (the fast path). Both compute the same function. */
typedef enum { TITANS_MEMORY_CHUNKED, TITANS_MEMORY_SEQUENTIAL } TitansMemoryPath;

/* The version of the engine's numerics: bump it with any change that can alter an output beyond
 * nothing (a new kernel, a reordered sum). Records made by another version are not reused on
 * resume (src/eval/identity.h). */
/* 2: the chunk step on src/titans/kernels.h; 3: the end state deferred to the chunk's end (a
 * piece inside a chunk reads from the chunk's start, decode's backward on sgemv); 4: attention,
 * the projections, the FFN and the element-wise work on the kernels, blocks of 256 rows; 5: a
 * decode row's products on the kernels (fast_gemv) instead of OpenBLAS's sgemv */
#define TITANS_NUMERICS_VERSION 5

#define TITANS_MAX_LAYERS 1024
#define TITANS_MAX_MEM_DEPTH 16

typedef struct {
    TitansInput input;
    TitansHead head;
    int d_model, n_layers, n_heads, ffn_dim;
    int window, segment, n_persistent;
    int mem_heads, mem_depth, mem_expansion, mem_chunk;
    double theta_max, rope_base;
    int mem_momentum, mem_decay, mem_conv;
    int vocab_size, n_classes, lookback, horizon, patch_len, patch_stride;
    TitansLayerKind layer_kinds[TITANS_MAX_LAYERS];
    /* derived */
    int d_head;     /* d_model / n_heads */
    int d_mem;      /* d_model / mem_heads */
    int mem_hidden; /* mem_expansion * d_mem (depth >= 2) */
    int n_patch;    /* series: (lookback - patch_len) / patch_stride + 2 */
} TitansConfig;

typedef struct TitansModel TitansModel;
typedef struct TitansState TitansState;

/* ---- model ------------------------------------------------------------------------------ */

/* Loading is safe on any bytes: libhdf5 parses a checkpoint in a child process with bounded
 * memory and CPU time (src/titans/checkpoint.c), so a damaged file is an error ("<file>: libhdf5
 * crashed reading it (...): the file is damaged"), never a crash or a hang of the caller. A link
 * out of the file, a FIFO or any other non-regular file is refused. */
#define TITANS_MAX_CHECKPOINT_BYTES ((size_t)64 << 30)

/* A checkpoint file's bytes (a regular file of at most TITANS_MAX_CHECKPOINT_BYTES) in a malloc'ed
 * buffer, for the *_image functions: one rank reads, hashes and broadcasts them. */
int titans_checkpoint_read(const char *path, void **bytes, size_t *len, TitansError *err);
/* Reads and validates only a checkpoint's config (attributes), no tensors: for planning. */
int titans_config_load(const char *path, TitansConfig *cfg, TitansError *err);
/* The same from the checkpoint's bytes in memory; name is used in messages only. */
int titans_config_load_image(const void *image, size_t len, const char *name, TitansConfig *cfg,
                             TitansError *err);
/* Loads and validates a checkpoint; runs the persistent prefix once. */
int titans_model_load(const char *path, TitansModel **out, TitansError *err);
/* The same from the checkpoint file's bytes in memory (e.g. read once by one MPI rank and
 * broadcast); name is used in messages only. */
int titans_model_load_image(const void *image, size_t len, const char *name, TitansModel **out,
                            TitansError *err);
void titans_model_free(TitansModel *m);
const TitansConfig *titans_model_config(const TitansModel *m);
/* Recomputes the prefix state with the given memory path; states created afterwards use it. */
int titans_model_set_memory_path(TitansModel *m, TitansMemoryPath path, TitansError *err);
TitansMemoryPath titans_model_memory_path(const TitansModel *m);
/* Rounds the weights of every product to bfloat16 (to nearest, ties to even; one way: load again
 * for float32) and recomputes the prefix state; states created afterwards use them. A decode row
 * then reads the 16-bit copy (with the avx2 or avx512 kernels): half the bytes of its weights,
 * float32 sums. Prefill computes with the same rounded values in float32, so the two agree as
 * with float32 weights. Norm gains, biases, convolutions, embeddings and the memory's M_0 stay
 * float32. -1 if a weight overflows bfloat16. Changes the model's fingerprint: call it before
 * making states, as a state made before belongs to the float32 weights (restoring or resetting
 * it into this model is refused, or aborts as a bug). */
int titans_model_use_bf16(TitansModel *m, TitansError *err);
int titans_model_bf16(const TitansModel *m);
/* Bytes of weights a decode token reads: every tensor once, as bf16 where the kernels in force
 * read a matrix's 16-bit copy. */
size_t titans_model_decode_weight_bytes(const TitansModel *m);
size_t titans_model_n_params(const TitansModel *m);
const char *titans_layer_kind_name(TitansLayerKind k);
/* The small-matrix kernels in force (portable, avx2 or avx512; by CPU, or TITANS_KERNELS): they
 * round differently, so this belongs with TITANS_NUMERICS_VERSION in a result's identity. */
const char *titans_kernels(void);
/* Uses the named kernels from now on (before any model runs: an MPI job whose nodes differ picks
 * what every node has, so a record does not depend on the rank that made it). -1 if this CPU
 * lacks them. */
int titans_use_kernels(const char *name);
/* FLOPs of one ordinary token at position t (0-based) of a sequence; src/titans/flops.c says what
 * is counted. */
double titans_token_flops(const TitansConfig *c, double t);

/* Tokens fed through titans_forward by this process so far (all models and states): any thread
 * may read it, e.g. to show progress inside a long sample. */
int64_t titans_tokens_processed(void);

/* ---- sequence state --------------------------------------------------------------------- */

/* A new state positioned right after the persistent prefix. */
TitansState *titans_state_new(const TitansModel *m, TitansError *err);
void titans_state_free(TitansState *s);
/* Back to the prefix state (keeps allocations). */
void titans_state_reset(const TitansModel *m, TitansState *s);
/* Ordinary tokens (or patches) consumed so far. */
int64_t titans_state_position(const TitansState *s);
/* Bytes the state holds now (caches included): constant in sequence length for every layer kind
 * except attn, whose key/value cache grows. */
size_t titans_state_bytes(const TitansState *s);
/* Number of attention keys layer `layer` holds, prefix included (0 for an lmm layer). */
int64_t titans_state_cached_keys(const TitansState *s, int layer);
void titans_state_set_memory_path(TitansState *s, TitansMemoryPath path);
int titans_state_copy(TitansState *dst, const TitansState *src, TitansError *err);
/* Serialises a state into a malloc'ed buffer (header with magic, version and the model's
 * fingerprint) and restores it; restore fails cleanly on a buffer from another model. */
int titans_state_save(const TitansState *s, void **buf, size_t *len, TitansError *err);
int titans_state_restore(TitansState *s, const void *buf, size_t len, TitansError *err);

/* ---- running ---------------------------------------------------------------------------- */

/* Per-layer trace for tests: when non-NULL, layer_out[i] receives the residual stream after
 * layer i for each processed row, [n, d_model]. */
typedef struct {
    float **layer_out;
} TitansTrace;

/* Token inputs (bytes: 0..255, dna: 0..4). Feeds n tokens; logits_all [n, vocab] (lm head) and
 * logits_last [vocab] are optional. Prefill and decode are the same call with different n. */
int titans_forward(const TitansModel *m, TitansState *s, const int32_t *tokens, int64_t n,
                   float *logits_all, float *logits_last, const TitansTrace *trace,
                   TitansError *err);
/* Greedy generation after feeding prompt: up to max_new bytes into out, stopping after a byte
 * equal to stop (pass -1 for none). Returns the count generated in *n_out. step_logits
 * (optional, [max_new, 256]) receives the logits each generated byte was chosen from. */
int titans_generate_greedy(const TitansModel *m, TitansState *s, const int32_t *prompt,
                           int64_t n_prompt, int max_new, int stop, int32_t *out, int *n_out,
                           float *step_logits, TitansError *err);
/* dna/cls: logits [n_classes] of one whole sequence, from a fresh prefix state inside s. */
int titans_classify(const TitansModel *m, TitansState *s, const int32_t *seq, int64_t n,
                    float *logits, TitansError *err);
/* series/forecast: window [lookback, channels] -> forecast [horizon, channels]. trace (optional)
 * records channel 0. */
int titans_forecast(const TitansModel *m, TitansState *s, const float *window, int channels,
                    float *forecast, const TitansTrace *trace, TitansError *err);

/* Fast weights M and momentum S of a memory layer after the rows seen so far, for tests:
 * matrix l (1-based) as [mem_heads, in_l, out_l]. NULL for a layer without memory. Mid-chunk the
 * state holds the chunk's start and its pending tokens, so these are computed into s's scratch:
 * valid until the next call on s. */
const float *titans_state_memory_weights(const TitansState *s, int layer, int l);
const float *titans_state_memory_momentum(const TitansState *s, int layer, int l);
/* The residual stream of the prefix rows after layer i, [n_persistent, d_model] (tests). */
const float *titans_model_prefix_trace(const TitansModel *m, int layer);

#endif
