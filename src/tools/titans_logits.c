/* titans-logits: the float32 engine's greedy answer to one prompt, with the logits each answer
 * byte was chosen from, for comparisons with the float64 reference (scripts/stability.py).
 *
 *   titans-logits CHECKPOINT PROMPT OUT [MAX_NEW]
 *
 * PROMPT is a file of raw bytes (the prompt of a byte-level checkpoint). Generation is
 * titans-eval's: greedy, stopping after '\n' or MAX_NEW bytes (default 32). The memory path and
 * kernels are the engine's defaults (TITANS_KERNELS forces a kernel set, as everywhere).
 *
 * OUT (native byte order; written to OUT.tmp and renamed when complete):
 *   char magic[8] = "TLOGITS1"; int32 n_new; int32 vocab;
 *   int32 tokens[n_new]; float32 logits[n_new][vocab]
 * logits[i] is the row whose argmax is tokens[i]: after the prompt for i = 0, after the prompt
 * and tokens[0..i-1] otherwise.
 *
 * Exit status: 0 written, 1 input or engine error (the message names the file), 2 usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "titans.h"

#define PROG "titans-logits"
#define MAX_PROMPT_BYTES ((long long)64 << 20)
#define MAX_NEW_LIMIT 4096
#define VOCAB 256

static int usage(void)
{
    fprintf(stderr, "usage: " PROG " CHECKPOINT PROMPT OUT [MAX_NEW (1-%d, default 32)]\n",
            MAX_NEW_LIMIT);
    return 2;
}

/* The prompt's bytes as tokens; NULL with a message on error. */
static int32_t *read_prompt(const char *path, int64_t *n)
{
    struct stat st;
    FILE *f = NULL;
    unsigned char *bytes = NULL;
    int32_t *tokens = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, PROG ": %s: not a readable regular file\n", path);
        return NULL;
    }
    if (st.st_size < 1 || st.st_size > MAX_PROMPT_BYTES) {
        fprintf(stderr, PROG ": %s: prompt of %lld bytes (1 to %lld allowed)\n", path,
                (long long)st.st_size, MAX_PROMPT_BYTES);
        return NULL;
    }
    *n = st.st_size;
    bytes = malloc((size_t)*n);
    tokens = malloc((size_t)*n * sizeof *tokens);
    f = fopen(path, "rb");
    if (!bytes || !tokens || !f || fread(bytes, 1, (size_t)*n, f) != (size_t)*n) {
        fprintf(stderr, PROG ": %s: could not read %lld bytes\n", path, (long long)*n);
        free(tokens);
        tokens = NULL;
    } else {
        for (int64_t i = 0; i < *n; i++) tokens[i] = bytes[i];
    }
    if (f) fclose(f);
    free(bytes);
    return tokens;
}

static int write_out(const char *path, const int32_t *tokens, const float *logits, int n_new)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, PROG ": %s: path too long\n", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    int32_t head[2] = {n_new, VOCAB};
    int ok = f && fwrite("TLOGITS1", 1, 8, f) == 8 && fwrite(head, sizeof head, 1, f) == 1 &&
             fwrite(tokens, sizeof *tokens, (size_t)n_new, f) == (size_t)n_new &&
             fwrite(logits, sizeof *logits * VOCAB, (size_t)n_new, f) == (size_t)n_new;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, PROG ": %s: could not write it\n", path);
        remove(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) return usage();
    int max_new = 32;
    if (argc == 5) {
        char *end;
        long v = strtol(argv[4], &end, 10);
        if (*end || v < 1 || v > MAX_NEW_LIMIT) return usage();
        max_new = (int)v;
    }
    TitansError err = {{0}};
    TitansModel *m = NULL;
    TitansState *s = NULL;
    int64_t n = 0;
    int n_new = 0, rc = 1;
    int32_t *prompt = read_prompt(argv[2], &n);
    int32_t *tokens = malloc((size_t)max_new * sizeof *tokens);
    float *logits = malloc((size_t)max_new * VOCAB * sizeof *logits);
    if (!prompt || !tokens || !logits) goto done;
    if (titans_model_load(argv[1], &m, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto done;
    }
    if (titans_model_config(m)->head != TITANS_HEAD_LM) {
        fprintf(stderr, PROG ": %s: not a byte-level lm checkpoint (head)\n", argv[1]);
        goto done;
    }
    if (!(s = titans_state_new(m, &err)) ||
        titans_generate_greedy(m, s, prompt, n, max_new, '\n', tokens, &n_new, logits, &err) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", argv[1], err.msg);
        goto done;
    }
    rc = write_out(argv[3], tokens, logits, n_new) == 0 ? 0 : 1;
done:
    titans_state_free(s);
    titans_model_free(m);
    free(prompt);
    free(tokens);
    free(logits);
    return rc;
}
