/* Running code we cannot trust not to crash or hang (libhdf5 on a damaged file) in a forked child
 * with bounded memory and CPU time. The child writes its results to a pipe; the parent reads them
 * with a deadline and then learns how the child ended. The child must call no MPI function and
 * ends with _exit (fork is allowed in an Open MPI process on those terms). */
#ifndef TITANS_SANDBOX_H
#define TITANS_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "titans.h"

typedef struct {
    pid_t pid;
    int fd;          /* the pipe's read end */
    double deadline; /* CLOCK_MONOTONIC seconds after which the parent gives up */
    int cpu_seconds, wall_seconds;
    int broken;      /* a read hit the end of the pipe or the deadline */
} Sandbox;

/* In the child: the work; writes to fd, returns 0 on success (the exit status follows it). */
typedef int (*SandboxWork)(void *ctx, int fd);

/* Starts work(ctx, fd) in a child allowed mem_budget bytes of address space beyond what it holds
 * at the fork and cpu_seconds of CPU; the parent waits at most wall_seconds in all. */
int sandbox_start(Sandbox *sb, SandboxWork work, void *ctx, size_t mem_budget, int cpu_seconds,
                  int wall_seconds, const char *name, TitansError *err);
/* Reads exactly n bytes the child wrote. -1 (err untouched: sandbox_finish says what happened)
 * when the pipe ends first or the deadline passes. */
int sandbox_read(Sandbox *sb, void *buf, size_t n);
/* Ends the child and returns 0 only when rc == 0, every read was whole and the child exited with
 * status 0. A child killed by a signal or by its limits sets err ("<name>: libhdf5 crashed
 * reading it ... the file is damaged"); when rc != 0 and no read broke, err keeps the caller's
 * message (the child's own error, or a protocol error) and the child is killed. */
int sandbox_finish(Sandbox *sb, int rc, const char *name, TitansError *err);

#endif
