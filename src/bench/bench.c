/* titans-bench: speed of the engine on one checkpoint, one rank, single-threaded BLAS.
 *
 * For each context length: prefill tokens/s, then decode tokens/s over --decode further tokens,
 * achieved GFLOP/s from the FLOP count (below), and the peak resident set size of the run (for a
 * clean figure per length, run one length per process, as scripts/bench.sh does). Also
 * measures this core's single-threaded sgemm rate so the prefill rate can be read as a fraction
 * of it. Output: one CSV row per length (stdout), a header first.
 *
 * FLOP count: titans_token_flops (src/titans/flops.c).
 *
 * Decode reads every weight once a token (one-row products: sgemv) and, per layer, the state its
 * token meets (the memory's M and S, attention's keys and values in the window), so its bound is
 * the rate at which the core reads that many bytes, not sgemm's: the bench gives the bytes
 * (weights + state, an upper bound on what a token reads) and this core's rate of reading a
 * buffer of that size, so decode can be read as a fraction of it. */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define READ_X86 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "titans.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this thread: on a shared, loaded machine the wall clock measures the other jobs too */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* Peak RSS in KiB since the last reset (Linux VmHWM); reset by writing 5 to clear_refs. */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) v = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return v;
}

static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static double flops_range(const TitansConfig *c, long long t0, long long n)
{
    /* exact sum; the per-token cost is affine in t except for window/segment clamps */
    double s = 0;
    long long step = n > 4096 ? n / 4096 : 1;
    for (long long t = t0; t < t0 + n; t += step) s += titans_token_flops(c, (double)t) * (double)(step < t0 + n - t ? step : t0 + n - t);
    return s;
}

/* Single-threaded sgemm rate [n, n] x [n, n] over at least a second: wall (*wall) and CPU time
 * (returned) */
static double sgemm_gflops(int n, double *wall)
{
    float *a = malloc(sizeof(float) * (size_t)n * n), *b = malloc(sizeof(float) * (size_t)n * n),
          *cc = malloc(sizeof(float) * (size_t)n * n);
    for (size_t i = 0; i < (size_t)n * n; i++) a[i] = b[i] = (float)(i % 7) * 0.01f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, cc, n);
    int reps = 0;
    double t0 = now(), c0 = cpu_now(), t;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, cc, n);
        reps++;
    } while ((t = now() - t0) < 1.0 || cpu_now() - c0 < 0.5);
    double flop = 2.0 * n * n * (double)n * reps;
    *wall = flop / t / 1e9;
    free(a);
    free(b);
    free(cc);
    return flop / (cpu_now() - c0) / 1e9;
}

/* Sum of a[0..n), n a multiple of 32, with independent vector sums so that the loads, not the
 * adds, set the pace. A plain loop over one accumulator array ran at half the rate the core
 * reads. */
#ifdef READ_X86
__attribute__((target("avx512f"))) static float sum_avx512(const float *a, size_t n)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    for (size_t i = 0; i < n; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(a + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(a + i + 16));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx2"))) static float sum_avx2(const float *a, size_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
    }
    float r[8];
    _mm256_storeu_ps(r, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    return r[0] + r[1] + r[2] + r[3] + r[4] + r[5] + r[6] + r[7];
}
#endif

static float sum_plain(const float *a, size_t n)
{
    float s[8] = {0};
    for (size_t i = 0; i < n; i += 8)
        for (int j = 0; j < 8; j++) s[j] += a[i + j];
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

/* Rate of one way of reading a[0..n): CPU time (returned) and wall (*wall), GB/s, over at least
 * half a second after a first pass (which brings the buffer in, as decode's first token does). */
static double sum_rate(float (*sum)(const float *, size_t), const float *a, size_t n, double *wall)
{
    volatile float sink = sum(a, n);
    int reps = 0;
    double t0 = now(), c0 = cpu_now(), t;
    do {
        sink += sum(a, n);
        reps++;
    } while ((t = now() - t0) < 0.5 || cpu_now() - c0 < 0.25);
    (void)sink;
    double read = (double)n * sizeof(float) * reps;
    *wall = read / t / 1e9;
    return read / (cpu_now() - c0) / 1e9;
}

/* This core's single-threaded rate of reading a buffer of `bytes`: the best of the vector widths
 * the CPU has (on the Zen 5 VM, AVX2's loads read L3 faster than AVX-512's). CPU time (returned)
 * and wall (*wall), GB/s. */
static double read_gbs(size_t bytes, double *wall)
{
    size_t n = bytes / sizeof(float) / 32 * 32;
    float *a = malloc(sizeof(float) * (n ? n : 32));
    if (!a) return *wall = 0.0, 0.0;
    for (size_t i = 0; i < n; i++) a[i] = (float)(i % 5);
    double w, cpu = sum_rate(sum_plain, a, n, wall);
#ifdef READ_X86
    float (*const wide[2])(const float *, size_t) = {sum_avx2, sum_avx512};
    const int has[2] = {__builtin_cpu_supports("avx2"), __builtin_cpu_supports("avx512f")};
    for (int i = 0; i < 2; i++) {
        double c = has[i] ? sum_rate(wide[i], a, n, &w) : 0.0;
        if (c > cpu) cpu = c, *wall = w;
    }
#endif
    free(a);
    return cpu;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: titans-bench --checkpoint FILE [options]\n"
            "  -c, --checkpoint FILE   bytes/lm checkpoint to measure (required)\n"
            "  -l, --lengths LIST      comma-separated context lengths (default 1024,4096,16384)\n"
            "  -d, --decode N          tokens decoded after each prefill (default 64)\n"
            "  -p, --path PATH         memory path: chunked (default) or sequential\n"
            "  -s, --seed N            seed of the random input bytes (default 1)\n"
            "  -w, --weights TYPE      float32 (default) or bf16: the products' weights rounded to\n"
            "                          bfloat16, which a decode token reads as 16-bit\n"
            "  -h, --help              this text\n"
            "Prints CSV: kind,d_model,n_layers,length,prefill_tok_s,prefill_gflops,\n"
            "decode_tok_s,peak_rss_mib,state_mib,sgemm_gflops (one rank; set OPENBLAS_NUM_THREADS),\n"
            "then the same rates from this thread's CPU time (cpu_*: what a loaded, shared machine\n"
            "still measures fairly), the small-matrix kernels in force (TITANS_KERNELS), and the\n"
            "decode rate in GFLOP/s (wall, then CPU time), then decode_read_mib (weights + state:\n"
            "what a decode token reads at most) and this core's rate of reading that many bytes\n"
            "(read_gbs wall, cpu_read_gbs; 0 without --decode), and the core OpenBLAS runs its\n"
            "kernels for (openblas_core: what sgemm_gflops measured), and the weights (float32 or bf16).\n");
}

int main(int argc, char **argv)
{
    const char *ckpt = NULL, *lengths = "1024,4096,16384";
    int decode = 64;
    unsigned seed = 1;
    int bf16 = 0;
    TitansMemoryPath path = TITANS_MEMORY_CHUNKED;
    static const struct option opts[] = {{"checkpoint", required_argument, 0, 'c'},
                                         {"lengths", required_argument, 0, 'l'},
                                         {"decode", required_argument, 0, 'd'},
                                         {"path", required_argument, 0, 'p'},
                                         {"seed", required_argument, 0, 's'},
                                         {"weights", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "c:l:d:p:s:w:h", opts, NULL)) != -1;) {
        switch (o) {
        case 'c': ckpt = optarg; break;
        case 'l': lengths = optarg; break;
        case 'd': decode = atoi(optarg); break;
        case 's': seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'p':
            if (!strcmp(optarg, "chunked")) path = TITANS_MEMORY_CHUNKED;
            else if (!strcmp(optarg, "sequential")) path = TITANS_MEMORY_SEQUENTIAL;
            else {
                fprintf(stderr, "titans-bench: --path: '%s' is not chunked or sequential\n", optarg);
                return 2;
            }
            break;
        case 'w':
            if (strcmp(optarg, "float32") && strcmp(optarg, "bf16")) {
                fprintf(stderr, "titans-bench: --weights: '%s' is not float32 or bf16\n", optarg);
                return 2;
            }
            bf16 = !strcmp(optarg, "bf16");
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!ckpt || decode < 0) {
        usage(stderr);
        return 2;
    }
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);

    TitansModel *m = NULL;
    TitansError err;
    if (titans_model_load(ckpt, &m, &err) != 0) {
        fprintf(stderr, "titans-bench: %s\n", err.msg);
        return 1;
    }
    const TitansConfig *c = titans_model_config(m);
    if (c->head != TITANS_HEAD_LM) {
        fprintf(stderr, "titans-bench: %s: needs a bytes/lm checkpoint\n", ckpt);
        titans_model_free(m);
        return 1;
    }
    if ((bf16 && titans_model_use_bf16(m, &err) != 0) || titans_model_set_memory_path(m, path, &err) != 0) {
        fprintf(stderr, "titans-bench: %s\n", err.msg);
        titans_model_free(m);
        return 1;
    }
    char kinds[256] = "";
    for (int i = 0; i < c->n_layers; i++) {
        if (i) strncat(kinds, "+", sizeof kinds - strlen(kinds) - 1);
        strncat(kinds, titans_layer_kind_name(c->layer_kinds[i]), sizeof kinds - strlen(kinds) - 1);
    }
    double peak, peak_cpu = sgemm_gflops(1024, &peak);
    printf("kind,d_model,n_layers,length,prefill_tok_s,prefill_gflops,decode_tok_s,peak_rss_mib,"
           "state_mib,sgemm_gflops,cpu_prefill_tok_s,cpu_prefill_gflops,cpu_decode_tok_s,"
           "cpu_sgemm_gflops,kernels,decode_gflops,cpu_decode_gflops,decode_read_mib,read_gbs,"
           "cpu_read_gbs,openblas_core,weights\n");
    char *list = strdup(lengths);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        errno = 0;
        long long n = strtoll(tok, NULL, 10);
        if (n < 1 || errno) {
            fprintf(stderr, "titans-bench: --lengths: '%s' is not a positive length\n", tok);
            return 2;
        }
        /* random printable bytes, made slice by slice so the input never grows with n and the
         * peak RSS is the engine's alone */
        enum { SLICE = 65536 };
        static int32_t tokens[SLICE];
        unsigned x = seed;
        reset_peak_rss();
        TitansState *s = titans_state_new(m, &err);
        float logits[256];
        int rc = s ? 0 : -1;
        double t0 = now(), c0 = cpu_now();
        for (long long i = 0; rc == 0 && i < n; i += SLICE) {
            int len = n - i < SLICE ? (int)(n - i) : SLICE;
            for (int j = 0; j < len; j++) {
                x = x * 1664525u + 1013904223u;
                tokens[j] = (int32_t)(32 + (x >> 24) % 95);
            }
            rc = titans_forward(m, s, tokens, len, NULL, i + len == n ? logits : NULL, NULL, &err);
        }
        double tp = now() - t0, cp = cpu_now() - c0;
        t0 = now();
        c0 = cpu_now();
        for (int i = 0; rc == 0 && i < decode; i++) {
            int32_t next = (int32_t)(32 + i % 95);
            rc = titans_forward(m, s, &next, 1, NULL, logits, NULL, &err);
        }
        double td = now() - t0, cd = cpu_now() - c0;
        if (rc != 0) {
            fprintf(stderr, "titans-bench: %s\n", err.msg);
            return 1;
        }
        double fl = flops_range(c, 0, n), fd = decode ? flops_range(c, n, decode) : 0.0;
        size_t read = titans_model_decode_weight_bytes(m) + titans_state_bytes(s);
        double rw = 0.0, rc_gbs = decode ? read_gbs(read, &rw) : 0.0;
        printf("%s,%d,%d,%lld,%.1f,%.2f,%.1f,%.1f,%.2f,%.2f,%.1f,%.2f,%.1f,%.2f,%s,%.2f,%.2f,%.2f,%.2f,%.2f,%s,%s\n", kinds,
               c->d_model, c->n_layers, n, (double)n / tp, fl / tp / 1e9, decode ? decode / td : 0.0,
               peak_rss_kib() / 1024.0, titans_state_bytes(s) / 1048576.0, peak, (double)n / cp,
               fl / cp / 1e9, decode ? decode / cd : 0.0, peak_cpu, titans_kernels(),
               decode ? fd / td / 1e9 : 0.0, decode ? fd / cd / 1e9 : 0.0, read / 1048576.0, rw, rc_gbs,
               openblas_get_corename(), bf16 ? "bf16" : "float32");
        fflush(stdout);
        titans_state_free(s);
    }
    free(list);
    titans_model_free(m);
    return 0;
}
