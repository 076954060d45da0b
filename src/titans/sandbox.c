#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { READ_OK, READ_ENDED, READ_LATE };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Address space the process maps now (the first field of /proc/self/statm, in pages); 0 when
 * unknown. read(2) only: the child of a threaded parent should not need stdio's locks. */
static size_t mapped_bytes(void)
{
    char buf[64] = {0};
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got <= 0) return 0;
    size_t pages = strtoull(buf, NULL, 10);
    return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* A limit never raised above what the process already has (that would fail). */
static void lower_limit(int resource, rlim_t value, rlim_t hard)
{
    struct rlimit cur, want = {value, hard};
    if (getrlimit(resource, &cur) != 0) return;
    if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < want.rlim_max) want.rlim_max = cur.rlim_max;
    if (want.rlim_cur > want.rlim_max) want.rlim_cur = want.rlim_max;
    if (cur.rlim_cur != RLIM_INFINITY && cur.rlim_cur < want.rlim_cur) want.rlim_cur = cur.rlim_cur;
    setrlimit(resource, &want);
}

/* In the child: default signal actions (Open MPI's and sanitizers' handlers would print or try
 * to recover), no core file, and the limits. */
static void child_limits(size_t mem_budget, int cpu_seconds)
{
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGXCPU, SIGPIPE, SIGTERM, SIGINT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    lower_limit(RLIMIT_CORE, 0, 0);
    /* SIGXCPU at the soft limit, SIGKILL a second later should it be caught */
    lower_limit(RLIMIT_CPU, (rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 1);
    size_t mapped = mapped_bytes();
    if (mapped) lower_limit(RLIMIT_AS, (rlim_t)(mapped + mem_budget), (rlim_t)(mapped + mem_budget));
}

int sandbox_start(Sandbox *sb, SandboxWork work, void *ctx, size_t mem_budget, int cpu_seconds,
                  int wall_seconds, const char *name, TitansError *err)
{
    memset(sb, 0, sizeof *sb);
    sb->pid = -1;
    sb->fd = -1;
    int p[2];
    if (pipe(p) != 0) {
        snprintf(err->msg, sizeof err->msg, "%s: cannot make a pipe to read it: %s", name, strerror(errno));
        return -1;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        child_limits(mem_budget, cpu_seconds);
        _exit(work(ctx, p[1]) == 0 ? 0 : 1);
    }
    int e = errno;
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        snprintf(err->msg, sizeof err->msg, "%s: cannot start a process to read it: %s", name, strerror(e));
        return -1;
    }
    sb->pid = pid;
    sb->fd = p[0];
    sb->cpu_seconds = cpu_seconds;
    sb->wall_seconds = wall_seconds;
    sb->deadline = now() + wall_seconds;
    return 0;
}

int sandbox_read(Sandbox *sb, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0 && sb->broken == READ_OK) {
        double left = sb->deadline - now();
        if (left <= 0) {
            sb->broken = READ_LATE;
            break;
        }
        struct pollfd pfd = {sb->fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r <= 0) {
            if (r < 0 && errno != EINTR) sb->broken = READ_ENDED;
            continue;
        }
        ssize_t got = read(sb->fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            sb->broken = READ_ENDED;
            break;
        }
        p += got;
        n -= (size_t)got;
    }
    return sb->broken == READ_OK ? 0 : -1;
}

/* waitpid until the deadline, then SIGKILL. 0 with *status, or -1 when the child cannot be
 * waited for (SIGCHLD ignored: it was reaped already). */
static int reap(Sandbox *sb, int *status)
{
    struct timespec nap = {0, 1000000};
    for (;;) {
        pid_t r = waitpid(sb->pid, status, WNOHANG);
        if (r == sb->pid) return 0;
        if (r < 0 && errno != EINTR) return -1;
        if (now() > sb->deadline) {
            kill(sb->pid, SIGKILL);
            sb->broken = READ_LATE;
            while ((r = waitpid(sb->pid, status, 0)) < 0 && errno == EINTR) continue;
            return r == sb->pid ? 0 : -1;
        }
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 16000000) nap.tv_nsec *= 2;
    }
}

int sandbox_finish(Sandbox *sb, int rc, const char *name, TitansError *err)
{
    if (sb->pid < 0) return -1;
    close(sb->fd);
    /* the caller has its message (or the child overran): the child's work is of no more use */
    if ((rc != 0 && sb->broken == READ_OK) || sb->broken == READ_LATE) kill(sb->pid, SIGKILL);
    int status = 0;
    int known = reap(sb, &status) == 0;
    sb->pid = -1;
    if (rc != 0 && sb->broken == READ_OK) return -1;
    /* SIGXCPU is RLIMIT_CPU's (its default action ends the child) */
    int sig = known && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (sb->broken == READ_LATE || sig == SIGXCPU) {
        snprintf(err->msg, sizeof err->msg, "%s: libhdf5 timed out reading it (no result after %d s "
                 "of CPU time, or %d s in all): the file is damaged", name, sb->cpu_seconds, sb->wall_seconds);
        return -1;
    }
    if (sig) {
        snprintf(err->msg, sizeof err->msg, "%s: libhdf5 crashed reading it (%s): the file is damaged",
                 name, strsignal(sig));
        return -1;
    }
    int code = known && WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    if (sb->broken == READ_OK && code == 0) return 0; /* unknown status: every byte came, so fine */
    snprintf(err->msg, sizeof err->msg, "%s: the process reading it ended without a whole result "
             "(exit status %d): the file is damaged, or the reader ran out of memory", name, code);
    return -1;
}
