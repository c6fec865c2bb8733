/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /bin/cbench: the C figures of `make bench`, one source for both
 * systems: built with tools/mxcc for ours (run by init's bench) and
 * against stock musl for the Linux peer (tools/linux-c.sh, run by its
 * /init). Under QEMU's -icount shift=0 one time-stamp tick is one guest
 * instruction, so a figure is the median of the rounds' instruction
 * counts, printed as `measure name=<id> instr=<n>`.
 *
 *   cbench            every figure
 *   cbench hello      the program exec_c_hello runs: one line, exit 0
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t ticks(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
    qsort(v, n, sizeof *v, cmp);
    return v[n / 2];
}

static void report(const char *name, uint64_t n)
{
    printf("measure name=%s instr=%llu\n", name, (unsigned long long)n);
    fflush(stdout);
}

/* fork, exec of `argv` with its output to /dev/null, wait: instructions,
 * or 0 if the program did not exit 0. */
static uint64_t spawn_once(char *const argv[])
{
    uint64_t t0 = ticks();
    pid_t c = fork();
    if (c == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (c < 0 || waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 0;
    return ticks() - t0;
}

static void spawn_figure(const char *name, char *const argv[], int rounds)
{
    uint64_t v[32];
    /* One round first: the program's pages come into the cache. */
    if (spawn_once(argv) == 0) {
        printf("cbench: %s failed\n", name);
        return;
    }
    for (int i = 0; i < rounds; i++) {
        v[i] = spawn_once(argv);
        if (v[i] == 0) {
            printf("cbench: %s failed\n", name);
            return;
        }
    }
    report(name, median(v, rounds));
}

static void *returns(void *arg)
{
    return arg;
}

/* pthread_create and pthread_join of a thread that returns at once. */
static void thread_create_join(void)
{
    uint64_t v[64];
    for (int i = 0; i < 64 + 8; i++) {
        pthread_t t;
        void *r;
        uint64_t t0 = ticks();
        if (pthread_create(&t, NULL, returns, (void *)1) != 0 || pthread_join(t, &r) != 0 || r != (void *)1) {
            printf("cbench: thread_create_join failed\n");
            return;
        }
        if (i >= 8)
            v[i - 8] = ticks() - t0;
    }
    report("thread_create_join", median(v, 64));
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static int token, rounds_left;

/* The other player: waits for the token to be 1, hands it back as 0. */
static void *pong(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    while (rounds_left > 0) {
        while (token != 1 && rounds_left > 0)
            pthread_cond_wait(&turn, &m);
        token = 0;
        pthread_cond_signal(&turn);
    }
    pthread_mutex_unlock(&m);
    return NULL;
}

/* Two threads hand a token back and forth through a mutex and a
 * condition variable: instructions per round trip. */
static void futex_pingpong(void)
{
    enum { ROUNDS = 2000, BATCHES = 9 };
    uint64_t v[BATCHES];
    pthread_t t;
    rounds_left = ROUNDS * BATCHES + 100;
    if (pthread_create(&t, NULL, pong, NULL) != 0) {
        printf("cbench: futex_pingpong failed\n");
        return;
    }
    pthread_mutex_lock(&m);
    for (int b = -1; b < BATCHES; b++) {
        int n = b < 0 ? 100 : ROUNDS;
        uint64_t t0 = ticks();
        for (int i = 0; i < n; i++) {
            token = 1;
            rounds_left--;
            pthread_cond_signal(&turn);
            while (token != 0)
                pthread_cond_wait(&turn, &m);
        }
        if (b >= 0)
            v[b] = (ticks() - t0) / ROUNDS;
    }
    rounds_left = 0;
    pthread_cond_signal(&turn);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    report("futex_pingpong", median(v, BATCHES));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "hello") == 0) {
        printf("hello from C\n");
        return 0;
    }
    char *hello[] = {"/bin/cbench", "hello", NULL};
    spawn_figure("exec_c_hello", hello, 15);
    char *loop[] = {"/bin/sh", "-c", "i=0; while [ $i -lt 1000 ]; do i=$((i + 1)); done", NULL};
    spawn_figure("sh_loop", loop, 7);
    char *pipeline[] = {"/bin/sh", "-c", "seq 20000 | sort -r | wc -l", NULL};
    spawn_figure("sh_pipeline", pipeline, 5);
    thread_create_join();
    futex_pingpong();
    printf("cbench: done\n");
    return 0;
}
