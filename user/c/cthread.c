/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /bin/cthread: threads of a C program (musl's pthreads on our threads and
 * futexes), run by the libc.* guest tests (`cthread CASE`; a line per
 * failed check on standard output; exit 0 on success).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "cthread"
#include "check.h"

#define THREADS 8
#define ROUNDS 10000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine = 7;

static void *add(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        /* Now and then let another run while the lock is free. */
        if (i % 1000 == 0)
            sched_yield();
    }
    mine += (long)arg;
    return (void *)(mine * 10);
}

/* 8 threads add to one counter under a mutex; each has its own
 * thread-local variable and returns a value pthread_join sees; thread
 * ids differ from each other and from the pid. */
static void counter_case(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, add, (void *)i) == 0);
    for (long i = 0; i < THREADS; i++) {
        void *ret;
        CHECK(pthread_join(t[i], &ret) == 0);
        CHECK((long)ret == (7 + i) * 10);
    }
    CHECK(counter == THREADS * ROUNDS);
    CHECK(mine == 7);
    printf("counter %ld\n", counter);
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int queue[16], head, tail, done;

static void *consumer(void *arg)
{
    long sum = 0;
    (void)arg;
    pthread_mutex_lock(&m);
    for (;;) {
        while (head == tail && !done)
            pthread_cond_wait(&ready, &m);
        if (head == tail && done)
            break;
        sum += queue[head++ % 16];
    }
    pthread_mutex_unlock(&m);
    return (void *)sum;
}

/* Two consumers wait on a condition variable for 1000 items; then a timed
 * wait that nobody signals times out after its 50 ms. */
static void condvar_case(void)
{
    pthread_t c[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&c[i], NULL, consumer, NULL) == 0);
    for (int i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&m);
        while (tail - head == 16) {
            pthread_mutex_unlock(&m);
            sched_yield();
            pthread_mutex_lock(&m);
        }
        queue[tail++ % 16] = i;
        pthread_cond_signal(&ready);
        pthread_mutex_unlock(&m);
    }
    pthread_mutex_lock(&m);
    done = 1;
    pthread_cond_broadcast(&ready);
    pthread_mutex_unlock(&m);
    long total = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        CHECK(pthread_join(c[i], &r) == 0);
        total += (long)r;
    }
    CHECK(total == 500500);
    struct timespec start, end, deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    clock_gettime(CLOCK_MONOTONIC, &start);
    deadline.tv_nsec += 50 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    int r = pthread_cond_timedwait(&ready, &m, &deadline);
    pthread_mutex_unlock(&m);
    clock_gettime(CLOCK_MONOTONIC, &end);
    long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    CHECK(r == ETIMEDOUT);
    CHECK(ms >= 45 && ms < 1000);
    printf("condvar %ld\n", total);
}

static void *exits(void *arg)
{
    (void)arg;
    exit(3);
}

static void *sleeps(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static volatile int *volatile nowhere = (volatile int *)8;

static void *faults(void *arg)
{
    (void)arg;
    *nowhere = 1;
    return NULL;
}

static sem_t finished;

static void *detached(void *arg)
{
    (void)arg;
    sem_post(&finished);
    return NULL;
}

/* A thread that calls exit ends the process (the other thread with it);
 * a fault in a thread ends the process with SIGSEGV; detached threads end
 * on their own (their stacks given back as they go). */
static void endings_case(void)
{
    pid_t c = fork();
    if (c == 0) {
        pthread_t a, b;
        pthread_create(&b, NULL, sleeps, NULL);
        pthread_create(&a, NULL, exits, NULL);
        pthread_join(a, NULL);
        _exit(99);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 3);
    c = fork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, faults, NULL);
        pthread_join(a, NULL);
        _exit(98);
    }
    CHECK(waitpid(c, &status, 0) == c && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(sem_init(&finished, 0, 0) == 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        CHECK(pthread_create(&t, &attr, detached, NULL) == 0);
        CHECK(sem_wait(&finished) == 0);
    }
    pid_t tid = syscall(SYS_gettid);
    CHECK(tid == getpid());
    printf("endings ok\n");
}

/* posix_spawn and system (musl makes both with a clone that shares memory
 * until the child execs). */
static void spawn_case(void)
{
    pid_t pid;
    char *argv[] = {"sh", "-c", "exit 7", NULL};
    extern char **environ;
    CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) == 0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
    char *bad[] = {"nothing", NULL};
    CHECK(posix_spawn(&pid, "/bin/no-such-program", NULL, NULL, bad, environ) == ENOENT);
    fflush(stdout);
    CHECK(system("echo from system") == 0);
    printf("spawn ok\n");
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "counter") == 0)
        counter_case();
    else if (strcmp(c, "condvar") == 0)
        condvar_case();
    else if (strcmp(c, "endings") == 0)
        endings_case();
    else if (strcmp(c, "spawn") == 0)
        spawn_case();
    else {
        printf("cthread: no case %s\n", c);
        return 2;
    }
    fflush(stdout);
    return failures ? 1 : 0;
}
