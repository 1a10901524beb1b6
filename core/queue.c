#include "queue.h"

#include <math.h>
#include <stdlib.h>

rs_status rs_queue_init(rs_queue *q, size_t cap, rs_error *err)
{
    q->heap = malloc((cap ? cap : 1) * sizeof *q->heap);
    q->len = 0;
    q->cap = cap;
    q->next_seq = 0;
    if (!q->heap)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for an event queue of %zu events", cap);
    return RS_OK;
}

void rs_queue_free(rs_queue *q)
{
    if (!q)
        return;
    free(q->heap);
    q->heap = NULL;
    q->len = q->cap = 0;
}

void rs_queue_clear(rs_queue *q)
{
    q->len = 0;
    q->next_seq = 0;
}

rs_status rs_queue_push(rs_queue *q, double t, rs_event_kind kind, uint32_t arg, rs_error *err)
{
    if (q->len == q->cap) { /* sized for the usual load up front; only unusual scripts (many rate changes) grow it */
        size_t cap = q->cap ? 2 * q->cap : 16;
        rs_event *heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory for an event queue of %zu events", cap);
        q->heap = heap;
        q->cap = cap;
    }
    rs_event ev = {t, ((uint64_t)kind << 56) | (q->next_seq++ & ((UINT64_C(1) << 56) - 1)), arg, kind};
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!rs_event_before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
    return RS_OK;
}

int rs_queue_pop(rs_queue *q, rs_event *out)
{
    if (q->len == 0)
        return 0;
    *out = q->heap[0];
    rs_event last = q->heap[--q->len];
    size_t n = q->len, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && rs_event_before(&q->heap[child + 1], &q->heap[child]))
            child++;
        if (!rs_event_before(&q->heap[child], &last))
            break;
        q->heap[i] = q->heap[child];
        i = child;
    }
    if (n > 0)
        q->heap[i] = last;
    return 1;
}

double rs_queue_peek_time(const rs_queue *q)
{
    return q->len ? q->heap[0].t : INFINITY;
}
