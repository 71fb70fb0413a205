/* pool.c: slots and a pool of workers for the hunt's threads (pool.h). */
#include "api/pool.h"

#include <stdlib.h>
#include <unistd.h>

void ts_slots_init(ts_slots *s, unsigned n)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->freed, NULL);
    s->free = n ? n : 1;
}

void ts_slots_destroy(ts_slots *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->freed);
}

void ts_slots_take(ts_slots *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    while (!s->free)
        pthread_cond_wait(&s->freed, &s->mu);
    s->free--;
    pthread_mutex_unlock(&s->mu);
}

void ts_slots_give(ts_slots *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->free++;
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->mu);
}

unsigned ts_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

enum { QUEUED, RUNNING, DONE };

struct ts_jobpool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    ts_task *head, *tail; /* handed out, not started */
    int stop;
    ts_slots *slots;
    unsigned n, started;
    struct worker {
        ts_jobpool *p;
        unsigned index;
        pthread_t thread;
    } * w;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    ts_jobpool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->head)
            break;
        ts_task *t = p->head;
        if (!(p->head = t->next))
            p->tail = NULL;
        t->state = RUNNING;
        pthread_mutex_unlock(&p->mu);
        ts_slots_take(p->slots);
        t->run(t, w->index);
        ts_slots_give(p->slots);
        pthread_mutex_lock(&p->mu);
        t->state = DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

ts_jobpool *ts_jobpool_new(unsigned n, ts_slots *slots)
{
    ts_jobpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = n ? n : 1;
    p->slots = slots;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (!(p->w = calloc(p->n, sizeof *p->w))) {
        ts_jobpool_free(p);
        return NULL;
    }
    for (; p->started < p->n; p->started++) {
        struct worker *w = &p->w[p->started];
        w->p = p, w->index = p->started;
        if (pthread_create(&w->thread, NULL, work, w) != 0) {
            ts_jobpool_free(p);
            return NULL;
        }
    }
    return p;
}

void ts_jobpool_free(ts_jobpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->w[i].thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->w);
    free(p);
}

unsigned ts_jobpool_workers(const ts_jobpool *p)
{
    return p->n;
}

void ts_jobpool_submit(ts_jobpool *p, ts_task *t)
{
    t->next = NULL;
    pthread_mutex_lock(&p->mu);
    t->state = QUEUED;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void ts_jobpool_wait(ts_jobpool *p, ts_task *t)
{
    pthread_mutex_lock(&p->mu);
    if (t->state == QUEUED && p->head != t) { /* the next one a worker takes */
        ts_task *prev = p->head;
        while (prev->next != t)
            prev = prev->next;
        prev->next = t->next;
        if (p->tail == t)
            p->tail = prev;
        t->next = p->head;
        p->head = t;
    }
    if (t->state != DONE) {
        pthread_mutex_unlock(&p->mu);
        ts_slots_give(p->slots);
        pthread_mutex_lock(&p->mu);
        while (t->state != DONE)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
        ts_slots_take(p->slots);
        return;
    }
    pthread_mutex_unlock(&p->mu);
}
