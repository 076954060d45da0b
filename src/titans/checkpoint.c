/* Checkpoint loader: HDF5 -> TitansConfig + TitansWeights, validated in gguf's order before any
 * allocation: the file, the format attributes, the config, then every expected tensor's presence,
 * type and shape, then no stray tensors; only then allocate, read, and check values are finite.
 * docs/checkpoint-format.md is the contract. */
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "config.h"
#include "weights.h"

#define MAX_RANK 3

typedef struct {
    char path[80];
    int rank;
    hsize_t dims[MAX_RANK];
    const float **dst;
} TensorSpec;

typedef struct {
    TensorSpec *v;
    size_t n, cap;
} TensorList;

static int fail(TitansError *err, const char *file, const char *fmt, ...)
{
    int k = snprintf(err->msg, sizeof err->msg, "%s: ", file);
    if (k < 0 || (size_t)k >= sizeof err->msg) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + k, sizeof err->msg - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- attributes --------------------------------------------------------------------------- */

static hid_t open_scalar_attr(hid_t f, const char *name, H5T_class_t want, const char *file,
                              TitansError *err)
{
    if (H5Aexists(f, name) <= 0) {
        fail(err, file, "attribute '%s': missing", name);
        return -1;
    }
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    H5T_class_t cls = H5Tget_class(t);
    hssize_t npts = H5Sget_simple_extent_npoints(s);
    H5Tclose(t);
    H5Sclose(s);
    int ok_class = cls == want || (want == H5T_FLOAT && cls == H5T_INTEGER);
    if (!ok_class || npts != 1) {
        H5Aclose(a);
        const char *wname = want == H5T_INTEGER ? "an integer" : want == H5T_FLOAT ? "a number" : "a string";
        fail(err, file, "attribute '%s': expected %s scalar", name, wname);
        return -1;
    }
    return a;
}

static int read_int(hid_t f, const char *name, int *out, const char *file, TitansError *err)
{
    hid_t a = open_scalar_attr(f, name, H5T_INTEGER, file, err);
    if (a < 0) return -1;
    int64_t v = 0;
    herr_t rc = H5Aread(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    if (rc < 0) return fail(err, file, "attribute '%s': unreadable", name);
    if (v < -2147483647LL || v > 2147483647LL)
        return fail(err, file, "attribute '%s': %lld is out of range", name, (long long)v);
    *out = (int)v;
    return 0;
}

static int read_real(hid_t f, const char *name, double *out, const char *file, TitansError *err)
{
    hid_t a = open_scalar_attr(f, name, H5T_FLOAT, file, err);
    if (a < 0) return -1;
    herr_t rc = H5Aread(a, H5T_NATIVE_DOUBLE, out);
    H5Aclose(a);
    return rc < 0 ? fail(err, file, "attribute '%s': unreadable", name) : 0;
}

/* Reads n strings (variable or fixed length) of an attribute into out[i] (each < cap bytes). */
static int read_strings(hid_t a, int n, char (*out)[32], const char *name, const char *file,
                        TitansError *err)
{
    hid_t ft = H5Aget_type(a);
    int rc = 0;
    if (H5Tis_variable_str(ft) > 0) {
        char **buf = calloc((size_t)n, sizeof *buf);
        hid_t mt = H5Tcopy(ft);
        if (!buf || H5Aread(a, mt, buf) < 0) {
            rc = fail(err, file, "attribute '%s': unreadable", name);
        } else {
            for (int i = 0; i < n; i++) snprintf(out[i], 32, "%s", buf[i] ? buf[i] : "");
            hid_t s = H5Aget_space(a);
            H5Dvlen_reclaim(mt, s, H5P_DEFAULT, buf);
            H5Sclose(s);
        }
        H5Tclose(mt);
        free(buf);
    } else {
        size_t sz = H5Tget_size(ft);
        char *buf = calloc((size_t)n, sz + 1);
        hid_t mt = H5Tcopy(ft);
        if (!buf || H5Aread(a, mt, buf) < 0) {
            rc = fail(err, file, "attribute '%s': unreadable", name);
        } else {
            for (int i = 0; i < n; i++) {
                size_t len = strnlen(buf + i * sz, sz);
                snprintf(out[i], 32, "%.*s", (int)len, buf + i * sz);
            }
        }
        H5Tclose(mt);
        free(buf);
    }
    H5Tclose(ft);
    return rc;
}

static int read_string(hid_t f, const char *name, char out[32], const char *file, TitansError *err)
{
    hid_t a = open_scalar_attr(f, name, H5T_STRING, file, err);
    if (a < 0) return -1;
    int rc = read_strings(a, 1, (char(*)[32])out, name, file, err);
    H5Aclose(a);
    return rc;
}

static int read_layer_kinds(hid_t f, TitansConfig *c, const char *file, TitansError *err)
{
    const char *name = "layer_kinds";
    if (H5Aexists(f, name) <= 0) return fail(err, file, "attribute '%s': missing", name);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int is_str = H5Tget_class(t) == H5T_STRING;
    hssize_t n = H5Sget_simple_extent_npoints(s);
    H5Tclose(t);
    H5Sclose(s);
    if (!is_str || n != c->n_layers) {
        H5Aclose(a);
        return fail(err, file, "attribute '%s': expected %d strings (one per layer), got %lld%s",
                    name, c->n_layers, (long long)n, is_str ? "" : " non-strings");
    }
    char (*kinds)[32] = calloc((size_t)n, 32);
    int rc = kinds ? read_strings(a, (int)n, kinds, name, file, err) : fail(err, file, "out of memory");
    H5Aclose(a);
    for (int i = 0; rc == 0 && i < n; i++)
        if (parse_layer_kind(kinds[i], &c->layer_kinds[i]) != 0)
            rc = fail(err, file, "attribute 'layer_kinds': layer %d has unknown kind '%s' "
                      "(expected attn, swa, lmm, mac, mag or mal)", i, kinds[i]);
    free(kinds);
    return rc;
}

static int read_config(hid_t f, TitansConfig *c, const char *file, TitansError *err)
{
    char s[32];
    if (read_string(f, "format", s, file, err)) return -1;
    if (strcmp(s, "titans-eval") != 0)
        return fail(err, file, "attribute 'format': '%s', expected 'titans-eval'", s);
    int version;
    if (read_int(f, "format_version", &version, file, err)) return -1;
    if (version != 1)
        return fail(err, file, "attribute 'format_version': %d is not supported (this build reads 1)", version);

    if (read_string(f, "input", s, file, err)) return -1;
    if (!strcmp(s, "bytes")) c->input = TITANS_INPUT_BYTES;
    else if (!strcmp(s, "dna")) c->input = TITANS_INPUT_DNA;
    else if (!strcmp(s, "series")) c->input = TITANS_INPUT_SERIES;
    else return fail(err, file, "attribute 'input': unknown input '%s' (expected bytes, dna or series)", s);
    if (read_string(f, "head", s, file, err)) return -1;
    if (!strcmp(s, "lm")) c->head = TITANS_HEAD_LM;
    else if (!strcmp(s, "cls")) c->head = TITANS_HEAD_CLS;
    else if (!strcmp(s, "forecast")) c->head = TITANS_HEAD_FORECAST;
    else return fail(err, file, "attribute 'head': unknown head '%s' (expected lm, cls or forecast)", s);

    struct {
        const char *name;
        int *dst;
    } ints[] = {
        {"d_model", &c->d_model},         {"n_layers", &c->n_layers},
        {"n_heads", &c->n_heads},         {"ffn_dim", &c->ffn_dim},
        {"window", &c->window},           {"segment", &c->segment},
        {"n_persistent", &c->n_persistent}, {"mem_heads", &c->mem_heads},
        {"mem_depth", &c->mem_depth},     {"mem_expansion", &c->mem_expansion},
        {"mem_chunk", &c->mem_chunk},     {"mem_momentum", &c->mem_momentum},
        {"mem_decay", &c->mem_decay},     {"mem_conv", &c->mem_conv},
        {"vocab_size", &c->vocab_size},   {"n_classes", &c->n_classes},
        {"lookback", &c->lookback},       {"horizon", &c->horizon},
        {"patch_len", &c->patch_len},     {"patch_stride", &c->patch_stride},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (read_int(f, ints[i].name, ints[i].dst, file, err)) return -1;
    if (read_real(f, "theta_max", &c->theta_max, file, err)) return -1;
    if (read_real(f, "rope_base", &c->rope_base, file, err)) return -1;
    if (c->n_layers < 1 || c->n_layers > TITANS_MAX_LAYERS)
        return fail(err, file, "attribute 'n_layers': %d is outside 1 .. %d", c->n_layers, TITANS_MAX_LAYERS);
    if (read_layer_kinds(f, c, file, err)) return -1;
    return config_validate(c, file, err);
}

/* ---- the expected tensor list --------------------------------------------------------------- */

static int add(TensorList *tl, const float **dst, int rank, hsize_t d0, hsize_t d1, hsize_t d2,
               const char *fmt, ...)
{
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? 2 * tl->cap : 64;
        TensorSpec *v = realloc(tl->v, cap * sizeof *v);
        if (!v) return -1;
        tl->v = v;
        tl->cap = cap;
    }
    TensorSpec *t = &tl->v[tl->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->path, sizeof t->path, fmt, ap);
    va_end(ap);
    t->rank = rank;
    t->dims[0] = d0;
    t->dims[1] = d1;
    t->dims[2] = d2;
    t->dst = dst;
    return 0;
}

static int build_tensor_list(const TitansConfig *c, TitansWeights *w, TensorList *tl)
{
    hsize_t d = (hsize_t)c->d_model, f = (hsize_t)c->ffn_dim, H = (hsize_t)c->mem_heads;
    int rc = 0;
    if (c->input == TITANS_INPUT_SERIES) {
        rc |= add(tl, &w->patch_w, 2, c->patch_len, d, 0, "/embed/patch_w");
        rc |= add(tl, &w->patch_b, 1, d, 0, 0, "/embed/patch_b");
        rc |= add(tl, &w->pos, 2, c->n_patch, d, 0, "/embed/pos");
    } else {
        rc |= add(tl, &w->embed, 2, c->vocab_size, d, 0, "/embed/table");
    }
    if (c->n_persistent > 0) rc |= add(tl, &w->persistent, 2, c->n_persistent, d, 0, "/persistent");
    rc |= add(tl, &w->final_norm, 1, d, 0, 0, "/final_norm");
    switch (c->head) {
    case TITANS_HEAD_LM: rc |= add(tl, &w->head_w, 2, d, 256, 0, "/head/w"); break;
    case TITANS_HEAD_CLS:
        rc |= add(tl, &w->head_w, 2, d, c->n_classes, 0, "/head/w");
        rc |= add(tl, &w->head_b, 1, c->n_classes, 0, 0, "/head/b");
        break;
    case TITANS_HEAD_FORECAST:
        rc |= add(tl, &w->head_w, 2, (hsize_t)c->n_patch * d, c->horizon, 0, "/head/w");
        rc |= add(tl, &w->head_b, 1, c->horizon, 0, 0, "/head/b");
        break;
    }
    for (int i = 0; i < c->n_layers; i++) {
        LayerWeights *lw = &w->layers[i];
        TitansLayerKind k = c->layer_kinds[i];
        lw->kind = k;
        rc |= add(tl, &lw->norm_mix, 1, d, 0, 0, "/layers/%d/norm/mix", i);
        if (k == TITANS_LAYER_MAL) rc |= add(tl, &lw->norm_attn, 1, d, 0, 0, "/layers/%d/norm/attn", i);
        rc |= add(tl, &lw->norm_ffn, 1, d, 0, 0, "/layers/%d/norm/ffn", i);
        if (layer_has_attention(k)) {
            rc |= add(tl, &lw->attn.wq, 2, d, d, 0, "/layers/%d/attn/wq", i);
            rc |= add(tl, &lw->attn.wk, 2, d, d, 0, "/layers/%d/attn/wk", i);
            rc |= add(tl, &lw->attn.wv, 2, d, d, 0, "/layers/%d/attn/wv", i);
            rc |= add(tl, &lw->attn.wo, 2, d, d, 0, "/layers/%d/attn/wo", i);
        }
        if (layer_has_memory(k)) {
            MemWeights *m = &lw->mem;
            rc |= add(tl, &m->wq, 2, d, d, 0, "/layers/%d/mem/wq", i);
            rc |= add(tl, &m->wk, 2, d, d, 0, "/layers/%d/mem/wk", i);
            rc |= add(tl, &m->wv, 2, d, d, 0, "/layers/%d/mem/wv", i);
            rc |= add(tl, &m->conv_q, 2, 4, d, 0, "/layers/%d/mem/conv_q", i);
            rc |= add(tl, &m->conv_k, 2, 4, d, 0, "/layers/%d/mem/conv_k", i);
            rc |= add(tl, &m->conv_v, 2, 4, d, 0, "/layers/%d/mem/conv_v", i);
            rc |= add(tl, &m->w_theta, 2, d, H, 0, "/layers/%d/mem/w_theta", i);
            rc |= add(tl, &m->w_eta, 2, d, H, 0, "/layers/%d/mem/w_eta", i);
            rc |= add(tl, &m->w_alpha, 2, d, H, 0, "/layers/%d/mem/w_alpha", i);
            rc |= add(tl, &m->b_theta, 1, H, 0, 0, "/layers/%d/mem/b_theta", i);
            rc |= add(tl, &m->b_eta, 1, H, 0, 0, "/layers/%d/mem/b_eta", i);
            rc |= add(tl, &m->b_alpha, 1, H, 0, 0, "/layers/%d/mem/b_alpha", i);
            rc |= add(tl, &m->out_norm, 1, d, 0, 0, "/layers/%d/mem/out_norm", i);
            rc |= add(tl, &m->w_gate, 2, d, d, 0, "/layers/%d/mem/w_gate", i);
            rc |= add(tl, &m->wo, 2, d, d, 0, "/layers/%d/mem/wo", i);
            for (int l = 0; l < c->mem_depth; l++) {
                int in, out;
                mem_matrix_shape(c, l, &in, &out);
                rc |= add(tl, &m->m0[l], 3, H, in, out, "/layers/%d/mem/m0_%d", i, l + 1);
            }
        }
        if (k == TITANS_LAYER_MAG || k == TITANS_LAYER_MAC) {
            rc |= add(tl, &lw->gate_norm_a, 1, d, 0, 0, "/layers/%d/gate/norm_a", i);
            rc |= add(tl, &lw->gate_norm_b, 1, d, 0, 0, "/layers/%d/gate/norm_b", i);
        }
        if (k == TITANS_LAYER_MAC) {
            rc |= add(tl, &lw->mac_norm_h, 1, d, 0, 0, "/layers/%d/mac/norm_h", i);
            rc |= add(tl, &lw->mac_norm_y, 1, d, 0, 0, "/layers/%d/mac/norm_y", i);
            rc |= add(tl, &lw->mac_w_h, 2, d, d, 0, "/layers/%d/mac/w_h", i);
        }
        rc |= add(tl, &lw->ffn_w_gate, 2, d, f, 0, "/layers/%d/ffn/w_gate", i);
        rc |= add(tl, &lw->ffn_w_up, 2, d, f, 0, "/layers/%d/ffn/w_up", i);
        rc |= add(tl, &lw->ffn_w_down, 2, f, d, 0, "/layers/%d/ffn/w_down", i);
    }
    return rc;
}

/* ---- tensor checks --------------------------------------------------------------------------- */

/* Every component of an absolute path must exist before H5Dopen may be asked. */
static int path_exists(hid_t f, const char *path)
{
    char buf[96];
    for (const char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        size_t len = p ? (size_t)(p - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s", (int)len, path);
        if (H5Lexists(f, buf, H5P_DEFAULT) <= 0) return 0;
        if (!p) return 1;
    }
}

static void shape_str(char *out, size_t cap, int rank, const hsize_t *dims)
{
    size_t k = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < rank && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, i ? ", %llu" : "%llu", (unsigned long long)dims[i]);
    if (k < cap) snprintf(out + k, cap - k, "]");
}

static int check_tensor(hid_t f, const TensorSpec *t, const char *file, TitansError *err)
{
    if (!path_exists(f, t->path)) return fail(err, file, "tensor '%s': missing", t->path);
    hid_t ds = H5Dopen2(f, t->path, H5P_DEFAULT);
    if (ds < 0) return fail(err, file, "tensor '%s': not a dataset", t->path);
    hid_t ty = H5Dget_type(ds), sp = H5Dget_space(ds);
    H5T_class_t cls = H5Tget_class(ty);
    size_t size = H5Tget_size(ty);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK] = {0};
    if (rank > 0 && rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Tclose(ty);
    H5Sclose(sp);
    H5Dclose(ds);
    if (cls != H5T_FLOAT || size != 4)
        return fail(err, file, "tensor '%s': dtype is %s%zu bytes, expected float32", t->path,
                    cls == H5T_FLOAT ? "float of " : cls == H5T_INTEGER ? "integer of " : "non-numeric of ",
                    size);
    int same = rank == t->rank;
    for (int i = 0; same && i < rank; i++) same = dims[i] == t->dims[i];
    if (!same) {
        char want[64], got[64];
        shape_str(want, sizeof want, t->rank, t->dims);
        shape_str(got, sizeof got, rank < 0 ? 0 : rank > MAX_RANK ? MAX_RANK : rank, dims);
        return fail(err, file, "tensor '%s': shape %s%s, expected %s", t->path, got,
                    rank > MAX_RANK ? "..." : "", want);
    }
    return 0;
}

/* Model tensors live under /embed, /layers, /head, /persistent and /final_norm; other top-level
 * groups (e.g. /fixture in test files) belong to others. */
typedef struct {
    const TensorList *tl;
    char stray[96];
} StrayCtx;

static herr_t find_stray(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    StrayCtx *ctx = data;
    char path[96];
    snprintf(path, sizeof path, "/%s", name);
    int ours = !strncmp(path, "/embed/", 7) || !strncmp(path, "/layers/", 8) ||
               !strncmp(path, "/head/", 6) || !strcmp(path, "/persistent") ||
               !strcmp(path, "/final_norm");
    if (!ours) return 0;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return 0;
    int is_ds = H5Iget_type(o) == H5I_DATASET;
    H5Oclose(o);
    if (!is_ds) return 0;
    for (size_t i = 0; i < ctx->tl->n; i++)
        if (!strcmp(ctx->tl->v[i].path, path)) return 0;
    snprintf(ctx->stray, sizeof ctx->stray, "%s", path);
    return 1;
}

static size_t spec_floats(const TensorSpec *t)
{
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
    return n;
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

/* Opens a checkpoint read-only with HDF5's own error printing off; -1 with err set. */
static hid_t open_checkpoint(const char *path, TitansError *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0) return fail(err, path, "cannot read the file (missing or no permission)");
    if (H5Fis_hdf5(path) <= 0) return fail(err, path, "not an HDF5 file");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return fail(err, path, "cannot open as HDF5 (truncated or corrupt file)");
    return f;
}

/* The same for a checkpoint's bytes in memory (HDF5 core driver, no backing file): name is only
 * for messages. The image is copied by HDF5, so buf may be freed after the call. */
static hid_t open_checkpoint_image(const void *buf, size_t len, const char *name, TitansError *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 && H5Pset_file_image(fapl, (void *)buf, len) >= 0)
        f = H5Fopen("/nonexistent/titans-checkpoint-image", H5F_ACC_RDONLY, fapl); /* never a real file */
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) fail(err, name, "not an HDF5 file, or truncated or corrupt");
    return f;
}

int titans_config_load(const char *path, TitansConfig *cfg, TitansError *err)
{
    memset(cfg, 0, sizeof *cfg);
    hid_t f = open_checkpoint(path, err);
    if (f < 0) return -1;
    int rc = read_config(f, cfg, path, err);
    H5Fclose(f);
    return rc;
}

int checkpoint_load(const char *path, const void *image, size_t image_len, TitansConfig *cfg,
                    TitansWeights *w, uint64_t *fingerprint, TitansError *err)
{
    memset(w, 0, sizeof *w);
    memset(cfg, 0, sizeof *cfg);
    hid_t f = image ? open_checkpoint_image(image, image_len, path, err) : open_checkpoint(path, err);
    if (f < 0) return -1;

    TensorList tl = {0};
    int rc = read_config(f, cfg, path, err);
    if (rc == 0 && build_tensor_list(cfg, w, &tl) != 0) rc = fail(err, path, "out of memory");
    size_t total = 0;
    for (size_t i = 0; rc == 0 && i < tl.n; i++) {
        rc = check_tensor(f, &tl.v[i], path, err);
        size_t n = spec_floats(&tl.v[i]);
        if (rc == 0 && total > SIZE_MAX / sizeof(float) - n)
            rc = fail(err, path, "tensor '%s': total size overflows", tl.v[i].path);
        total += n;
    }
    if (rc == 0) {
        StrayCtx ctx = {&tl, ""};
        herr_t walked = H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, find_stray, &ctx);
        if (ctx.stray[0])
            rc = fail(err, path, "tensor '%s': not part of format v1 for this config", ctx.stray);
        else if (walked < 0)
            rc = fail(err, path, "cannot list its datasets (a truncated or damaged file?)");
    }
    if (rc == 0 && !(w->arena = malloc(sizeof(float) * (total ? total : 1))))
        rc = fail(err, path, "out of memory for %zu weights", total);
    size_t off = 0;
    for (size_t i = 0; rc == 0 && i < tl.n; i++) {
        const TensorSpec *t = &tl.v[i];
        size_t n = spec_floats(t);
        float *dst = w->arena + off;
        hid_t ds = H5Dopen2(f, t->path, H5P_DEFAULT);
        herr_t r = H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst);
        H5Dclose(ds);
        if (r < 0) {
            rc = fail(err, path, "tensor '%s': read failed (truncated or corrupt file)", t->path);
            break;
        }
        for (size_t j = 0; j < n; j++)
            if (!isfinite(dst[j])) {
                rc = fail(err, path, "tensor '%s': element %zu is %s", t->path, j,
                          isnan(dst[j]) ? "NaN" : "Inf");
                break;
            }
        *t->dst = dst;
        off += n;
    }
    w->n_floats = total;
    free(tl.v);
    H5Fclose(f);
    if (rc != 0) {
        weights_free(w);
        return -1;
    }
    *fingerprint = fingerprint_of(cfg, w);
    return 0;
}

void weights_free(TitansWeights *w)
{
    free(w->arena);
    w->arena = NULL;
}
