/* Checkpoint loader, the calling process's side. libhdf5 1.10 crashes or loops forever on some
 * damaged files, so it never parses a checkpoint here: the bytes are first checked cheaply
 * (h5_precheck.h), then parsed in a forked child with bounded memory and CPU time
 * (sandbox.h, checkpoint_h5.c), which sends the config and the weights back. Every size received
 * is checked against this side's own tensor list before anything is allocated for it.
 * docs/checkpoint-format.md is the contract. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "checkpoint_h5.h"
#include "config.h"
#include "fail.h"
#include "h5_precheck.h"
#include "input_file.h"
#include "sandbox.h"
#include "tensor_list.h"

/* The child's limits: 2 s of CPU and 1 s more per 16 MiB (a valid checkpoint takes well under a
 * tenth of that; the 1-byte GCOL damage loops until stopped); the wall clock allows a loaded
 * machine 4 times that and 30 s; memory for libhdf5's copy of the image, one tensor and 256 MiB. */
static int cpu_seconds(size_t len) { return 2 + (int)(len >> 24); }
static int wall_seconds(size_t len) { return 30 + 4 * cpu_seconds(len); }
static size_t child_memory(size_t len) { return 3 * len + ((size_t)256 << 20); }

typedef struct {
    const void *image;
    size_t len;
    const char *name;
    int with_weights;
} ReadJob;

static int read_in_child(void *ctx, int fd)
{
    const ReadJob *j = ctx;
    return checkpoint_h5_serve(j->image, j->len, j->name, j->with_weights, fd);
}

/* The next record, which must be of type want; an ERROR record's message becomes err. -1 with
 * err untouched when the pipe broke (sandbox_finish then says why). */
static int receive(Sandbox *sb, uint32_t want, WireRecord *r, const char *name, TitansError *err)
{
    if (sandbox_read(sb, r, sizeof *r) != 0) return -1;
    if (r->magic == WIRE_MAGIC && r->type == WIRE_ERROR && r->count >= 1 && r->count <= sizeof err->msg) {
        if (sandbox_read(sb, err->msg, (size_t)r->count) != 0) return -1;
        err->msg[r->count - 1] = 0;
        return -1;
    }
    if (r->magic != WIRE_MAGIC || r->type != want)
        return titans_fail(err, name, "the reader process sent a malformed record (type %u, expected %u)",
                           (unsigned)r->type, (unsigned)want);
    return 0;
}

static int receive_config(Sandbox *sb, TitansConfig *cfg, const char *name, TitansError *err)
{
    WireRecord r;
    if (receive(sb, WIRE_CONFIG, &r, name, err) != 0) return -1;
    if (r.count != sizeof *cfg)
        return titans_fail(err, name, "the reader process sent a config of %llu bytes, expected %zu",
                           (unsigned long long)r.count, sizeof *cfg);
    if (sandbox_read(sb, cfg, sizeof *cfg) != 0) return -1;
    if (config_validate(cfg, name, err) != 0) return -1; /* trust nothing that crossed the pipe */
    memset(cfg->layer_kinds + cfg->n_layers, 0, sizeof(TitansLayerKind) * (size_t)(TITANS_MAX_LAYERS - cfg->n_layers));
    return 0;
}

/* The weights, in this side's tensor order: each record must be the next tensor, of its size;
 * in all no more floats than the file can hold (stored uncompressed, they are in it). */
static int receive_weights(Sandbox *sb, const TitansConfig *cfg, TitansWeights *w, size_t len,
                           const char *name, TitansError *err)
{
    TensorList tl = {0};
    size_t total = 0;
    int rc = tensor_list_build(cfg, w, &tl) == 0 ? 0 : titans_fail(err, name, "out of memory");
    if (rc == 0 && (tensor_list_floats(&tl, &total) != 0 || total > len / sizeof(float)))
        rc = titans_fail(err, name, "its config implies more float32 weights than its %zu bytes can hold", len);
    if (rc == 0 && !(w->arena = malloc(sizeof(float) * (total ? total : 1))))
        rc = titans_fail(err, name, "out of memory for %zu weights", total);
    size_t off = 0;
    for (size_t i = 0; rc == 0 && i < tl.n; i++) {
        const TensorSpec *t = &tl.v[i];
        size_t n = tensor_floats(t);
        WireRecord r;
        rc = receive(sb, WIRE_TENSOR, &r, name, err);
        if (rc == 0 && (r.index != i || r.count != n))
            rc = titans_fail(err, name, "the reader process sent tensor %llu of %llu floats, expected "
                             "tensor %zu ('%s') of %zu", (unsigned long long)r.index,
                             (unsigned long long)r.count, i, t->path, n);
        if (rc == 0) rc = sandbox_read(sb, w->arena + off, sizeof(float) * n);
        if (rc == 0) *t->dst = w->arena + off;
        off += n;
    }
    w->n_floats = total;
    tensor_list_free(&tl);
    return rc;
}

/* The config, and with w the weights, of a checkpoint image, parsed in the sandbox. */
static int parse_image(const void *image, size_t len, const char *name, TitansConfig *cfg,
                       TitansWeights *w, TitansError *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (w) memset(w, 0, sizeof *w);
    if (h5_precheck(image, len, name, err) != 0) return -1;
    H5open(); /* initialised here: the parallel library's first call would use MPI in the child */
    ReadJob job = {image, len, name, w != NULL};
    Sandbox sb;
    if (sandbox_start(&sb, read_in_child, &job, child_memory(len), cpu_seconds(len), wall_seconds(len),
                      name, err) != 0)
        return -1;
    WireRecord end;
    int rc = receive_config(&sb, cfg, name, err);
    if (rc == 0 && w) rc = receive_weights(&sb, cfg, w, len, name, err);
    if (rc == 0) rc = receive(&sb, WIRE_END, &end, name, err);
    rc = sandbox_finish(&sb, rc, name, err);
    if (rc != 0 && w) weights_free(w);
    return rc;
}

static uint64_t fingerprint_of(const TitansConfig *c, const TitansWeights *w)
{
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, c, sizeof *c); /* zeroed before filling: padding and unused kinds are 0 */
    XXH3_64bits_update(st, w->arena, sizeof(float) * w->n_floats);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

int titans_checkpoint_read(const char *path, void **bytes, size_t *len, TitansError *err)
{
    *bytes = input_read(path, TITANS_MAX_CHECKPOINT_BYTES, "a checkpoint", len, err->msg, sizeof err->msg);
    return *bytes ? 0 : -1;
}

int titans_config_load_image(const void *image, size_t len, const char *name, TitansConfig *cfg,
                             TitansError *err)
{
    return parse_image(image, len, name, cfg, NULL, err);
}

int titans_config_load(const char *path, TitansConfig *cfg, TitansError *err)
{
    void *bytes;
    size_t len;
    memset(cfg, 0, sizeof *cfg);
    if (titans_checkpoint_read(path, &bytes, &len, err) != 0) return -1;
    int rc = titans_config_load_image(bytes, len, path, cfg, err);
    free(bytes);
    return rc;
}

int checkpoint_load(const char *path, const void *image, size_t image_len, TitansConfig *cfg,
                    TitansWeights *w, uint64_t *fingerprint, TitansError *err)
{
    void *bytes = NULL;
    memset(w, 0, sizeof *w);
    memset(cfg, 0, sizeof *cfg);
    if (!image && titans_checkpoint_read(path, &bytes, &image_len, err) != 0) return -1;
    int rc = parse_image(image ? image : bytes, image_len, path, cfg, w, err);
    free(bytes);
    if (rc == 0) *fingerprint = fingerprint_of(cfg, w);
    return rc;
}

void weights_free(TitansWeights *w)
{
    free(w->arena);
    free(w->arena_bf16);
    w->arena = NULL;
    w->arena_bf16 = NULL;
}
