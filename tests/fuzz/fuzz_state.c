/* Fuzz target `state`: titans_state_restore (src/titans/state.c) must fail cleanly on any buffer,
 * and a state it accepts must be one the engine can run on. Models: small fixture checkpoints of
 * every layer kind ($TITANS_FIXTURES, else the source tree's tests/fixtures), loaded once.
 *
 * Input, two forms:
 *   - a raw state buffer (it starts with the magic "TITANSST"): restored into a fresh state of
 *     each model in turn (the fingerprint in its header picks at most one);
 *   - otherwise a recipe, so the fuzzer reaches past the header checks whatever the fixtures'
 *     fingerprints: byte 0 picks the model, byte 1 how many tokens (0..63) run before a real
 *     save, byte 2 a length change (0: none; else the buffer is cut or padded by up to 127
 *     bytes), then 4-byte edits (offset, little-endian 16 bits, into the buffer; a value; an
 *     operation: set, xor, add, or set the 8-byte little-endian integer there to 2^value - 1).
 * A state restored must save back to the very same bytes, and must run 1 to 20 more tokens; a
 * recipe without edits (a state just saved) must be restored.
 *
 * The seeds' raw buffers come from this file built with -DFUZZ_STATE_SEEDS (a main that writes
 * tests/fuzz/corpus/state/raw-*); they must be made again if the fixtures are (make fixtures). */
#include "fuzz.h"

#include "titans.h"

static const char *const MODELS[] = {"attn.h5", "swa.h5", "mal.h5", "mac_np3.h5", "lmm_depth1_heads2.h5", "mixed.h5"};
enum { N_MODELS = sizeof MODELS / sizeof MODELS[0] };
static TitansModel *models[N_MODELS];

#ifndef FUZZ_FIXTURES
#define FUZZ_FIXTURES "tests/fixtures"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("TITANS_FIXTURES") ? getenv("TITANS_FIXTURES") : FUZZ_FIXTURES;
    for (int i = 0; i < N_MODELS; i++) {
        char path[PATH_MAX];
        TitansError err;
        snprintf(path, sizeof path, "%s/%s", dir, MODELS[i]);
        if (titans_model_load(path, &models[i], &err) != 0) {
            fprintf(stderr, "fuzz_state: %s\n(set TITANS_FIXTURES to the tests/fixtures folder)\n", err.msg);
            exit(1);
        }
    }
    return 0;
}

static void tokens(int32_t *t, int n, int salt)
{
    for (int i = 0; i < n; i++) t[i] = (int32_t)((i * 37 + salt * 11 + 65) & 0x7f);
}

/* A state of model m after n tokens, saved. */
static void *saved_state(TitansModel *m, int n, size_t *len)
{
    TitansError err;
    TitansState *s = titans_state_new(m, &err);
    FUZZ_CHECK(s != NULL);
    int32_t tok[64];
    tokens(tok, n, 0);
    FUZZ_CHECK(n == 0 || titans_forward(m, s, tok, n, NULL, NULL, NULL, &err) == 0);
    void *buf = NULL;
    FUZZ_CHECK(titans_state_save(s, &buf, len, &err) == 0);
    titans_state_free(s);
    return buf;
}

/* Restores buf into a fresh state of m; when accepted, it must save back to buf and run on. A
 * buffer just saved (must_accept) must be accepted. */
static void try_restore(TitansModel *m, const void *buf, size_t len, int more, int must_accept)
{
    TitansError err;
    err.msg[0] = '\0';
    TitansState *s = titans_state_new(m, &err);
    FUZZ_CHECK(s != NULL);
    if (titans_state_restore(s, buf, len, &err) != 0) {
        FUZZ_NOTE("%s", err.msg);
        FUZZ_CHECK(!must_accept);
        FUZZ_CHECK(strstr(err.msg, "state restore") != NULL);
        /* a refused buffer leaves a state that still runs */
        int32_t tok[4];
        tokens(tok, 4, 1);
        FUZZ_CHECK(titans_forward(m, s, tok, 4, NULL, NULL, NULL, &err) == 0);
        titans_state_free(s);
        return;
    }
    const TitansConfig *c = titans_model_config(m);
    int64_t t = titans_state_position(s);
    FUZZ_NOTE("restored a state at position %lld", (long long)t);
    FUZZ_CHECK(t >= 0);
    for (int l = 0; l < c->n_layers; l++) { /* what the layer holds fits what it has seen */
        int64_t keys = titans_state_cached_keys(s, l);
        int64_t ring = c->window > c->segment ? c->window : c->segment, seen = t < ring ? t : ring;
        if (c->layer_kinds[l] == TITANS_LAYER_LMM) FUZZ_CHECK(keys == 0);
        else if (c->layer_kinds[l] == TITANS_LAYER_ATTN) FUZZ_CHECK(keys == c->n_persistent + t);
        else FUZZ_CHECK(keys >= c->n_persistent && keys <= c->n_persistent + 2 * seen);
    }
    void *again = NULL;
    size_t len2 = 0;
    FUZZ_CHECK(titans_state_save(s, &again, &len2, &err) == 0);
    FUZZ_CHECK(len2 == len && memcmp(again, buf, len) == 0);
    free(again);
    int32_t tok[20];
    tokens(tok, 1 + more % 20, 2);
    float logits[256];
    /* a restored state may hold values (NaN keys) that make the logits non-finite: the engine
     * then says so, which is the clean failure asked for; anything else must run */
    err.msg[0] = 0;
    if (titans_forward(m, s, tok, 1 + more % 20, NULL, logits, NULL, &err) != 0)
        FUZZ_CHECK(strstr(err.msg, "non-finite logits") != NULL);
    titans_state_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8 && !memcmp(data, "TITANSST", 8)) {
        for (int i = 0; i < N_MODELS; i++) try_restore(models[i], data, size, (int)(size % 20), 0);
        return 0;
    }
    if (size < 3) return 0;
    TitansModel *m = models[data[0] % N_MODELS];
    size_t len;
    uint8_t *buf = saved_state(m, data[1] % 64, &len);
    if (data[2]) { /* cut or pad */
        int delta = (data[2] & 0x7f) * (data[2] & 0x80 ? -1 : 1);
        size_t n = delta < 0 && (size_t)-delta > len ? 0 : (size_t)((int64_t)len + delta);
        uint8_t *nb = realloc(buf, n ? n : 1);
        if (!nb) abort();
        if (n > len) memset(nb + len, 0xa5, n - len);
        buf = nb;
        len = n;
    }
    for (size_t i = 3; i + 4 <= size && len; i += 4) {
        size_t off = (size_t)(data[i] | data[i + 1] << 8) % len;
        uint8_t v = data[i + 2];
        switch (data[i + 3] & 3) {
        case 0: buf[off] = v; break;
        case 1: buf[off] ^= v; break;
        case 2: buf[off] = (uint8_t)(buf[off] + v); break;
        default: { /* an 8-byte field set to 2^v - 1 (0, 1, ..., INT64_MAX, UINT64_MAX) */
            uint64_t x = (v & 63) == 0 && v ? UINT64_MAX : (UINT64_C(1) << (v & 63)) - 1;
            for (int k = 0; k < 8 && off + (size_t)k < len; k++) buf[off + (size_t)k] = (uint8_t)(x >> (8 * k));
        }
        }
    }
    try_restore(m, buf, len, data[1], size < 7 && data[2] == 0);
    free(buf);
    return 0;
}

#ifdef FUZZ_STATE_SEEDS
/* Writes the raw seeds: each model's state after 0, 5 and 13 tokens, into the folder argv[1]. */
int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    LLVMFuzzerInitialize(&argc, &argv);
    const int lens[] = {0, 5, 13};
    for (int i = 0; i < N_MODELS; i++)
        for (int k = 0; k < 3; k++) {
            size_t len;
            void *buf = saved_state(models[i], lens[k], &len);
            if (len > 16384) { /* seeds stay small */
                free(buf);
                continue;
            }
            char path[PATH_MAX], name[64];
            snprintf(name, sizeof name, "%.*s", (int)(strlen(MODELS[i]) - 3), MODELS[i]);
            snprintf(path, sizeof path, "%s/raw-%s-%d", argv[1], name, lens[k]);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) return 1;
            free(buf);
        }
    return 0;
}
#endif
