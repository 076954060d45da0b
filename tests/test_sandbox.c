/* The sandbox (src/titans/sandbox.h): a child that crashes, spins, blocks, overruns its memory or
 * stops mid-result is an error naming what happened, within its limits, and leaves no process
 * behind; a child that finishes hands over every byte. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t n) { return write(fd, buf, n) == (ssize_t)n ? 0 : -1; }

static int work_answer(void *ctx, int fd) { return write_all(fd, ctx, 8); }
static int work_crash(void *ctx, int fd)
{
    (void)fd;
    volatile int *p = ctx; /* NULL */
    return *p;
}
static int work_spin(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    for (volatile uint64_t i = 0;; i++) continue;
    return 0;
}
static int work_block(void *ctx, int fd)
{
    (void)ctx, (void)fd;
    for (;;) pause();
    return 0;
}
static int work_half(void *ctx, int fd) { return write_all(fd, ctx, 2); }
/* Reports whether 1 GiB could be had (the budget is 64 MiB). */
static int work_greedy(void *ctx, int fd)
{
    (void)ctx;
    char *big = malloc((size_t)1 << 30);
    char got = big != NULL;
    return write_all(fd, &got, 1);
}

/* Runs work with the given limits, reading n bytes; returns sandbox_finish's result. */
static int run(SandboxWork work, void *ctx, size_t n, int cpu, int wall, char *out, TitansError *err)
{
    Sandbox sb;
    char buf[16];
    memset(err, 0, sizeof *err);
    assert_int_equal(sandbox_start(&sb, work, ctx, (size_t)64 << 20, cpu, wall, "job.h5", err), 0);
    int rc = sandbox_read(&sb, out ? out : buf, n);
    rc = sandbox_finish(&sb, rc, "job.h5", err);
    printf("# -> %s\n", rc ? err->msg : "ok");
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* nothing left to reap */
    assert_int_equal(errno, ECHILD);
    return rc;
}

static void test_answer_arrives_whole(void **st)
{
    (void)st;
    char answer[8] = "titans!", got[8] = {0};
    TitansError err;
    assert_int_equal(run(work_answer, answer, 8, 5, 30, got, &err), 0);
    assert_memory_equal(got, answer, 8);
}

/* Under AddressSanitizer (scripts/sanitize-check.sh sets ASAN_OPTIONS) a crash becomes ASan's
 * report and exit status 1, and its shadow memory cannot live under RLIMIT_AS: the two tests of
 * what a plain build does are not run there (cmocka's skip() reads as a failure in TAP). */
static int sanitized(void) { return getenv("ASAN_OPTIONS") != NULL; }

static void test_crash_is_named(void **st)
{
    (void)st;
    if (sanitized()) { print_message("# not run under ASan: it changes what a crash and RLIMIT_AS do\n"); return; }
    TitansError err;
    assert_int_equal(run(work_crash, NULL, 8, 5, 30, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "job.h5: libhdf5 crashed reading it (Segmentation fault)"));
}

static void test_spinning_child_stops_at_its_cpu_limit(void **st)
{
    (void)st;
    TitansError err;
    double t0 = seconds();
    assert_int_equal(run(work_spin, NULL, 8, 1, 30, NULL, &err), -1);
    assert_true(seconds() - t0 < 10); /* 1 s of CPU on a busy machine */
    assert_non_null(strstr(err.msg, "job.h5: libhdf5 timed out reading it"));
}

static void test_blocked_child_stops_at_the_wall_clock(void **st)
{
    (void)st;
    TitansError err;
    double t0 = seconds();
    assert_int_equal(run(work_block, NULL, 8, 5, 1, NULL, &err), -1);
    assert_true(seconds() - t0 < 5);
    assert_non_null(strstr(err.msg, "timed out"));
}

static void test_memory_is_bounded(void **st)
{
    (void)st;
    if (sanitized()) { print_message("# not run under ASan: it changes what a crash and RLIMIT_AS do\n"); return; }
    char got = 1;
    TitansError err;
    assert_int_equal(run(work_greedy, NULL, 1, 5, 30, &got, &err), 0);
    assert_int_equal(got, 0);
}

static void test_half_a_result_is_an_error(void **st)
{
    (void)st;
    char answer[8] = "titans!";
    TitansError err;
    assert_int_equal(run(work_half, answer, 8, 5, 30, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "job.h5: the process reading it ended without a whole result"));
}

/* The caller's own error (e.g. the child's message, or a malformed record) stands, and a child
 * still at work is stopped at once. */
static void test_caller_error_stops_the_child(void **st)
{
    (void)st;
    Sandbox sb;
    TitansError err = {{0}};
    assert_int_equal(sandbox_start(&sb, work_block, NULL, (size_t)64 << 20, 5, 30, "job.h5", &err), 0);
    snprintf(err.msg, sizeof err.msg, "job.h5: attribute 'format': missing");
    double t0 = seconds();
    assert_int_equal(sandbox_finish(&sb, -1, "job.h5", &err), -1);
    assert_true(seconds() - t0 < 2);
    assert_string_equal(err.msg, "job.h5: attribute 'format': missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_arrives_whole),
        cmocka_unit_test(test_crash_is_named),
        cmocka_unit_test(test_spinning_child_stops_at_its_cpu_limit),
        cmocka_unit_test(test_blocked_child_stops_at_the_wall_clock),
        cmocka_unit_test(test_memory_is_bounded),
        cmocka_unit_test(test_half_a_result_is_an_error),
        cmocka_unit_test(test_caller_error_stops_the_child),
    };
    return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
