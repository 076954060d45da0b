/* The libhdf5 side of the checkpoint loader, run in the sandbox's child: the image is opened in
 * memory, every link must stay in the file, then the config attributes, then every expected
 * tensor's presence, type, shape and storage, then no stray tensors (gguf's order: all checked
 * before any weight is read); the weights are then read and sent one tensor at a time.
 * docs/checkpoint-format.md is the contract. */
#include "checkpoint_h5.h"

#include <hdf5.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fail.h"
#include "tensor_list.h"

/* ---- attributes --------------------------------------------------------------------------- */

static hid_t open_scalar_attr(hid_t f, const char *name, H5T_class_t want, const char *file,
                              TitansError *err)
{
    if (H5Aexists(f, name) <= 0) {
        titans_fail(err, file, "attribute '%s': missing", name);
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
        titans_fail(err, file, "attribute '%s': expected %s scalar", name, wname);
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
    if (rc < 0) return titans_fail(err, file, "attribute '%s': unreadable", name);
    if (v < -2147483647LL || v > 2147483647LL)
        return titans_fail(err, file, "attribute '%s': %lld is out of range", name, (long long)v);
    *out = (int)v;
    return 0;
}

static int read_real(hid_t f, const char *name, double *out, const char *file, TitansError *err)
{
    hid_t a = open_scalar_attr(f, name, H5T_FLOAT, file, err);
    if (a < 0) return -1;
    herr_t rc = H5Aread(a, H5T_NATIVE_DOUBLE, out);
    H5Aclose(a);
    return rc < 0 ? titans_fail(err, file, "attribute '%s': unreadable", name) : 0;
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
            rc = titans_fail(err, file, "attribute '%s': unreadable", name);
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
            rc = titans_fail(err, file, "attribute '%s': unreadable", name);
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
    if (H5Aexists(f, name) <= 0) return titans_fail(err, file, "attribute '%s': missing", name);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int is_str = H5Tget_class(t) == H5T_STRING;
    hssize_t n = H5Sget_simple_extent_npoints(s);
    H5Tclose(t);
    H5Sclose(s);
    if (!is_str || n != c->n_layers) {
        H5Aclose(a);
        return titans_fail(err, file, "attribute '%s': expected %d strings (one per layer), got %lld%s",
                    name, c->n_layers, (long long)n, is_str ? "" : " non-strings");
    }
    char (*kinds)[32] = calloc((size_t)n, 32);
    int rc = kinds ? read_strings(a, (int)n, kinds, name, file, err) : titans_fail(err, file, "out of memory");
    H5Aclose(a);
    for (int i = 0; rc == 0 && i < n; i++)
        if (parse_layer_kind(kinds[i], &c->layer_kinds[i]) != 0)
            rc = titans_fail(err, file, "attribute 'layer_kinds': layer %d has unknown kind '%s' "
                      "(expected attn, swa, lmm, mac, mag or mal)", i, kinds[i]);
    free(kinds);
    return rc;
}

static int read_config(hid_t f, TitansConfig *c, const char *file, TitansError *err)
{
    char s[32];
    if (read_string(f, "format", s, file, err)) return -1;
    if (strcmp(s, "titans-eval") != 0)
        return titans_fail(err, file, "attribute 'format': '%s', expected 'titans-eval'", s);
    int version;
    if (read_int(f, "format_version", &version, file, err)) return -1;
    if (version != 1)
        return titans_fail(err, file, "attribute 'format_version': %d is not supported (this build reads 1)", version);

    if (read_string(f, "input", s, file, err)) return -1;
    if (!strcmp(s, "bytes")) c->input = TITANS_INPUT_BYTES;
    else if (!strcmp(s, "dna")) c->input = TITANS_INPUT_DNA;
    else if (!strcmp(s, "series")) c->input = TITANS_INPUT_SERIES;
    else return titans_fail(err, file, "attribute 'input': unknown input '%s' (expected bytes, dna or series)", s);
    if (read_string(f, "head", s, file, err)) return -1;
    if (!strcmp(s, "lm")) c->head = TITANS_HEAD_LM;
    else if (!strcmp(s, "cls")) c->head = TITANS_HEAD_CLS;
    else if (!strcmp(s, "forecast")) c->head = TITANS_HEAD_FORECAST;
    else return titans_fail(err, file, "attribute 'head': unknown head '%s' (expected lm, cls or forecast)", s);

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
        return titans_fail(err, file, "attribute 'n_layers': %d is outside 1 .. %d", c->n_layers, TITANS_MAX_LAYERS);
    if (read_layer_kinds(f, c, file, err)) return -1;
    return config_validate(c, file, err);
}

/* ---- links ------------------------------------------------------------------------------- */

/* A link to another file (or a soft or user-defined link) is never followed: a checkpoint holds
 * its data itself, and a damaged one must not make us open other files. */
static herr_t refuse_elink(const char *parent_file, const char *parent_group, const char *child_file,
                           const char *child_object, unsigned *acc_flags, hid_t fapl, void *data)
{
    (void)parent_file, (void)parent_group, (void)child_file, (void)child_object;
    (void)acc_flags, (void)fapl, (void)data;
    return -1;
}

typedef struct {
    const char *file;
    TitansError *err;
} LinkCtx;

static herr_t check_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    LinkCtx *ctx = data;
    if (info->type == H5L_TYPE_HARD) return 0;
    char target[512] = "?";
    const char *to = target, *obj = "";
    size_t size = info->u.val_size;
    if ((info->type == H5L_TYPE_SOFT || info->type == H5L_TYPE_EXTERNAL) && size <= sizeof target &&
        H5Lget_val(g, name, target, sizeof target, H5P_DEFAULT) >= 0) {
        target[sizeof target - 1] = 0;
        unsigned flags;
        if (info->type == H5L_TYPE_EXTERNAL && H5Lunpack_elink_val(target, size, &flags, &to, &obj) < 0)
            to = "?", obj = "";
    }
    if (info->type == H5L_TYPE_SOFT)
        titans_fail(ctx->err, ctx->file, "link '/%s' is a soft link (to '%.200s'): a checkpoint's "
                    "objects must be plain (hard) links", name, to);
    else if (info->type == H5L_TYPE_EXTERNAL)
        titans_fail(ctx->err, ctx->file, "link '/%s' is an external link (to '%.200s' in %.200s): a "
                    "checkpoint must hold all its data itself", name, obj, to);
    else
        titans_fail(ctx->err, ctx->file, "link '/%s' is a user-defined link (type %d): a checkpoint's "
                    "objects must be plain (hard) links", name, (int)info->type);
    return 1;
}

/* H5Lvisit recurses through hard links only, so nothing is followed before it is checked. */
static int check_links(hid_t f, const char *file, TitansError *err)
{
    LinkCtx ctx = {file, err};
    err->msg[0] = 0;
    herr_t rc = H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, check_link, &ctx);
    if (err->msg[0]) return -1;
    return rc < 0 ? titans_fail(err, file, "cannot list its objects (a truncated or damaged file?)") : 0;
}

/* ---- tensor checks --------------------------------------------------------------------------- */

/* Every component of an absolute path must exist before H5Dopen may be asked. */
static int path_exists(hid_t f, hid_t lapl, const char *path)
{
    char buf[96];
    for (const char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        size_t len = p ? (size_t)(p - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s", (int)len, path);
        if (H5Lexists(f, buf, lapl) <= 0) return 0;
        if (!p) return 1;
    }
}

static void shape_str(char *out, size_t cap, int rank, const uint64_t *dims)
{
    size_t k = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < rank && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, i ? ", %llu" : "%llu", (unsigned long long)dims[i]);
    if (k < cap) snprintf(out + k, cap - k, "]");
}

/* Contiguous, chunked or compact storage inside this file, all of it written: an external raw
 * data file or a virtual dataset would make libhdf5 read other files, and a compressed or
 * never-written tensor breaks the bound the parent checks (weights fit in the file). */
static int check_storage(hid_t ds, const TensorSpec *t, const char *file, TitansError *err)
{
    hid_t dcpl = H5Dget_create_plist(ds);
    H5D_layout_t layout = dcpl < 0 ? H5D_LAYOUT_ERROR : H5Pget_layout(dcpl);
    int external = dcpl < 0 ? -1 : H5Pget_external_count(dcpl);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (external != 0 || (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT))
        return titans_fail(err, file, "tensor '%s': %s: a checkpoint must hold all its data itself",
                           t->path, external > 0 ? "its values are in an external file"
                                    : layout == H5D_VIRTUAL ? "a virtual dataset (its values are in other datasets)"
                                                            : "unknown storage");
    size_t n = tensor_floats(t);
    unsigned long long stored = H5Dget_storage_size(ds), need = n > SIZE_MAX / 4 ? ULLONG_MAX : 4ull * n;
    if (stored < need)
        return titans_fail(err, file, "tensor '%s': %llu bytes stored, its float32 values need %llu "
                           "(compressed or unwritten tensors are not supported)", t->path, stored, need);
    return 0;
}

static int check_tensor(hid_t f, hid_t lapl, const TensorSpec *t, const char *file, TitansError *err)
{
    if (!path_exists(f, lapl, t->path)) return titans_fail(err, file, "tensor '%s': missing", t->path);
    hid_t ds = H5Dopen2(f, t->path, lapl);
    if (ds < 0) return titans_fail(err, file, "tensor '%s': not a dataset", t->path);
    hid_t ty = H5Dget_type(ds), sp = H5Dget_space(ds);
    H5T_class_t cls = H5Tget_class(ty);
    size_t size = H5Tget_size(ty);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t h5dims[H5S_MAX_RANK] = {0};
    if (rank > 0 && rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(sp, h5dims, NULL);
    H5Tclose(ty);
    H5Sclose(sp);
    uint64_t dims[TENSOR_MAX_RANK] = {0};
    for (int i = 0; i < rank && i < TENSOR_MAX_RANK; i++) dims[i] = h5dims[i];
    int rc = 0;
    int same = rank == t->rank;
    for (int i = 0; same && i < rank; i++) same = dims[i] == t->dims[i];
    if (cls != H5T_FLOAT || size != 4) {
        rc = titans_fail(err, file, "tensor '%s': dtype is %s%zu bytes, expected float32", t->path,
                         cls == H5T_FLOAT ? "float of " : cls == H5T_INTEGER ? "integer of " : "non-numeric of ",
                         size);
    } else if (!same) {
        char want[64], got[64];
        shape_str(want, sizeof want, t->rank, t->dims);
        shape_str(got, sizeof got, rank < 0 ? 0 : rank > TENSOR_MAX_RANK ? TENSOR_MAX_RANK : rank, dims);
        rc = titans_fail(err, file, "tensor '%s': shape %s%s, expected %s", t->path, got,
                         rank > TENSOR_MAX_RANK ? "..." : "", want);
    } else {
        rc = check_storage(ds, t, file, err);
    }
    H5Dclose(ds);
    return rc;
}

/* Model tensors live under /embed, /layers, /head, /persistent and /final_norm; other top-level
 * groups (e.g. /fixture in test files) belong to others. */
typedef struct {
    const TensorList *tl;
    hid_t lapl;
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
    hid_t o = H5Oopen(g, name, ctx->lapl);
    if (o < 0) return 0;
    int is_ds = H5Iget_type(o) == H5I_DATASET;
    H5Oclose(o);
    if (!is_ds) return 0;
    for (size_t i = 0; i < ctx->tl->n; i++)
        if (!strcmp(ctx->tl->v[i].path, path)) return 0;
    snprintf(ctx->stray, sizeof ctx->stray, "%s", path);
    return 1;
}

/* Every expected tensor present and right, none stray (all before any weight is read). */
static int check_tensors(hid_t f, hid_t lapl, const TitansConfig *cfg, TitansWeights *w,
                         TensorList *tl, const char *file, TitansError *err)
{
    size_t total;
    if (tensor_list_build(cfg, w, tl) != 0) return titans_fail(err, file, "out of memory");
    for (size_t i = 0; i < tl->n; i++)
        if (check_tensor(f, lapl, &tl->v[i], file, err) != 0) return -1;
    if (tensor_list_floats(tl, &total) != 0) return titans_fail(err, file, "the tensors' total size overflows");
    StrayCtx ctx = {tl, lapl, ""};
    herr_t walked = H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, find_stray, &ctx);
    if (ctx.stray[0])
        return titans_fail(err, file, "tensor '%s': not part of format v1 for this config", ctx.stray);
    if (walked < 0) return titans_fail(err, file, "cannot list its datasets (a truncated or damaged file?)");
    return 0;
}

/* ---- sending --------------------------------------------------------------------------------- */

static int put(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int send_record(int fd, uint32_t type, uint64_t index, uint64_t count, const void *data,
                       size_t bytes)
{
    WireRecord r = {WIRE_MAGIC, type, index, count};
    return put(fd, &r, sizeof r) == 0 && put(fd, data, bytes) == 0 ? 0 : -1;
}

/* Reads one tensor, checks every value is finite, sends it. */
static int send_tensor(hid_t f, hid_t lapl, const TensorSpec *t, size_t index, int fd,
                       const char *file, TitansError *err)
{
    size_t n = tensor_floats(t);
    float *v = malloc(sizeof(float) * (n ? n : 1));
    if (!v) return titans_fail(err, file, "tensor '%s': out of memory for %zu floats", t->path, n);
    hid_t ds = H5Dopen2(f, t->path, lapl);
    herr_t r = ds < 0 ? -1 : H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (ds >= 0) H5Dclose(ds);
    int rc = r < 0 ? titans_fail(err, file, "tensor '%s': read failed (truncated or corrupt file)", t->path) : 0;
    for (size_t j = 0; rc == 0 && j < n; j++)
        if (!isfinite(v[j]))
            rc = titans_fail(err, file, "tensor '%s': element %zu is %s", t->path, j, isnan(v[j]) ? "NaN" : "Inf");
    if (rc == 0) rc = send_record(fd, WIRE_TENSOR, index, n, v, sizeof(float) * n);
    free(v);
    return rc;
}

/* The image in memory (HDF5's core driver, no backing file): libhdf5 copies it. */
static hid_t open_image(const void *image, size_t len, const char *file, TitansError *err)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 &&
        H5Pset_file_image(fapl, (void *)image, len) >= 0)
        f = H5Fopen("/nonexistent/titans-checkpoint-image", H5F_ACC_RDONLY, fapl); /* never a real file */
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) titans_fail(err, file, "cannot open as HDF5 (truncated or corrupt file)");
    return f;
}

int checkpoint_h5_serve(const void *image, size_t len, const char *name, int with_weights, int fd)
{
    TitansError err = {{0}};
    TitansConfig *cfg = calloc(1, sizeof *cfg);
    TitansWeights *w = calloc(1, sizeof *w); /* only its pointers' addresses are used */
    TensorList tl = {0};
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    H5PLset_loading_state(0); /* no filter plugins: a damaged file must not load code */
    /* a dataset access list is a link access list too: one list for H5Dopen, H5Lexists, H5Oopen */
    hid_t lapl = H5Pcreate(H5P_DATASET_ACCESS), f = -1;
    int rc = !cfg || !w || lapl < 0 || H5Pset_elink_cb(lapl, refuse_elink, NULL) < 0
                 ? titans_fail(&err, name, "out of memory")
                 : 0;
    if (rc == 0 && (f = open_image(image, len, name, &err)) < 0) rc = -1;
    if (rc == 0) rc = check_links(f, name, &err);
    if (rc == 0) rc = read_config(f, cfg, name, &err);
    if (rc == 0 && with_weights) rc = check_tensors(f, lapl, cfg, w, &tl, name, &err);
    if (rc == 0) rc = send_record(fd, WIRE_CONFIG, 0, sizeof *cfg, cfg, sizeof *cfg);
    for (size_t i = 0; rc == 0 && with_weights && i < tl.n; i++)
        rc = send_tensor(f, lapl, &tl.v[i], i, fd, name, &err);
    if (rc == 0) rc = send_record(fd, WIRE_END, 0, 0, NULL, 0);
    else if (err.msg[0])
        send_record(fd, WIRE_ERROR, 0, strlen(err.msg) + 1, err.msg, strlen(err.msg) + 1);
    if (f >= 0) H5Fclose(f);
    if (lapl >= 0) H5Pclose(lapl);
    tensor_list_free(&tl);
    free(w);
    free(cfg);
    return rc;
}
